"""Issue 19, item 11: the inspection and meeting forms answer in Chinese (validation messages
and field names), and the case pages name no raw field and show no UTC timestamp."""

from __future__ import annotations

import re

from tests.integration.inspection_world import InspectionDriver, actor, draft, meeting, unit_id
from tests.webapp.conftest import Web
from workflows.kernel import cases
from workflows.kernel.ids import InspectionTask, MeetingTask, ProcessId

T = InspectionTask
RAW_LABEL = re.compile(r"<dt>([a-z_]+)</dt>")


def _overlapping(web: Web) -> tuple[int, int]:
    drive = InspectionDriver(web.db)
    first = drive.approve(draft(web.db, ["dgz-v1", "dgz-v2"]), title="民政检查")
    second = drive.to_checks(draft(web.db, ["dgz-v2"], window_start="2026-04-14",
                                   window_end="2026-04-15"),
                             title="统计检查", clerk="tj_clerk", head="tj_head")
    web.db.rollback()
    return first, second


def _post(web: Web, case_id: int, task_id: str, data: dict[str, str]) -> str:
    doc = web.client.get(f"/api/v1/cases/{case_id}").get_json()
    uuid = next(t["task_uuid"] for t in doc["tasks"]
                if t["state"] == "open" and t["task_id"] == task_id)
    page = f"/cases/{case_id}/tasks/{uuid}"
    res = web.post_form(page, page, data)
    assert res.status_code == 422, res.status_code
    return str(res.get_data(as_text=True))


def test_overlap_messages_are_chinese(web: Web) -> None:
    first, second = _overlapping(web)
    web.login("tj_clerk")
    html = _post(web, second, T.RESOLVE_OVERLAP, {"overlap_decision": "merge"})
    assert "choose the inspection to join" not in html and "请选择要加入的检查" in html
    html = _post(web, second, T.RESOLVE_OVERLAP,
                 {"overlap_decision": "merge", "merge_with": str(first + 999)})
    assert "not one of the overlapping" not in html and "不是与本申请重叠的检查" in html
    html = _post(web, second, T.RESOLVE_OVERLAP, {"overlap_decision": "reschedule"})
    assert "a reason is required" not in html and "请填写理由" in html


def test_meeting_urgent_needs_a_reason_in_chinese(web: Web) -> None:
    started = cases.start_case(web.db, actor(web.db, "mz_clerk"),
                               str(ProcessId.MEETING_REQUEST), {"title": "防汛紧急部署"})
    village = str(unit_id(web.db, "dgz-v1"))
    web.db.rollback()
    web.login("mz_clerk")
    html = _post(web, started.case_id, MeetingTask.DRAFT_MEETING, {
        "purpose": "防汛部署", "attendees": "村党支部书记", "village_ids": village,
        "hours": "1", "mode": "on_site", "preferred_date": "2099-03-10", "urgent": "y"})
    assert "an urgent meeting states" not in html and "紧急会议须说明" in html


def test_case_pages_name_every_field_and_show_local_times(web: Web) -> None:
    drive = InspectionDriver(web.db)
    case_id = drive.approve(draft(web.db, ["dgz-v1"]), title="民政检查")
    meeting_id = meeting(drive, "mz_clerk", {
        "purpose": "低保政策培训", "attendees": "村党支部书记",
        "village_ids": [unit_id(web.db, "dgz-v1")], "town_ids": [], "hours": 1.5,
        "mode": "on_site", "preferred_date": "2026-03-10"})
    web.db.rollback()
    web.login("mz_clerk")
    for cid in (case_id, meeting_id):
        res = web.client.get(f"/cases/{cid}")
        assert res.status_code == 200
        html = res.get_data(as_text=True)
        details = html[html.index('class="summary"'):html.index("</dl>")]
        assert not RAW_LABEL.findall(details), RAW_LABEL.findall(details)
        assert "+00:00" not in details and '"name"' not in details, details[:3000]
