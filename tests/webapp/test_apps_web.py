"""The apps and work groups on the web (issue 13, items 5, 6 and 8): every role x every app
route (0 unauthorized successes), the village page's flag opening a pre-filled complaint,
and the burden estimate on the approver's task page and on the replay certificate."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, HumanTask, OrgKind, OrgUnit, RoleAssignment, User
from tests.webapp.conftest import Web, demo_db
from workflows.apps import registry
from workflows.apps import village as village_apps
from workflows.kernel import access

PROCESS = "app_request"
DUPLICATE_CASE = "防汛值守打卡APP（演示）"
WAITING_CASE = "防汛值班打卡小程序（演示）"  # at 区委农办, a likely duplicate of the one above
CYBERSPACE_CASE = "统计数据直报平台（演示）"  # at 区委网信办


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full demo (inspections, meetings and the apps): the conftest's app runs on it."""
    return demo_db(tmp_path_factory.mktemp("apps") / "demo.db", inspections=True)


def login(web: Web, username: str) -> None:
    web.client.delete_cookie("jianfu_session")
    assert web.login(username).status_code == 302


def html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _grants(db: Session) -> dict[str, set[tuple[str, int]]]:
    out: dict[str, set[tuple[str, int]]] = {u: set() for u in db.scalars(select(User.username))}
    for username, role, unit in db.execute(
            select(User.username, RoleAssignment.role, RoleAssignment.org_unit_id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)):
        out[username].add((role, unit))
    return out


def test_every_role_x_every_app_route_no_unauthorized_success(web: Web) -> None:
    db = web.db
    grants = _grants(db)
    units = {u.id: u for u in db.scalars(select(OrgUnit))}
    villages = [u for u in units.values() if u.kind == OrgKind.VILLAGE]
    apps = {a.id: a.owner_unit_id for a in registry.apps(db, "active")}
    tasks = db.execute(select(HumanTask.case_id, HumanTask.task_uuid, HumanTask.task_id,
                              HumanTask.role, HumanTask.scope_org_unit_id)
                       .join(Case, Case.id == HumanTask.case_id)
                       .where(Case.case_type == PROCESS, HumanTask.state == "open")).all()
    db.rollback()
    assert len(apps) == 2 and len(tasks) == 2
    forms = {"burden_review": {"burden_decision": "reject", "comment": "越权"},
             "cyberspace_review": {"cyberspace_decision": "return", "comment": "越权"}}
    unauthorized: list[tuple[str, str, int]] = []
    allowed_ok = checked = 0

    def check(user: str, method: str, url: str, allowed: bool,
              data: dict[str, Any] | None = None) -> None:
        nonlocal allowed_ok, checked
        checked += 1
        if method == "GET":
            status = web.client.get(url).status_code
        else:
            status = web.post_form("/apps", url, data or {}).status_code
        success = status < 300 or (method == "POST" and status < 400)
        if success and not allowed:
            unauthorized.append((user, url, status))
        allowed_ok += success and allowed

    web.client.delete_cookie("jianfu_session")  # nobody logged in: every page is refused
    for url in ["/apps", *(f"/apps/{a}" for a in apps), "/apps/request?app_change=new",
                f"/apps/village?village={villages[0].id}", "/audit/dashboard/apps",
                *(f"/cases/{c}/tasks/{u}" for c, u, *_ in tasks)]:
        check("anonymous", "GET", url, False)
    for user, mine in sorted(grants.items()):
        login(web, user)
        roles = {r for r, _ in mine}
        requesters = {u for r, u in mine if r == access.CLERK
                      and units[u].kind in (OrgKind.DEPARTMENT, OrgKind.TOWN)}
        check(user, "GET", "/apps", bool(mine))
        for app_id, owner in apps.items():
            check(user, "GET", f"/apps/{app_id}", bool(mine))
            check(user, "GET", f"/apps/request?app_change=retire&app_id={app_id}",
                  owner in requesters)
            if owner not in requesters:
                check(user, "POST", "/apps/request", False,
                      {"app_change": "retire", "app_id": str(app_id), "title": "越权停用"})
        check(user, "GET", "/apps/request?app_change=new", bool(requesters))
        if not requesters:
            check(user, "POST", "/apps/request", False, {"app_change": "new", "title": "越权"})
        district = bool(roles & village_apps.DISTRICT_ROLES)
        for v in villages:
            sees = district or any(
                r in village_apps.VILLAGE_ROLES and v.path.startswith(units[u].path)
                for r, u in mine)
            check(user, "GET", f"/apps/village?village={v.id}", sees)
        check(user, "GET", "/audit/dashboard/apps",
              bool(roles & {"supervisor", "burden_office", "auditor"}))
        for case_id, uuid, task_id, lane, scope in tasks:
            holds = (lane, scope) in mine
            url = f"/cases/{case_id}/tasks/{uuid}"
            check(user, "GET", url, holds)
            if not holds:
                check(user, "POST", url, False, forms[task_id])
    assert unauthorized == []
    assert allowed_ok > 100
    print(f"app routes: {checked} requests by {len(grants)} users and nobody, "
          f"{allowed_ok} allowed and answered, 0 unauthorized successes")


