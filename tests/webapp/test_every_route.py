"""T4.3 and T4.4 over the whole URL map: the security headers on every response of every
route (anonymous and logged in), the session cookie's flags and name, TRACE refused, and
every state-changing route refusing a missing token, another session's token and a
cross-site Origin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Attachment, Case, HumanTask
from tests.webapp.conftest import PASSWORD, PUBLIC_CONFIG, Public, csrf_token, jpeg_bytes
from webapp import create_app
from webapp.core.security import CONTENT_SECURITY_POLICY

STATIC_ARGS = {"filename": "app.css", "fmt": "json", "code": "too_many_forms",
               "process_id": "report_form_approval", "rest": "nowhere.json", "seq": 1,
               "request_id": "1", "lang": "en"}


@pytest.fixture
def app(template_db: Any, tmp_path: Any) -> Iterator[Flask]:
    import shutil

    shutil.copy(template_db, tmp_path / "t.db")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "SECRET_KEY": "test", **PUBLIC_CONFIG})
    yield app
    app.extensions["jianfu.db"].engine.dispose()


def login(app: Flask, username: str = "nb_staff") -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": PASSWORD,
                                "csrf_token": token})
    return client


def _args(app: Flask) -> dict[str, Any]:
    public = Public(app.test_client(), app)
    public.file(files=[(jpeg_bytes(), "a.jpg")])
    with app.extensions["jianfu.db"].sessions() as db:
        attachment = db.scalars(select(Attachment)).first()
        assert attachment is not None
        task = db.scalars(select(HumanTask).where(HumanTask.case_id == attachment.case_id,
                                                  HumanTask.state == "open")).first()
        assert task is not None
        case_id = attachment.case_id
        item = db.scalar(select(Case.id).order_by(Case.id))
    return {**STATIC_ARGS, "case_id": case_id, "attachment_id": attachment.id,
            "task_uuid": task.task_uuid, "item_id": item, "id": item}


def _urls(app: Flask, methods: set[str]) -> list[tuple[str, str]]:
    args = _args(app)
    out = []
    for rule in app.url_map.iter_rules():
        if (rule.methods or set()) & methods:
            values = {k: args.get(k, 1) for k in rule.arguments}
            out.append((rule.endpoint, rule.build(values)[1]))
    return sorted(set(out))


def _check(response: Any, where: str) -> list[str]:
    h, bad = response.headers, []
    sts = h.get("Strict-Transport-Security", "")
    age = re.search(r"max-age=(\d+)", sts)
    if not age or int(age.group(1)) < 31_536_000 or "includeSubDomains" not in sts:
        bad.append(f"{where}: HSTS {sts!r}")
    csp = h.get("Content-Security-Policy", "")
    for part in ("object-src 'none'", "base-uri 'none'", "frame-ancestors"):
        if part not in csp:
            bad.append(f"{where}: CSP lacks {part}")
    if h.get("X-Content-Type-Options") != "nosniff":
        bad.append(f"{where}: nosniff")
    if h.get("Referrer-Policy") != "no-referrer":
        bad.append(f"{where}: Referrer-Policy {h.get('Referrer-Policy')!r}")
    if "/static/" not in where and "no-store" not in h.get("Cache-Control", ""):
        bad.append(f"{where}: Cache-Control {h.get('Cache-Control')!r}")
    if re.search(r"\d", h.get("Server", "")):
        bad.append(f"{where}: Server {h.get('Server')!r}")
    return bad


def test_headers_on_every_get_route(app: Flask) -> None:
    urls = _urls(app, {"GET"})
    assert len(urls) > 25
    problems: list[str] = []
    for who, client in (("anonymous", app.test_client()), ("nb_staff", login(app)),
                        ("auditor", login(app, "auditor"))):
        for endpoint, url in urls:
            with client.get(url) as response:
                problems += _check(response, f"{who} {endpoint} {url} {response.status_code}")
    assert not problems, "\n".join(problems[:20])
    assert CONTENT_SECURITY_POLICY in app.test_client().get("/login").headers[
        "Content-Security-Policy"]


def test_trace_is_refused(app: Flask) -> None:
    for url in ("/", "/login", "/report", "/api/v1/inbox", "/open311/v2/services.json"):
        assert app.test_client().open(url, method="TRACE").status_code == 405, url


def test_secure_session_cookie(template_db: Any, tmp_path: Any) -> None:
    import shutil

    shutil.copy(template_db, tmp_path / "s.db")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
                      "SECRET_KEY": "test", "SESSION_COOKIE_SECURE": True, **PUBLIC_CONFIG})
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    response = client.post("/login", base_url="https://localhost",
                           data={"username": "nb_staff", "password": PASSWORD,
                                 "csrf_token": csrf_token(page)})
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("__Host-jianfu_session="))
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain=" not in cookie
    # Staff forms work over HTTPS although pages send no Referer.
    inbox = client.get("/inbox", base_url="https://localhost")
    assert inbox.status_code == 200
    app.extensions["jianfu.db"].engine.dispose()


def test_every_state_changing_route_refuses_forged_requests(app: Flask) -> None:
    """T4.4: no token, another session's token, a cross-site Origin: 100 % refused."""
    posts = _urls(app, {"POST", "PUT", "PATCH", "DELETE"})
    assert len(posts) > 15
    victim, attacker = login(app), login(app, "mz_clerk")
    foreign = csrf_token(attacker.get("/inbox").get_data(as_text=True))
    own = csrf_token(victim.get("/inbox").get_data(as_text=True))
    accepted = []
    for endpoint, url in posts:
        token_routes = not endpoint.startswith(("api.", "open311."))
        attempts: list[tuple[str, dict[str, Any], dict[str, str]]] = [
            ("cross-site origin", {"csrf_token": own},
             {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}),
        ]
        if token_routes:
            attempts += [("no token", {}, {}), ("foreign token", {"csrf_token": foreign}, {})]
        for name, data, headers in attempts:
            response = victim.post(url, data=data, headers=headers)
            if response.status_code < 400:
                accepted.append(f"{name}: {endpoint} {url} -> {response.status_code}")
    assert not accepted, "\n".join(accepted)
