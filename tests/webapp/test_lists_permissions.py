"""The permission matrix of the village lists (issue 14): every demo user x every list change
(propose an addition, an amendment, a removal), plaque change (ask, merge, remove) and work
assignment (ask), and every open task of the three processes: no unauthorized success (2xx,
or a redirect after a POST), and the authorized ones do succeed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, HumanTask, ListEntry, OrgUnit, RoleAssignment, User, VillagePlaque
from tests.webapp.conftest import Web, demo_db
from workflows.demo import loader as demo
from workflows.lists import demo as lists_demo

USERS = [u for u, _, _ in demo.DEMO_USERS + lists_demo.USERS]
PROCESSES = ("list_change", "plaque_change", "work_assignment")
LANES = {"government_office": "office_approver"}
FORMS = {
    "draft_entry": {"title": "越权", "entry_description": "越权填写的事项", "legal_basis": "无",
                    "unit_id": "1", "in_force_from": "2030-01-01", "change_note": "越权"},
    "review_entry": {"review_decision": "reject", "comment": "无权"},
    "sign_off_entry": {"office_decision": "approve"},
    "review_plaque": {"review_decision": "approve"},
    "draft_assignment": {"task_title": "越权派活", "task_description": "越权填写的工作事项内容",
                         "village_ids": "1", "start_on": "2030-01-01", "end_on": "2030-01-02"},
    "review_assignment": {"review_decision": "forward", "list_finding": "off_list"},
    "approve_assignment": {"approval_decision": "approve"},
}


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_db(tmp_path_factory.mktemp("lists-perm") / "demo.db", lists=True)


def login(web: Web, username: str) -> None:
    web.client.delete_cookie("jianfu_session")
    assert web.login(username).status_code == 302, username


def _grants(db: Session) -> dict[str, set[tuple[str, int]]]:
    out: dict[str, set[tuple[str, int]]] = {}
    for username, role, unit in db.execute(
            select(User.username, RoleAssignment.role, RoleAssignment.org_unit_id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)):
        out.setdefault(username, set()).add((role, unit))
    return out


def test_every_user_x_every_change_and_task_no_unauthorized_success(web: Web) -> None:
    db = web.db
    grants = _grants(db)
    kinds = dict(db.execute(select(OrgUnit.id, OrgUnit.kind)).all())
    office = db.scalar(select(OrgUnit.id).where(OrgUnit.code == "qwnb"))
    entries = {}
    for e in db.scalars(select(ListEntry).where(ListEntry.status == "active")
                        .order_by(ListEntry.id)):
        entries.setdefault(e.list_kind, (e.id, e.unit_id))
    hanging = list(db.scalars(select(VillagePlaque).where(VillagePlaque.status == "hung")))
    tasks = db.execute(select(HumanTask.case_id, HumanTask.task_uuid, HumanTask.task_id,
                              HumanTask.role, HumanTask.scope_org_unit_id)
                       .join(Case, Case.id == HumanTask.case_id)
                       .where(Case.case_type.in_(PROCESSES), HumanTask.state == "open")).all()
    db.rollback()
    assert len(entries) == 4 and len(hanging) == 2
    assert {t.task_id for t in tasks} == {"review_entry", "review_plaque", "draft_assignment",
                                          "approve_assignment"}
    unauthorized: list[tuple[str, str, str, int]] = []
    authorized_ok = 0

    def check(user: str, method: str, url: str, allowed: bool, data: dict[str, Any]) -> None:
        nonlocal authorized_ok
        if method == "GET":
            status = web.client.get(url).status_code
        else:
            status = web.post_form("/lists", url, {**data, "form_key": ""}).status_code
        success = status < 300 or (method == "POST" and status < 400)
        if success and not allowed:
            unauthorized.append((user, method, url, status))
        authorized_ok += success and allowed

    for user in USERS:
        login(web, user)
        mine = grants.get(user, set())
        dept_clerk = {u for r, u in mine if r == "clerk" and kinds.get(u) == "department"}
        town_clerk = {u for r, u in mine if r == "clerk" and kinds.get(u) == "town"}
        for page in ("/lists", "/lists/plaques", "/lists/work"):
            check(user, "GET", page, True, {})
        check(user, "GET", "/lists/propose?change_kind=add", bool(dept_clerk), {})
        if not dept_clerk:
            check(user, "POST", "/lists/propose", False,
                  {"change_kind": "add", "list_kind": "certificate", "title": "越权新增"})
        for kind, (entry_id, served) in entries.items():
            check(user, "GET", f"/lists/entries/{entry_id}", True, {})
            may = bool(dept_clerk & {served, office})
            check(user, "GET", f"/lists/propose?change_kind=remove&entry_id={entry_id}",
                  bool(dept_clerk), {})
            if not may:  # a successful POST would start a removal
                check(user, "POST", "/lists/propose", False,
                      {"change_kind": "remove", "entry_id": str(entry_id),
                       "title": f"越权撤销{kind}"})
        for change in ("add", "merge", "remove"):
            check(user, "GET", f"/lists/plaques/new?change_kind={change}", bool(town_clerk), {})
        if not town_clerk:
            plaque = hanging[0]
            for change, extra in (("add", {"entry_id": str(entries["plaque"][0])}),
                                  ("remove", {"plaque_id": str(plaque.id)}),
                                  ("merge", {"plaque_id": str(plaque.id),
                                             "merge_into_id": str(hanging[1].id)})):
                check(user, "POST", "/lists/plaques/new", False,
                      {"change_kind": change, "title": "越权", "note": "越权",
                       "village_id": str(plaque.village_id), **extra})
        check(user, "GET", "/lists/work/new", bool(dept_clerk), {})
        if not dept_clerk:
            check(user, "POST", "/lists/work/new", False, {"title": "越权派活"})
        for case_id, uuid, task_id, lane, scope in tasks:
            holds = (LANES.get(lane, lane), scope) in mine
            url = f"/cases/{case_id}/tasks/{uuid}"
            check(user, "GET", url, holds, {})
            if not holds:
                check(user, "POST", url, False, FORMS[task_id])
                check(user, "POST", f"{url}/claim", False, {})

    assert unauthorized == []
    assert authorized_ok > len(USERS) * 7  # the matrix did allow what it should
