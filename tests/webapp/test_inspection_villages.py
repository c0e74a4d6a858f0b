"""Issue 19, item 9: village cadres are told of approved inspections and meetings of their
village; the rating is a labelled five-step choice; the town's review and the rating show
villages and dates as a person reads them; the inbox names the villages."""

from __future__ import annotations

import re

from tests.integration.inspection_world import InspectionDriver, draft, meeting, unit_id
from tests.webapp.conftest import Web
from workflows.kernel.ids import InspectionTask

T = InspectionTask
JSON = re.compile(r'(&#34;|")(name|unit_id|village_id)(&#34;|"):')


def _task_page(web: Web, case_id: int, task_id: str) -> str:
    doc = web.client.get(f"/api/v1/cases/{case_id}").get_json()
    uuid = next(t["task_uuid"] for t in doc["tasks"]
                if t["state"] == "open" and t["task_id"] == task_id)
    return str(web.client.get(f"/cases/{case_id}/tasks/{uuid}").get_data(as_text=True))


def _fresh(web: Web, username: str) -> None:
    web.client = web.client.application.test_client()
    web.login(username)


def test_cadres_are_told_and_the_town_reads_villages(web: Web) -> None:
    drive = InspectionDriver(web.db)
    review = drive.to_checks(draft(web.db, ["dgz-v1", "dgz-v2"]), title="待镇审核的检查")
    approved = drive.approve(draft(web.db, ["dgz-v1"], window_start="2026-05-11",
                                   window_end="2026-05-12"), title="已批准的检查")
    meeting(drive, "mz_clerk", {"purpose": "低保政策培训", "attendees": "村党支部书记",
                                "village_ids": [unit_id(web.db, "dgz-v1")], "town_ids": [],
                                "hours": 1.5, "mode": "on_site",
                                "preferred_date": "2026-03-10"})
    drive.do("mz_clerk", approved, T.RECORD_OUTCOME, {
        "actual_start": "2026-05-11", "actual_end": "2026-05-11", "actual_people": 2,
        "actual_days": 1, "actual_materials": []})
    web.db.rollback()
    _fresh(web, "dg_cadre")
    bell = web.client.get("/notifications").get_data(as_text=True)
    assert "2026-05-11" in bell and "已批准的检查" in bell
    assert "低保政策培训" in bell and "会议" in bell
    rating = _task_page(web, approved, T.RATE_BURDEN)
    steps = re.findall(r'<input type="radio" name="burden_rating" value="(\d)"', rating)
    assert steps == ["1", "2", "3", "4", "5"]
    assert 'type="number" id="f-burden_rating"' not in rating
    assert not JSON.search(rating) and "大观镇示例村1" in rating
    _fresh(web, "dg_official")
    town = _task_page(web, review, T.TOWN_REVIEW)
    assert not JSON.search(town) and "大观镇示例村2" in town
    inbox = web.client.get("/inbox").get_data(as_text=True)
    row = inbox[inbox.index("待镇审核的检查"):]
    row = row[:row.index("</tr>")]
    assert "大观镇示例村1" in row and "大观镇示例村2" in row
