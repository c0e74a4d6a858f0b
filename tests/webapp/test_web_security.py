"""CSRF on every form POST, security headers, cookie flags, health check."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from webapp.core import health
from webapp.core.security import HEADERS, cookie_secure


def _form_posts(app: Flask) -> list[Any]:
    return [r for r in app.url_map.iter_rules()
            if "POST" in (r.methods or set())
            and not r.endpoint.startswith(("api.", "open311."))]


def test_every_form_post_needs_a_csrf_token(app: Flask, web: Any,
                                            client: FlaskClient) -> None:
    web.login("mz_head")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    values = {"case_id": case_id, "task_uuid": web.open_task(case_id),
              "process_id": "report_form_approval", "filter_id": 1, "substitution_id": 1,
              "user_id": 1, "unit_id": 1, "version_id": 1, "village_id": 1, "form_id": 1}
    rules = _form_posts(app)
    assert {r.endpoint for r in rules} >= {"auth.login", "auth.logout", "staff.task_page",
                                           "staff.claim", "staff.start", "staff.comment"}
    for rule in rules:
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        response = client.post(url, data={"head_decision": "approve", "text": "x"})
        assert response.status_code == 400, rule.endpoint
        assert "表单已过期" in response.get_data(as_text=True)
    # Nothing happened: the task is still open and still in the inbox.
    assert web.open_task(case_id) == values["task_uuid"]
    assert client.get("/inbox").status_code == 200  # and we are still logged in


def test_login_form_needs_a_csrf_token(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "mz_head",
                                           "password": "jianfu-demo-2026"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/login", "/inbox", "/nowhere", "/healthz",
                                  "/api/v1/inbox", "/static/app.css"])
def test_security_headers_on_every_response(client: FlaskClient, path: str) -> None:
    with client.get(path) as response:
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (path, name)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_pages_have_no_inline_scripts_or_styles(web: Any, client: FlaskClient) -> None:
    web.login("mz_head")
    for path in ("/login", "/inbox", f"/cases/{web.case_id(web.SIGN_OFF_CASE)}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script" not in html and "style=" not in html and "<style" not in html


def test_session_cookie_flags(web: Any) -> None:
    response = web.login("mz_head")
    cookie = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith("jianfu_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie  # no "remember me"


def test_cookie_secure_unless_local() -> None:
    assert cookie_secure({}) is True
    assert cookie_secure({"SERVER_NAME": "jianfu.example.gov.cn"}) is True
    assert cookie_secure({"SERVER_NAME": "127.0.0.1:5000"}) is False
    assert cookie_secure({"SERVER_NAME": "localhost"}) is False
    assert cookie_secure({"TESTING": True}) is False
    assert cookie_secure({"TESTING": True, "SESSION_COOKIE_SECURE": True}) is True
    assert cookie_secure({"SESSION_COOKIE_SECURE": False}) is False


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_reports_a_broken_database(client: FlaskClient,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def connect(self) -> Any:
            raise OperationalError("SELECT 1", {}, Exception("unable to open database"))

    class FakeDatabase:
        engine = Broken()

    monkeypatch.setattr(health, "database", lambda: FakeDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"


def test_secret_key_and_bpmn_defaults(template_db: Any, tmp_path: Any) -> None:
    import shutil

    from webapp import create_app
    from webapp.factory import REPO_ROOT

    shutil.copy(template_db, tmp_path / "d.db")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/d.db"})
    try:
        assert app.config["SECRET_KEY"]  # a random per-process key, with a warning
        assert app.config["BPMN_DIR"] == str(REPO_ROOT / "bpmn")
        assert app.config["WORKER_IN_PROCESS"] is False
        assert app.config["SESSION_COOKIE_SECURE"] is True
    finally:
        app.extensions["jianfu.db"].engine.dispose()
