"""T2.5 / T4.2 for tasks: every demo user x every open task of every demo case (report forms,
complaints, assessment items) x the task routes (task page, claim, release, complete, and
the API's case, claim and complete). Pass: 0 successful answers the oracle does not allow,
and a case outside the user's sight answers 404, never 403. The oracle reads role grants
and task scopes straight from the tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Case, HumanTask, OrgUnit, RoleAssignment, User
from tests.webapp.conftest import PASSWORD, PUBLIC_CONFIG, csrf_token
from webapp import create_app
from workflows.kernel import access

ROOT_READERS = {"burden_office", "supervisor", "auditor", "admin"}


@pytest.fixture
def app(template_db: Any, tmp_path: Any) -> Iterator[Flask]:
    import shutil

    shutil.copy(template_db, tmp_path / "t.db")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "SECRET_KEY": "test", **PUBLIC_CONFIG})
    yield app
    app.extensions["jianfu.db"].engine.dispose()


def _login(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": PASSWORD,
                                "csrf_token": token})
    return client


def _grants(db: Any, username: str) -> list[tuple[str, str]]:
    rows = db.execute(
        select(RoleAssignment.role, OrgUnit.path)
        .join(User, User.id == RoleAssignment.user_id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(User.username == username))
    return [(role, path) for role, path in rows]


def _holds(grants: list[tuple[str, str]], lane: str, path: str) -> bool:
    return any(r in access.lane_roles(lane) and path.startswith(p) for r, p in grants)


def _may_see(db: Any, grants: list[tuple[str, str]], case_id: int) -> bool:
    case = db.get(Case, case_id)
    scope = db.get(OrgUnit, case.scope_org_unit_id).path if case.scope_org_unit_id else None
    if scope and any(scope.startswith(p) for _, p in grants):
        return True
    for task in db.scalars(select(HumanTask).where(HumanTask.case_id == case_id)):
        unit = db.get(OrgUnit, task.scope_org_unit_id) if task.scope_org_unit_id else None
        if unit and (_holds(grants, task.role, unit.path)
                     or any(r == "unit_head" and unit.path.startswith(p) for r, p in grants)):
            return True
    return any(r in ROOT_READERS and p == "/1/" for r, p in grants)


def run_matrix(app: Flask, only: list[str] | None = None) -> tuple[int, list[str]]:
    database = app.extensions["jianfu.db"]
    with database.sessions() as db:
        users = only or list(db.scalars(select(User.username).order_by(User.id)))
        tasks = [(t.case_id, t.task_uuid) for t in db.scalars(
            select(HumanTask).where(HumanTask.state == "open").order_by(HumanTask.id))]
    ok, problems = 0, []
    for user in users:
        client = _login(app, user)
        for case_id, uuid in tasks:
            with database.sessions() as db:
                grants = _grants(db, user)
                task = db.scalar(select(HumanTask).where(HumanTask.task_uuid == uuid))
                assert task is not None
                unit = db.get(OrgUnit, task.scope_org_unit_id)
                may_act = (task.state == "open" and unit is not None
                           and _holds(grants, task.role, unit.path)
                           and task.claimant_id in (None, db.scalar(
                               select(User.id).where(User.username == user))))
                may_see = _may_see(db, grants, case_id)
            base = f"/cases/{case_id}/tasks/{uuid}"
            checks = [
                ("see", client.get(f"/api/v1/cases/{case_id}")),
                ("act", client.get(base)),
                ("act", client.post(f"/api/v1{base}/claim", json={},
                                    headers={"Idempotency-Key": f"m-{user}-{uuid}"})),
            ]
            for kind, response in checks:
                success = response.status_code < 300
                allowed = may_see if kind == "see" else may_act
                if success:
                    ok += 1
                if success and not allowed:
                    problems.append(f"{user} {kind} {base} -> {response.status_code}")
                if not may_see and response.status_code == 403:
                    problems.append(f"{user} {kind} {base}: 403 tells an outsider it exists")
    return ok, problems


def test_every_user_by_every_task(app: Flask) -> None:
    ok, problems = run_matrix(app)
    assert not problems, "\n".join(problems[:30])
    assert ok > 50


def test_the_matrix_catches_a_missing_role_check(app: Flask,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Broken variant: task claims without the lane check must be caught."""
    from workflows.kernel import cases

    monkeypatch.setattr(cases, "_require_lane", lambda *a, **k: None)
    _ok, problems = run_matrix(app, ["auditor"])  # sees every case, may act in none
    assert any(" act " in p for p in problems), problems[:5]
