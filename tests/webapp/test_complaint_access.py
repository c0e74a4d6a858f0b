"""T2.5 for complaint objects: every demo user x every complaint x every staff route that
reads or changes a complaint. Pass: 0 successful answers the independent oracle below does
not allow, 0 reporter fields (name, phone) in any answer but the approved unsealing, and
T2.2: no time finer than a day on complaint pages for staff outside intake.

The oracle is written from the policy, not from the code: it reads role grants and task
scopes straight from the tables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Attachment, Case, HumanTask, OrgUnit, RoleAssignment, User
from tests.webapp.conftest import PASSWORD, PUBLIC_CONFIG, csrf_token, jpeg_bytes
from webapp import create_app
from webapp.complaints.settings import EXTENSION
from workflows.complaints import filing as complaints
from workflows.complaints import staff as complaint_staff
from workflows.kernel import access, cases, orgs

NAME, PHONE = "王小明", "13912345678"
ROOT_ROLES = {"burden_office", "supervisor", "auditor", "admin"}


@pytest.fixture
def app(template_db: Any, tmp_path: Any) -> Iterator[Flask]:
    import shutil

    shutil.copy(template_db, tmp_path / "t.db")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "SECRET_KEY": "test", **PUBLIC_CONFIG})
    yield app
    app.extensions["jianfu.db"].engine.dispose()


def _actor(session: Session, username: str) -> access.Actor:
    uid = session.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return access.load_actor(session, uid)


def _world(app: Flask) -> list[int]:
    """Complaints at every stage, one named with an unseal request pending."""
    settings = app.extensions[EXTENSION]
    t = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    with app.extensions["jianfu.db"].sessions() as s:
        village = orgs.by_code(s, "sqz-v1")
        mz, dgz = orgs.by_code(s, "qmzj"), orgs.by_code(s, "dgz")
        assert village is not None and mz is not None and dgz is not None
        base = {"category": "too_many_meetings", "town_id": village.parent_id,
                "village_id": village.id, "description": "一个月开了六次内容相同的会议，请合并。"}
        named = complaints.file_complaint(
            s, {**base, "anonymous": False, "name": NAME, "phone": PHONE},
            [jpeg_bytes()], settings=settings, now=t)
        at_town = complaints.file_complaint(s, base, [jpeg_bytes()], settings=settings, now=t)
        nb = _actor(s, "nb_staff")
        for case_id, unit in ((named.case_id, mz.id), (at_town.case_id, dgz.id)):
            _, state = cases.get_case(s, nb, case_id)
            task = next(x for x in state.tasks.values() if x.state == "open")
            cases.complete_task(s, nb, case_id, task.task_uuid,
                                {"intake_decision": "accept", "category": "too_many_meetings",
                                 "responsible_unit_id": unit}, now=t)
        complaint_staff.request_unseal(s, nb, named.case_id, "需要电话核实会议名称", now=t)
        ids = list(s.scalars(select(Case.id).where(Case.case_type == "burden_complaint")))
    return ids


@dataclass
class Oracle:
    """Who may do what to a complaint, from the tables."""

    session: Session

    def grants(self, username: str) -> set[tuple[str, int]]:
        rows = self.session.execute(
            select(RoleAssignment.role, RoleAssignment.org_unit_id)
            .join(User, User.id == RoleAssignment.user_id).where(User.username == username))
        return {(r, u) for r, u in rows}

    def unit(self, code: str) -> int:
        unit = self.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
        assert unit is not None
        return unit

    def task_units(self, case_id: int) -> set[int]:
        return {u for u in self.session.scalars(
            select(HumanTask.scope_org_unit_id).where(HumanTask.case_id == case_id))
            if u is not None}

    def may_view(self, username: str, case_id: int) -> bool:
        grants = self.grants(username)
        root, office = self.unit("nanchuan"), self.unit("qwnb")
        if any(u in (root, office) for _, u in grants):
            return True
        units = self.task_units(case_id) - {office}
        return any(r in ("clerk", "unit_head") and u in units for r, u in grants)

    def has(self, username: str, role: str) -> bool:
        return any(r == role for r, _ in self.grants(username))


def _login(client: FlaskClient, username: str) -> None:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": PASSWORD,
                                "csrf_token": token})


def _requests(session: Session, case_id: int) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(kind, method, url, form) for every staff route on this complaint."""
    files = list(session.scalars(select(Attachment.id).where(Attachment.case_id == case_id)))
    tasks = list(session.scalars(select(HumanTask.task_uuid).where(
        HumanTask.case_id == case_id, HumanTask.state == "open")))
    out: list[tuple[str, str, str, dict[str, Any]]] = [
        ("view", "GET", f"/cases/{case_id}", {}),
        ("view", "GET", f"/api/v1/cases/{case_id}", {}),
        ("view", "POST", f"/cases/{case_id}/comments", {"text": "matrix"}),
        ("unseal_request", "POST", f"/cases/{case_id}/unseal/request",
         {"reason": "matrix reason"}),
        ("unseal_decide", "POST", f"/cases/{case_id}/unseal/decide", {"approve": "1"}),
        ("unseal_read", "POST", f"/cases/{case_id}/unseal/read", {}),
    ]
    for fid in files:
        out.append(("view", "GET", f"/cases/{case_id}/files/{fid}", {}))
        out.append(("original", "GET", f"/cases/{case_id}/files/{fid}/original", {}))
    for uuid in tasks:
        out.append(("task", "POST", f"/cases/{case_id}/tasks/{uuid}/claim", {}))
        out.append(("task", "GET", f"/cases/{case_id}/tasks/{uuid}", {}))
    return out


