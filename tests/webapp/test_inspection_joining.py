"""Issue 19, items 3, 6 and 7 on the pages: joining an overlapping inspection from choices
(the host department and the villages told, the joining team on the calendar, the quota
counted); a town's objection returns the draft at once; nothing is recorded before the visit
has ended and the recording's deadline counts from its end; cases on version 1 keep it."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from models import (
    Case,
    InspectionSlot,
    Notification,
    OrgUnit,
    ProcessVersion,
    RoleAssignment,
    User,
)
from tests.integration.inspection_world import InspectionDriver, actor, draft, unit_id
from tests.webapp.conftest import Web
from webapp.core.auth import _fingerprint
from workflows.inspections import joins, quota, visits
from workflows.kernel import access, accounts, cases, processes
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import NotFoundError
from workflows.kernel.ids import InspectionTask

T = InspectionTask
ROOT = Path(__file__).resolve().parents[2]
NEXT = date.today().year + 1
CHOICES = re.compile(r'<section[^>]*id="join-choices".*?</section>', re.S)


def _task_url(web: Web, case_id: int, task_id: str) -> str:
    doc = web.client.get(f"/api/v1/cases/{case_id}").get_json()
    uuid = next(t["task_uuid"] for t in doc["tasks"]
                if t["state"] == "open" and t["task_id"] == task_id)
    return f"/cases/{case_id}/tasks/{uuid}"


def _user(web: Web, name: str) -> int:
    uid = web.db.scalar(select(User.id).where(User.username == name))
    assert uid is not None
    return uid


def _overlapping(web: Web) -> tuple[int, int]:
    drive = InspectionDriver(web.db)
    host = drive.approve(draft(web.db, ["dgz-v1", "dgz-v2"]), title="民政低保检查")
    joining = drive.to_checks(draft(web.db, ["dgz-v2", "dgz-v3"]), title="统计数据核查",
                              clerk="tj_clerk", head="tj_head")
    web.db.commit()
    return host, joining


def test_the_clerk_joins_from_choices_and_everyone_concerned_hears_of_it(web: Web) -> None:
    host, joining = _overlapping(web)
    web.login("tj_clerk")
    url = _task_url(web, joining, T.RESOLVE_OVERLAP)
    html = web.client.get(url).get_data(as_text=True)
    choices = CHOICES.search(html)
    assert choices, "no overlapping inspections to choose from"
    block = choices.group(0)
    for text in ("民政低保检查", "区民政局", "2026-04-13", "大观镇示例村2", "大观镇示例村3"):
        assert text in block, text
    assert f'name="merge_with" value="{host}"' in block
    assert "加入此检查" in block and "一同检查的村" in block  # Chinese first
    res = web.post_form(url, url, {"overlap_decision": "merge", "merge_with": str(host),
                                   "comment": ""})
    assert res.status_code in (302, 303), res.get_data(as_text=True)[:1500]
    web.db.rollback()
    case = web.db.get(Case, joining)
    assert case is not None and case.status == "merged"
    # the quota: the joining team took a slot of its kind in the shared village only
    slots = web.db.scalars(select(InspectionSlot).where(InspectionSlot.case_id == joining))
    assert sorted((s.village_id, s.period) for s in slots) == [
        (unit_id(web.db, "dgz-v2"), "2026"), (unit_id(web.db, "dgz-v2"), "2026-Q2")]
    # the slots are rebuilt from the events as they were claimed
    claimed = sorted((s.village_id, s.period, s.slot, s.case_id)
                     for s in web.db.scalars(select(InspectionSlot)))
    quota.rebuild(web.db)
    assert sorted((s.village_id, s.period, s.slot, s.case_id)
                  for s in web.db.scalars(select(InspectionSlot))) == claimed
    web.db.rollback()
    # told: the host department's clerk and head, the shared village's cadre (not dgz-v3's)
    told = {(n.user_id, n.text_key) for n in web.db.scalars(
        select(Notification).where(Notification.case_id == host))}
    assert (_user(web, "mz_clerk"), "inspection_joined") in told
    assert (_user(web, "mz_head"), "inspection_joined") in told
    cadres = {uid for uid, key in told if key == "inspection_joined_village"}
    shared = set(web.db.scalars(select(RoleAssignment.user_id).where(
        RoleAssignment.role == access.VILLAGE_CADRE,
        RoleAssignment.org_unit_id == unit_id(web.db, "dgz-v2"))))
    assert cadres == shared
    web.client = web.client.application.test_client()  # another person's browser
    web.login("mz_clerk")
    bell = web.client.get("/notifications").get_data(as_text=True)
    assert "区统计局" in bell and "民政低保检查" in bell
    # the joining team is on the shared village's calendar, on the host's dates
    cal = web.client.get(f"/inspections/calendar?village={unit_id(web.db, 'dgz-v2')}")
    page = cal.get_data(as_text=True)
    assert "统计数据核查" in page and "民政低保检查" in page


def test_a_join_over_the_quota_is_refused_on_the_choice(web: Web) -> None:
    host, joining = _overlapping(web)
    drive = InspectionDriver(web.db, start=datetime(2026, 3, 2, 1, tzinfo=UTC))
    # dgz-v2's business quota of the quarter (2: the host and this one) is used up meanwhile
    for n in range(1):
        drive.approve(draft(web.db, ["dgz-v2"], window_start=f"2026-05-{11 + n}",
                            window_end=f"2026-05-{11 + n}"), title=f"统计其他检查{n}",
                      clerk="tj_clerk", head="tj_head")
    web.db.commit()
    web.login("tj_clerk")
    url = _task_url(web, joining, T.RESOLVE_OVERLAP)
    res = web.post_form(url, url, {"overlap_decision": "merge", "merge_with": str(host),
                                   "comment": ""})
    assert res.status_code == 422
    html = res.get_data(as_text=True)
    assert 'data-field="merge_with"' in html or "merge_with" in html
    web.db.rollback()
    assert web.db.get(Case, joining).status != "merged"  # type: ignore[union-attr]


def test_a_town_objection_returns_the_draft_at_once(web: Web) -> None:
    official = accounts.create_user(web.db, "ml_official", "木凉镇经办人", "pw-unused-1234")
    accounts.assign_role(web.db, official, access.TOWN_OFFICIAL,
                         web.db.get(OrgUnit, unit_id(web.db, "mlz")))  # type: ignore[arg-type]
    web.db.commit()
    drive = InspectionDriver(web.db)
    case_id = drive.to_checks(draft(web.db, ["dgz-v1", "mlz-v1"]), title="两镇检查")
    drive.do("ml_official", case_id, T.TOWN_REVIEW,
             {"town_decision": "object", "objection": "正值农忙"})
    web.db.commit()
    # 大观镇 has not answered: its review is withdrawn, the clerk has the draft back now
    assert drive.open_tasks("dg_official", case_id, T.TOWN_REVIEW) == []
    web.login("mz_clerk")
    html = web.client.get(_task_url(web, case_id, T.DRAFT_REQUEST)).get_data(as_text=True)
    notice = re.search(r'<section[^>]*id="return-reason".*?</section>', html, re.S)
    assert notice is not None
    assert "正值农忙" in notice.group(0) and "大观镇" in notice.group(0)
    assert 'id="town-return-effect"' in notice.group(0)
    assert "正值农忙" in web.client.get("/notifications").get_data(as_text=True)


def test_recording_opens_when_the_visit_ends_and_its_deadline_counts_from_then(web: Web) -> None:
    drive = InspectionDriver(web.db)
    case_id = drive.approve(draft(web.db, ["dgz-v1"]), title="低保检查")
    assert drive.open_tasks("mz_clerk", case_id, T.RECORD_OUTCOME) == []
    end = datetime(2026, 4, 14, 10, tzinfo=UTC)  # 18:00 in China, the window's last day
    assert visits.end_visit(web.db, case_id, end - timedelta(hours=1)) == 0
    assert visits.end_visit(web.db, case_id, end) == 1
    _, state = cases.get_case(web.db, actor(web.db, "mz_clerk"), case_id)
    task = next(t for t in state.tasks.values() if t.task_id == T.RECORD_OUTCOME)
    assert task.state == "open"
    assert task.due_at == WorkCalendar().add_working_days(task.created_at, 10)
    assert task.created_at >= end
    assert WorkCalendar.local_date(task.due_at).isoformat() == "2026-04-28"


def test_a_case_on_version_1_keeps_it_and_a_future_recording_is_refused(web: Web) -> None:
    old = {**processes.bundle(ROOT / "bpmn", "inspection_request"),
           "inspection_request.bpmn": (ROOT / "tests" / "bpmn" / "versions"
                                       / "inspection_request_v1.bpmn").read_text("utf-8")}
    current = processes.latest(web.db, "inspection_request")
    v1, new = processes.add_version(web.db, "inspection_request", old)
    assert new and v1.version > current.version
    web.db.commit()
    drive = InspectionDriver(web.db)
    case_id = drive.approve(draft(web.db, ["dgz-v1"], window_start=f"{NEXT}-04-13",
                                  window_end=f"{NEXT}-04-14"), title="旧版本检查")
    case = web.db.get(Case, case_id)
    assert case is not None and case.process_version_id == v1.id
    # a later version does not move it
    again, _ = processes.add_version(web.db, "inspection_request",
                                     processes.bundle(ROOT / "bpmn", "inspection_request"))
    web.db.commit()
    # version 1 opens the recording at once, but a visit still to come cannot be recorded
    web.login("mz_clerk")
    url = _task_url(web, case_id, T.RECORD_OUTCOME)
    page = web.client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:3000]
    res = web.post_form(url, url, {"actual_start": f"{NEXT}-04-13", "actual_end": f"{NEXT}-04-13",
                                   "actual_people": "2", "actual_days": "1",
                                   "actual_materials": ""})
    assert res.status_code == 422
    assert f"{NEXT}-04-13" in res.get_data(as_text=True)
    web.db.rollback()
    assert web.db.get(Case, case_id).process_version_id == v1.id  # type: ignore[union-attr]
    assert web.db.scalar(select(ProcessVersion.id).where(
        ProcessVersion.id == again.id)) is not None


def test_the_joining_department_opens_the_inspection_it_joined(web: Web) -> None:
    host, joining = _overlapping(web)
    InspectionDriver(web.db).do("tj_clerk", joining, T.RESOLVE_OVERLAP,
                                {"overlap_decision": "merge", "merge_with": host})
    web.db.commit()
    web.login("tj_clerk")
    res = web.client.get(f"/cases/{host}")  # was a 404
    assert res.status_code in (302, 303)
    assert res.headers["Location"].endswith(f"/inspections/joined/{host}")
    page = web.client.get(f"/inspections/joined/{host}").get_data(as_text=True)
    for text in ("民政低保检查", "区民政局", "2026-04-13", "大观镇示例村1", "区统计局",
                 f"/cases/{joining}"):
        assert text in page, text
    # the host case itself (its history, the villages' ratings) stays closed to it
    assert "ol class=\"history\"" not in page


def test_every_user_and_the_joined_page_no_unauthorized_2xx(app: Flask) -> None:
    database = app.extensions["jianfu.db"]
    with database.sessions() as db:
        drive = InspectionDriver(db)
        host = drive.approve(draft(db, ["dgz-v1", "dgz-v2"]), title="民政低保检查")
        joining = drive.to_checks(draft(db, ["dgz-v2"]), title="统计数据核查",
                                  clerk="tj_clerk", head="tj_head")
        drive.do("tj_clerk", joining, T.RESOLVE_OVERLAP,
                 {"overlap_decision": "merge", "merge_with": host})
        db.commit()
        case = db.get(Case, host)
        assert case is not None
        expected, sessions_of = {}, {}
        for user in db.scalars(select(User).order_by(User.username)):
            who = access.load_actor(db, user.id)
            try:
                cases.get_case(db, who, host)
                sees = True
            except NotFoundError:
                sees = False
            expected[user.username] = sees or joins.may_read(db, who, case)
            sessions_of[user.username] = (user.id, _fingerprint(user), int(time.time()))
    assert expected["tj_clerk"] and expected["tj_head"] and not expected["qnyw_clerk"]
    assert app.test_client().get(f"/inspections/joined/{host}").status_code in (302, 401)
    unauthorized = []
    for username, ok in expected.items():
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["uid"], sess["fp"], sess["since"] = sessions_of[username]
        for url in (f"/inspections/joined/{host}", f"/inspections/joined/{joining}",
                    "/inspections/joined/99999999"):
            code = client.get(url).status_code
            allowed = ok and url.endswith(f"/{host}")
            if code < 300 and not allowed:
                unauthorized.append((username, url, code))
            if allowed:
                assert code == 200, (username, url, code)
            else:
                assert code == 404, (username, url, code)
    assert unauthorized == []
