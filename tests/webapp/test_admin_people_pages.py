"""The people and roles pages (issue 20): every role x every people route, GET and POST, gives
no one but the administrator a 2xx; the administrator creates a person, grants a role, resets
a password (the person must choose a new one before any other page), locks and deactivates
(neither can log in, with a clear message); errors are next to their field with 422."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import webapp.admin.people  # noqa: F401  (the people pages, until webapp.admin.views imports them)
from models import CaseEvent, OrgUnit, User
from tests.webapp.conftest import Web, csrf_token
from workflows.demo.loader import DEMO_USERS
from workflows.kernel import audit

ONE_TIME = re.compile(r'id="one-time-password">([^<]+)<')


def routes(app: Flask, db: Session) -> list[tuple[str, str]]:
    """Every (method, url) of the people pages, built for a real person."""
    person = db.scalars(select(User.id).where(User.username == "mz_clerk")).one()
    db.rollback()
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("admin.people", "admin.person")):
            built = rule.build({"user_id": person} if rule.arguments else {})
            assert built is not None
            out += [(m, built[1]) for m in sorted((rule.methods or set()) & {"GET", "POST"})]
    return out


def admin(client: FlaskClient, db: Session) -> Web:
    web = Web(client, db)
    web.login("admin")
    return web


def user_id(db: Session, username: str) -> int:
    found = db.scalars(select(User.id).where(User.username == username)).one()
    db.rollback()
    return int(found)


def test_every_role_x_every_route_no_unauthorized_2xx(app: Flask, db: Session) -> None:
    urls = routes(app, db)
    assert len(urls) >= 10, urls
    wrong = []
    for username, *_ in DEMO_USERS:
        if username == "admin":
            continue
        client = app.test_client()
        Web(client, db).login(username)
        token = csrf_token(client.get("/inbox").get_data(as_text=True))
        for method, url in urls:
            data = {"csrf_token": token, "do": "deactivate", "role": "admin",
                    "unit_id": "1", "display_name": "x", "username": "intruder"}
            answer = client.open(url, method=method, data=data if method == "POST" else None)
            if answer.status_code != 404:
                wrong.append((username, method, url, answer.status_code))
    anonymous = app.test_client()
    for method, url in urls:
        code = anonymous.open(url, method=method).status_code
        if 200 <= code < 300:
            wrong.append(("anonymous", method, url, code))
    assert not wrong, wrong
    clerk = db.scalars(select(User).where(User.username == "mz_clerk")).one()
    assert clerk.active and not clerk.admin_locked and len(clerk.roles) == 1
    assert db.scalar(select(CaseEvent.id).where(CaseEvent.type == "admin_action")) is None


def test_the_list_searches_and_pages_in_chinese(client: FlaskClient, db: Session) -> None:
    admin(client, db)
    html = client.get("/admin/people?q=民政局").get_data(as_text=True)
    assert "人员和角色" in html and "mz_clerk" in html and "tj_clerk" not in html
    html = client.get("/admin/people?role=auditor").get_data(as_text=True)
    assert "auditor" in html and "mz_clerk" not in html
    assert client.get("/admin/people?page=x&active=maybe&role=nope").status_code == 200
    html = client.get("/admin/people?lang=en").get_data(as_text=True)
    assert "People and roles" in html
    home = client.get("/admin/?lang=zh_CN").get_data(as_text=True)
    assert "人员和角色" in home and "/admin/people" in home


def test_create_a_person_grant_a_role_and_the_forced_password(app: Flask, client: FlaskClient,
                                                              db: Session) -> None:
    web = admin(client, db)
    qmzj = db.scalars(select(OrgUnit.id).where(OrgUnit.code == "qmzj")).one()
    db.rollback()
    bad = web.post_form("/admin/people/new", "/admin/people/new",
                        {"username": "Bad Name", "display_name": "", "email": "x"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'data-field="username"' in html
    assert 'data-field="display_name"' in html
    made = web.post_form("/admin/people/new", "/admin/people/new",
                         {"username": "li_si", "display_name": "李四", "email": "",
                          "role": "clerk", "unit_id": str(qmzj)})
    assert made.status_code == 200, made.get_data(as_text=True)
    secret = ONE_TIME.search(made.get_data(as_text=True))
    assert secret is not None
    li = user_id(db, "li_si")
    page = f"/admin/people/{li}"
    granted = web.post_form(page, f"{page}/roles", {"role": "unit_head", "unit_id": str(qmzj)})
    assert granted.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "经办人 · 区民政局" in html and "负责人 · 区民政局" in html
    refused = web.post_form(page, f"{page}/roles", {"role": "village_cadre",
                                                    "unit_id": str(qmzj)})
    assert refused.status_code == 422
    assert "不能在这类单位担任" in refused.get_data(as_text=True)
    # The new person logs in with the one-time password and must choose their own first.
    person = app.test_client()
    Web(person, db).login("li_si", secret.group(1))
    assert person.get("/inbox").headers["Location"].endswith("/account/password")
    token = csrf_token(person.get("/account/password").get_data(as_text=True))
    same = person.post("/account/password", data={
        "csrf_token": token, "old_password": secret.group(1),
        "new_password": secret.group(1), "confirm_password": secret.group(1)})
    assert same.status_code == 422
    done = person.post("/account/password", data={
        "csrf_token": token, "old_password": secret.group(1),
        "new_password": "my-own-password-1", "confirm_password": "my-own-password-1"})
    assert done.status_code == 302
    assert person.get("/inbox").status_code == 200


def test_reset_lock_and_deactivate_stop_logins(app: Flask, client: FlaskClient,
                                               db: Session) -> None:
    web = admin(client, db)
    clerk = user_id(db, "mz_clerk")
    page = f"/admin/people/{clerk}"
    other = app.test_client()
    Web(other, db).login("mz_clerk")
    assert other.get("/inbox").status_code == 200
    reset = web.post_form(page, f"{page}/password", {})
    secret = ONE_TIME.search(reset.get_data(as_text=True))
    assert reset.status_code == 200 and secret is not None
    assert other.get("/inbox").status_code == 302  # the old session ended
    assert Web(app.test_client(), db).login("mz_clerk").status_code == 401
    fresh = app.test_client()
    Web(fresh, db).login("mz_clerk", secret.group(1))
    assert fresh.get("/inbox").headers["Location"].endswith("/account/password")
    assert web.post_form(page, f"{page}/lock", {"do": "lock"}).status_code == 302
    assert fresh.get("/inbox").status_code == 302
    locked = Web(app.test_client(), db).login("mz_clerk", secret.group(1))
    assert locked.status_code == 401 and "管理员锁定" in locked.get_data(as_text=True)
    assert web.post_form(page, f"{page}/lock", {"do": "unlock"}).status_code == 302
    assert web.post_form(page, f"{page}/active", {"do": "deactivate"}).status_code == 302
    gone = Web(app.test_client(), db).login("mz_clerk", secret.group(1))
    assert gone.status_code == 401 and "已停用" in gone.get_data(as_text=True)
    wrong = Web(app.test_client(), db).login("mz_clerk", "not-the-password")
    assert "已停用" not in wrong.get_data(as_text=True)  # only with the right password
    me = user_id(db, "admin")
    mine = web.post_form(f"/admin/people/{me}", f"/admin/people/{me}/active",
                         {"do": "deactivate"})
    assert mine.status_code == 422 and 'data-field="active"' in mine.get_data(as_text=True)
    html = client.get(page).get_data(as_text=True)
    assert "停用人员" in html and "重置密码" in html and "锁定账号" in html
    assert not audit.verify(db)
    db.rollback()


def test_edit_and_revoke_errors_are_next_to_their_field(client: FlaskClient,
                                                         db: Session) -> None:
    web = admin(client, db)
    clerk = user_id(db, "mz_clerk")
    page = f"/admin/people/{clerk}"
    bad = web.post_form(page, f"{page}/edit", {"display_name": "新名字", "email": "nope"})
    assert bad.status_code == 422 and 'data-field="email"' in bad.get_data(as_text=True)
    assert web.post_form(page, f"{page}/edit", {"display_name": "新名字", "email": ""}
                         ).status_code == 302
    revoke = web.post_form(page, f"{page}/roles/revoke", {"role": "auditor", "unit_id": "1"})
    assert revoke.status_code == 422 and 'data-field="revoke"' in revoke.get_data(as_text=True)
    assert client.get("/admin/people/999999").status_code == 404
    assert web.post_form(page, "/admin/people/999999/lock", {"do": "lock"}).status_code == 404


def test_import_page_previews_refuses_and_confirms(client: FlaskClient, db: Session) -> None:
    admin(client, db)
    page = client.get("/admin/people/import").get_data(as_text=True)
    token = csrf_token(page)

    def upload(text: str) -> tuple[int, str]:
        answer = client.post("/admin/people/import", data={
            "csrf_token": token, "file": (io.BytesIO(text.encode()), "people.csv")},
            content_type="multipart/form-data")
        return answer.status_code, answer.get_data(as_text=True)

    code, html = upload("用户名,姓名,角色\nli_si,李四,village_cadre@qmzj\n")
    assert code == 422 and 'id="import-errors"' in html
    assert "village_cadre@qmzj：该角色不能在这类单位担任" in html and "没有导入任何内容" in html
    code, html = upload("用户名,姓名,角色\nli_si,李四,clerk@qmzj\n")
    assert code == 200 and 'id="import-plan"' in html and "经办人 · 区民政局" in html
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', html)
    assert digest is not None
    done = client.post("/admin/people/import", data={
        "csrf_token": token, "confirm": "1", "digest": digest.group(1), "suffix": ".csv",
        "filename": "people.csv"}).get_data(as_text=True)
    assert 'id="import-passwords"' in done and "li_si" in done
    code, html = upload("用户名,姓名,角色\nli_si,李四,clerk@qmzj\n")
    assert code == 200 and 'id="import-confirm"' not in html  # nothing left to change
    expired = client.post("/admin/people/import", data={
        "csrf_token": token, "confirm": "1", "digest": "0" * 64, "suffix": ".csv"})
    assert expired.status_code == 422
    assert client.post("/admin/people/import", data={
        "csrf_token": token, "confirm": "1", "digest": "../../etc", "suffix": "/x"}
    ).status_code == 422
    assert upload("")[0] == 422