def _allowed(oracle: Oracle, user: str, kind: str, case_id: int, url: str) -> bool:
    if not oracle.may_view(user, case_id):
        return False
    status = complaint_staff.unseal_status(oracle.session, case_id)
    if kind == "view":
        return True
    if kind == "original":
        return oracle.has(user, "supervisor")
    if kind == "unseal_request":
        return (oracle.has(user, "burden_office") and status.named
                and status.pending_reason is None and not status.approved)
    if kind == "unseal_decide":
        return oracle.has(user, "supervisor") and status.pending_reason is not None
    if kind == "unseal_read":
        return oracle.has(user, "burden_office") and status.approved
    if kind == "task":
        uuid = url.split("/tasks/")[1].split("/")[0]
        task = oracle.session.scalar(select(HumanTask).where(HumanTask.task_uuid == uuid))
        assert task is not None
        path = access.unit_path(oracle.session, task.scope_org_unit_id)
        uid = oracle.session.scalar(select(User.id).where(User.username == user))
        assert uid is not None
        return access.load_actor(oracle.session, uid).holds(task.role, path)
    raise AssertionError(kind)


TIME = re.compile(r"\b\d{1,2}:\d{2}\b|T\d{2}:\d{2}")


def run_matrix(app: Flask, only: list[str] | None = None) -> tuple[int, list[str]]:
    """Every user x complaint x route; returns (successes, violations)."""
    ids = _world(app)
    database = app.extensions["jianfu.db"]
    with database.sessions() as s:
        users = only or list(s.scalars(select(User.username).order_by(User.id)))
    ok, problems = 0, []
    for user in users:
        client = app.test_client()
        _login(client, user)
        for case_id in ids:
            with database.sessions() as s:
                plan = _requests(s, case_id)
            for kind, method, url, form in plan:
                with database.sessions() as s:
                    allowed = _allowed(Oracle(s), user, kind, case_id, url)
                    page = url if method == "GET" else f"/cases/{case_id}"
                if method == "GET":
                    response = client.get(url)
                else:
                    html = client.get(page).get_data(as_text=True)
                    token = csrf_token(html) if 'name="csrf_token"' in html else ""
                    response = client.post(url, data={**form, "csrf_token": token})
                body = response.get_data(as_text=True) if response.mimetype.startswith(
                    ("text/", "application/json")) else ""
                success = response.status_code < 300 or (
                    method == "POST" and response.status_code in (302, 303))
                if success:
                    ok += 1
                    if not allowed:
                        problems.append(f"{user} {method} {url} -> {response.status_code}")
                if success and kind != "unseal_read" and (NAME in body or PHONE in body):
                    problems.append(f"{user} {method} {url}: reporter field in the answer")
                outside_intake = not any(r in ROOT_ROLES for r, _ in _roles(database, user))
                if (success and kind == "view" and method == "GET" and outside_intake
                        and TIME.search(_times_only(body))):
                    problems.append(f"{user} {url}: a time finer than a day (T2.2)")
    return ok, problems


def _roles(database: Any, user: str) -> set[tuple[str, int]]:
    with database.sessions() as s:
        return Oracle(s).grants(user)


def _times_only(body: str) -> str:
    """The page without the parts that are not times (the CSS/JS links, version strings)."""
    return re.sub(r'(href|src)="[^"]*"', "", body)


def test_complaint_matrix_has_no_unauthorized_success(app: Flask) -> None:
    ok, problems = run_matrix(app)
    assert not problems, "\n".join(problems[:30])
    assert ok > 100  # the matrix did reach pages and actions (not all 404s)


def test_the_matrix_catches_a_leak(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Broken variant: if every staff member could see every case, the matrix must say so."""
    monkeypatch.setattr(cases, "can_see", lambda *a, **k: True)
    _ok, problems = run_matrix(app, ["tj_clerk"])
    assert any("tj_clerk GET /cases/" in p for p in problems), problems[:5]


def test_the_matrix_catches_exact_times(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Broken variant: a department shown exact times on complaints must be caught (T2.2)."""
    monkeypatch.setattr(complaint_staff, "exact_times", lambda *a, **k: True)
    _ok, problems = run_matrix(app, ["mz_clerk"])
    assert any("T2.2" in p for p in problems), problems[:5]