def test_a_cadre_flags_an_unregistered_app_into_a_prefilled_complaint(web: Web) -> None:
    login(web, "dg_cadre")
    village = web.db.scalar(select(OrgUnit).where(OrgUnit.code == "dgz-v1"))
    assert village is not None
    web.db.rollback()
    page = html(web.client.get("/apps/village"))
    assert "防汛值守打卡APP" in page and "民政业务工作群" in page
    assert "已登记 2 个应用和工作群 · 每周打卡 7 次" in page
    link = re.search(r'id="flag-app" href="([^"]+)"', page)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert url == f"/report?category=apps_and_checkins&village_id={village.id}"
    form = html(web.client.get(url))
    assert re.search(r'<option value="apps_and_checkins"[^>]*selected', form)
    assert re.search(rf'<option value="{village.id}"[^>]*selected', form)
    # another town's official sees the village page without the flag
    login(web, "mz_clerk")
    assert web.client.get(f"/apps/village?village={village.id}").status_code == 404


def _estimate_of_draft(db: Session, case_id: int) -> dict[str, Any]:
    event = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                               CaseEvent.task_id == "draft_app")
                       .order_by(CaseEvent.seq.desc())).first()
    assert event is not None
    db.rollback()
    return dict(event.inputs["data"]["burden_estimate"])


def test_the_approver_sees_the_estimate_recorded_with_the_draft(web: Web) -> None:
    case_id = web.case_id(WAITING_CASE)
    recorded = _estimate_of_draft(web.db, case_id)
    # 1 h to install + 7 check-ins a week x 5 minutes x 52 weeks / 60 = 31.3 h a village
    assert recorded["hours_per_village_year"] == 31.3
    assert recorded["villages"] == 3
    login(web, "nb_staff")
    page = html(web.client.get(f"/cases/{case_id}/tasks/{web.open_task(case_id)}"))
    assert 'id="burden-estimate"' in page
    assert re.search(r'id="burden-hours">[^<]*31\.3', page)
    assert 'id="app-duplicate-verdict"' in page and "防汛值守打卡APP" in page


def test_the_certificate_shows_the_figure_the_approver_saw(web: Web) -> None:
    case_id = web.case_id(DUPLICATE_CASE)
    recorded = _estimate_of_draft(web.db, case_id)
    login(web, "auditor")
    page = html(web.client.get(f"/audit/cases/{case_id}/certificate"))
    assert 'id="certificate-burden"' in page
    figures = re.findall(r'class="burden-figure">([^<]+)<', page)
    assert figures == [str(recorded["hours_per_village_year"])]


def test_inspection_and_meeting_approvers_see_their_estimate(web: Web) -> None:
    rows = web.db.execute(
        select(Case.id, Case.case_type, HumanTask.task_uuid, HumanTask.task_id)
        .join(HumanTask, HumanTask.case_id == Case.id)
        .where(Case.case_type.in_(["inspection_request", "meeting_request"]),
               HumanTask.state == "open",
               HumanTask.task_id.in_(["head_review", "town_review", "approve_request",
                                      "approve_urgent"]))).all()
    web.db.rollback()
    seen = set()
    for case_id, case_type, uuid, task_id in rows:
        holder = web.db.execute(
            select(User.username).join(RoleAssignment, RoleAssignment.user_id == User.id)
            .join(HumanTask, (HumanTask.role == RoleAssignment.role)
                  & (HumanTask.scope_org_unit_id == RoleAssignment.org_unit_id))
            .where(HumanTask.task_uuid == uuid)).scalars().first()
        web.db.rollback()
        if holder is None or case_type in seen:
            continue
        login(web, holder)
        page = html(web.client.get(f"/cases/{case_id}/tasks/{uuid}"))
        assert 'id="burden-estimate"' in page, (case_type, task_id)
        seen.add(case_type)
    assert "inspection_request" in seen


def test_the_pages_in_both_languages_one_after_the_other(web: Web) -> None:
    """Labels follow the request's language on every page (a label computed once, when a
    template is first compiled, would stay in the first language used)."""
    login(web, "mz_clerk")
    civil = next(a.id for a in registry.apps(web.db) if a.name == "民政业务工作群")
    web.db.rollback()
    pages = {"/apps?status=all": ["Registry number", "Name of the app or group",
                                  "Check-ins demanded per week"],
             f"/apps/{civil}?x=1": ["What it is for", "Check-ins demanded per week"],
             f"/apps/request?app_change=merge&app_id={civil}": ["Merged into"]}
    for url in pages:
        assert "目录" in html(web.client.get(f"{url}&lang=zh_CN"))
    for url, words in pages.items():
        page = html(web.client.get(f"{url}&lang=en"))
        for word in words:
            assert word in page, (url, word)
