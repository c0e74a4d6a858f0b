"""Issue 19, item 10 (part): the combined session as a village cadre reads it (items numbered
once, the hours the village sits through, which items concern the village), and the meeting
draft's hours and mode inputs."""

from __future__ import annotations

import re

from tests.integration.inspection_world import InspectionDriver, actor, meeting, unit_id
from tests.webapp.conftest import Web
from workflows.kernel import cases
from workflows.kernel.ids import MeetingTask, ProcessId


def test_the_cadre_reads_the_session_agenda(web: Web) -> None:
    drive = InspectionDriver(web.db)
    base = {"attendees": "村党支部书记", "town_ids": [], "mode": "on_site",
            "preferred_date": "2026-03-10"}
    meeting(drive, "mz_clerk", {**base, "purpose": "低保政策培训", "hours": 1.5,
                                "village_ids": [unit_id(web.db, "dgz-v1")]})
    meeting(drive, "tj_clerk", {**base, "purpose": "统计报表布置", "hours": 1,
                                "village_ids": [unit_id(web.db, "dgz-v2")]})
    web.db.rollback()
    web.login("dg_cadre")
    html = web.client.get("/inspections/sessions").get_data(as_text=True)
    items = re.findall(r"<li[^>]*>(.*?)</li>", html[html.index('<ol class="agenda"'):], re.S)
    assert items and not any(re.match(r"\s*\d+\.", i) for i in items), items
    assert re.search(r'id="village-hours-[^"]+"[^>]*>[^<]*1\.5', html)
    assert "2.5" not in html  # the session's total is not what the village sits through
    mine = re.findall(r'<li class="agenda-item concerns"', html)
    assert len(mine) == 1


def test_the_meeting_draft_has_a_number_for_hours_and_meeting_modes(web: Web) -> None:
    started = cases.start_case(web.db, actor(web.db, "mz_clerk"),
                               str(ProcessId.MEETING_REQUEST), {"title": "培训"})
    web.db.rollback()
    web.login("mz_clerk")
    doc = web.client.get(f"/api/v1/cases/{started.case_id}").get_json()
    uuid = next(t["task_uuid"] for t in doc["tasks"]
                if t["task_id"] == MeetingTask.DRAFT_MEETING)
    html = web.client.get(f"/cases/{started.case_id}/tasks/{uuid}").get_data(as_text=True)
    assert re.search(r'<input type="number" id="f-hours" name="hours"[^>]*step="0.25"', html)
    assert "实地检查" not in html and "系统数据" not in html
    assert "现场会议" in html and "线上会议" in html
