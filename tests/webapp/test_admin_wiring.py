"""The administration pieces wired into the rest (issue 20): the app serves the people and
unit pages from the admin home; the unit head's notification of a deactivation reads as a
sentence in both languages (not its key); an administrator's lock refuses the API login."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import User
from tests.webapp.conftest import Web
from workflows.admin import people
from workflows.kernel import access


def logged_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    Web(client, None).login(username)  # type: ignore[arg-type]
    return client


def _ids(db: Session, *names: str) -> dict[str, int]:
    found = {u: i for u, i in db.execute(select(User.username, User.id)
                                         .where(User.username.in_(names)))}
    db.rollback()
    return found


def test_the_admin_home_links_every_section(app: Flask) -> None:
    home = logged_in(app, "admin").get("/admin/").get_data(as_text=True)
    for href in ("/admin/units", "/admin/people", "/admin/versions", "/admin/record"):
        assert f'href="{href}' in home, href


def test_the_deactivation_notice_is_a_sentence(app: Flask, db: Session) -> None:
    ids = _ids(db, "admin", "mz_clerk")
    admin = access.load_actor(db, ids["admin"])
    people.deactivate(db, admin, ids["mz_clerk"])
    zh = logged_in(app, "mz_head").get("/notifications").get_data(as_text=True)
    assert "已停用" in zh and "person_deactivated" not in zh
    en = logged_in(app, "mz_head").get("/notifications?lang=en").get_data(as_text=True)
    assert "was deactivated" in en and "person_deactivated" not in en


def test_a_locked_account_cannot_log_in_through_the_api(app: Flask, db: Session) -> None:
    ids = _ids(db, "admin", "mz_clerk")
    people.lock(db, access.load_actor(db, ids["admin"]), ids["mz_clerk"])
    answer = app.test_client().post("/api/v1/login", json={
        "username": "mz_clerk", "password": "jianfu-demo-2026"})
    assert answer.status_code == 401
