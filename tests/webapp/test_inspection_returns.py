"""Issue 19, item 4: why a request came back is at the top of the draft and in the
notification; the statuses say what is happening (the overlap being resolved, 区委农办
deciding on an urgent meeting)."""

from __future__ import annotations

import re

from tests.integration.inspection_world import InspectionDriver, actor, draft, meeting, unit_id
from tests.webapp.conftest import Web
from workflows.kernel import cases
from workflows.kernel.ids import InspectionTask, MeetingTask, ProcessId

T = InspectionTask
NOTICE = re.compile(r'<section[^>]*id="return-reason".*?</section>', re.S)


def _task_page(web: Web, case_id: int, task_id: str) -> str:
    doc = web.client.get(f"/api/v1/cases/{case_id}").get_json()
    uuid = next(t["task_uuid"] for t in doc["tasks"]
                if t["state"] == "open" and t["task_id"] == task_id)
    res = web.client.get(f"/cases/{case_id}/tasks/{uuid}")
    assert res.status_code == 200
    return str(res.get_data(as_text=True))


def _task_page_url(web: Web, case_id: int, task_id: str) -> str:
    doc = web.client.get(f"/api/v1/cases/{case_id}").get_json()
    uuid = next(t["task_uuid"] for t in doc["tasks"]
                if t["state"] == "open" and t["task_id"] == task_id)
    return f"/cases/{case_id}/tasks/{uuid}"


def _notice(html: str) -> str:
    found = NOTICE.search(html)
    assert found, "no return notice on the draft page"
    return found.group(0)


def _status(web: Web, case_id: int) -> str:
    html = web.client.get(f"/cases/{case_id}").get_data(as_text=True)
    found = re.search(r'<span class="status[^"]*">([^<]+)<', html)
    assert found
    return found.group(1)


def test_a_town_objection_is_at_the_top_of_the_draft_and_in_the_notification(web: Web) -> None:
    drive = InspectionDriver(web.db)
    case_id = drive.to_checks(draft(web.db, ["dgz-v1"]), title="低保检查")
    drive.do("dg_official", case_id, T.TOWN_REVIEW,
             {"town_decision": "object", "objection": "正值农忙人手不足"})
    web.db.rollback()
    web.login("mz_clerk")
    notice = _notice(_task_page(web, case_id, T.DRAFT_REQUEST))
    assert "正值农忙人手不足" in notice and "大观镇" in notice
    bell = web.client.get("/notifications").get_data(as_text=True)
    assert "正值农忙人手不足" in bell


def test_a_quota_return_says_why_and_a_long_meeting_is_refused_at_filing(web: Web) -> None:
    drive = InspectionDriver(web.db)
    research = {"inspection_type": "research", "people": 2, "days": 1}
    drive.approve(draft(web.db, ["dgz-v1"], **research, window_start="2026-04-01",
                        window_end="2026-04-01"))
    second = drive.to_checks(draft(web.db, ["dgz-v1"], **research,
                                   window_start="2026-05-06", window_end="2026-05-06"))
    started = cases.start_case(web.db, actor(web.db, "mz_clerk"),
                               str(ProcessId.MEETING_REQUEST), {"title": "全天培训"}).case_id
    village = str(unit_id(web.db, "dgz-v1"))
    web.db.rollback()
    web.login("mz_clerk")
    assert "配额" in _notice(_task_page(web, second, T.DRAFT_REQUEST))
    # item 10: over the length limit, refused at filing with the reason (not returned)
    page = _task_page_url(web, started, MeetingTask.DRAFT_MEETING)
    res = web.post_form(page, page, {
        "purpose": "全天培训", "attendees": "村党支部书记", "village_ids": village,
        "hours": "3", "mode": "on_site", "preferred_date": "2099-03-10"})
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert re.search(r'data-field="hours"[^>]*>[^<]*每次会议不超过 2 小时', html)


def test_statuses_say_what_is_happening(web: Web) -> None:
    drive = InspectionDriver(web.db)
    drive.approve(draft(web.db, ["dgz-v1", "dgz-v2"]), title="民政检查")
    second = drive.to_checks(draft(web.db, ["dgz-v2"], window_start="2026-04-14",
                                   window_end="2026-04-15"),
                             title="统计检查", clerk="tj_clerk", head="tj_head")
    urgent = meeting(drive, "mz_clerk", {
        "purpose": "防汛部署", "attendees": "村党支部书记", "town_ids": [],
        "village_ids": [unit_id(web.db, "dgz-v1")], "hours": 1, "mode": "on_site",
        "preferred_date": "2026-03-10", "urgent": True, "urgent_reason": "汛期",
        "urgent_date": "2026-03-12"})
    web.db.rollback()
    web.login("tj_clerk")
    assert _status(web, second) == "重叠待处理：合并或改期"
    web.client = web.client.application.test_client()
    web.login("mz_clerk")
    assert _status(web, urgent) == "区委农办审核紧急会议中"
