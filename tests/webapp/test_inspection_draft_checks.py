"""Issue 19, item 5: the clerk sees the quota and the overlaps while drafting (a "check
first" button and the head's page), dates already past are refused with the field named in
Chinese, and the approver reads the catalog items by name."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import AssessmentItem
from tests.integration.inspection_world import T0, InspectionDriver, draft, unit_id
from tests.webapp.conftest import Web, demo_db
from workflows.kernel.ids import InspectionTask

T = InspectionTask
CHECK = re.compile(r'<section[^>]*id="draft-check".*?</section>', re.S)


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with its assessment item catalog, in force at the drives' time."""
    return demo_db(tmp_path_factory.mktemp("items") / "demo.db", items=True, now=T0)


def _draft_page(web: Web, case_id: int) -> str:
    doc = web.client.get(f"/api/v1/cases/{case_id}").get_json()
    uuid = next(t["task_uuid"] for t in doc["tasks"] if t["state"] == "open")
    return f"/cases/{case_id}/tasks/{uuid}"


def _form(web: Web, villages: list[str], start: str, end: str) -> dict[str, object]:
    return {"inspection_type": "business", "purpose": "检查低保台账",
            "village_ids": [str(unit_id(web.db, v)) for v in villages],
            "window_start": start, "window_end": end, "people": "5", "days": "1",
            "materials-0-name": "低保名册"}


def test_check_first_shows_overlap_and_limits_before_the_head(web: Web) -> None:
    soon = date.today() + timedelta(days=30)
    drive = InspectionDriver(web.db)
    drive.approve(draft(web.db, ["dgz-v1"], window_start=soon.isoformat(),
                        window_end=soon.isoformat()), title="已批准的民政检查")
    case_id = drive.start("tj_clerk", "统计检查")
    web.db.rollback()
    web.login("tj_clerk")
    page = _draft_page(web, case_id)
    res = web.post_form(page, page, {**_form(web, ["dgz-v1"], soon.isoformat(),
                                             soon.isoformat()), "preview": "1"})
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    found = CHECK.search(html)
    assert found, "no check on the draft page"
    assert "已批准的民政检查" in found.group(0) and "5 人" in found.group(0)
    # nothing was sent: the draft is still open
    assert web.client.get(page).status_code == 200


def test_past_dates_are_refused_naming_the_field(web: Web) -> None:
    drive = InspectionDriver(web.db)
    case_id = drive.start("mz_clerk", "过去的检查")
    web.db.rollback()
    web.login("mz_clerk")
    page = _draft_page(web, case_id)
    past = (date.today() - timedelta(days=3)).isoformat()
    res = web.post_form(page, page, _form(web, ["dgz-v1"], past, past))
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert re.search(r'data-field="window_start"[^>]*>[^<]*已经过去', html), html[-3000:]


def test_the_approver_reads_item_names(web: Web) -> None:
    item = web.db.scalars(select(AssessmentItem).order_by(AssessmentItem.id)).first()
    assert item is not None
    item_id = item.id
    web.db.rollback()
    drive = InspectionDriver(web.db)
    case_id = drive.to_checks(draft(web.db, ["dgz-v1"], inspection_type="assessment",
                                    item_ids=[item_id], people=2))
    drive.do("dg_official", case_id, T.TOWN_REVIEW, {"town_decision": "agree"})
    web.db.rollback()
    web.login("nb_staff")
    html = web.client.get(_draft_page(web, case_id)).get_data(as_text=True)
    assert f"[{item_id}]" not in html
    shown = re.search(r"<dt>考核评比项目</dt><dd>([^<]*)</dd>", html)
    assert shown and shown.group(1) not in ("", "—") and "#" not in shown.group(1), html[-9000:]
