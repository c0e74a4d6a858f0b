"""Issue 19, item 2: the rating events on the department's case page and in the API carry
neither the village nor a time, and its rating tasks name no village."""

from __future__ import annotations

import json
import re

from tests.integration.test_supervision_scorecards import _cadres
from tests.webapp.conftest import Web
from tests.webapp.test_inspection_rating_privacy import _rated, _views
from workflows.kernel.ids import InspectionTask

VILLAGE = "示例村"


def test_rating_events_name_no_village_and_no_time(web: Web) -> None:
    _cadres(web.db)
    case_id = _rated(web.db, ["dg_cadre"], ["dgz-v1", "dgz-v2"])
    for who in ("mz_clerk", "mz_head"):
        html, doc = _views(web, who, case_id)
        history = html[html.index('class="history"'):]
        for item in history.split('<li class="event">')[1:]:
            if "不向申请部门显示" in item:
                assert VILLAGE not in item and "<time" not in item, item
                assert not re.search(r"\d{2}:\d{2}", item), item
        for ev in doc["events"]:
            if ev["task_id"] == InspectionTask.RATE_BURDEN:
                text = json.dumps(ev, ensure_ascii=False)
                assert VILLAGE not in text and ev["at"] is None and ev["task_uuid"] is None
        rating_tasks = [t for t in doc["tasks"] if t["task_id"] == InspectionTask.RATE_BURDEN]
        assert all(t["scope_org_unit_id"] is None for t in rating_tasks)
