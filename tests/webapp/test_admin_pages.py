"""The administration pages (issue 20): `/admin`, its record and the process versions for
administrators only (404 for every other role, the login page for nobody logged in); a new
version deployed from an upload, a broken one refused in Chinese by its field."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import Web, csrf_token
from workflows.demo.loader import DEMO_USERS

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
ADMIN_PAGES = ("/admin/", "/admin/record", "/admin/versions", "/admin/versions/1",
               "/admin/versions/deploy")


def logged_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    Web(client, None).login(username)  # type: ignore[arg-type]
    return client


def upload(client: FlaskClient, name: str, data: bytes, page: str = "/admin/versions/deploy"
           ) -> object:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post("/admin/versions/deploy", data={
        "csrf_token": token, "files": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def test_every_other_role_gets_404_and_nobody_logged_in_the_login_page(app: Flask) -> None:
    for page in ADMIN_PAGES:
        answer = app.test_client().get(page)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    model = (BPMN_DIR / "report_form_approval.bpmn").read_bytes().replace(
        "新增报表审批".encode(), "新增报表审批（改）".encode())
    for username, *_ in DEMO_USERS:
        client = logged_in(app, username)
        for page in ADMIN_PAGES:
            code = client.get(page).status_code
            assert code == (200 if username == "admin" else 404), (username, page, code)
        if username != "admin":
            answer = upload(client, "report_form_approval.bpmn", model, page="/inbox")
            assert answer.status_code == 404, username  # type: ignore[attr-defined]


def test_the_home_page_lists_the_sections_in_chinese(app: Flask) -> None:
    client = logged_in(app, "admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert "系统管理" in html and "系统管理记录" in html and "流程版本" in html
    assert "尚无管理操作记录" in client.get("/admin/record").get_data(as_text=True)


def test_a_version_is_deployed_from_an_upload_and_shown(app: Flask) -> None:
    client = logged_in(app, "admin")
    model = (BPMN_DIR / "report_form_approval.bpmn").read_bytes().replace(
        "新增报表审批".encode(), "新增报表审批（改）".encode())
    answer = upload(client, "report_form_approval.bpmn", model)
    assert answer.status_code == 302  # type: ignore[attr-defined]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "已部署“新增报表审批”第 2 版" in page and "<svg" in page and "系统管理员（演示）" in page
    listing = client.get("/admin/versions").get_data(as_text=True)
    assert "最新" in listing and "命令行（jianfu deploy）" in listing
    table = client.get("/admin/record").get_data(as_text=True).split('id="admin-record"')[1]
    assert "部署流程版本" in table and "新增报表审批" in table
    assert "report_form_approval" not in table.replace("report_form_approval.bpmn", "")


def test_a_broken_model_is_refused_by_its_field_in_chinese(app: Flask) -> None:
    client = logged_in(app, "admin")
    answer = upload(client, "report_form_approval.bpmn", b"<bpmn:definitions")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    html = answer.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "的模型无法解析" in html
    answer = upload(client, "whatever.bpmn", b"<x/>")
    assert "系统中没有名为“whatever”的流程" in answer.get_data(as_text=True)  # type: ignore[attr-defined]


def test_every_admin_route_x_every_role_gives_no_unauthorized_2xx(app: Flask) -> None:
    """Every rule under /admin (built with real ids), GET and POST with a valid CSRF token:
    only the administrator gets a 2xx; nobody else changes anything."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        values = {arg: 1 for arg in rule.arguments}
        built = rule.build(values)
        assert built is not None
        routes += [(m, built[1]) for m in sorted((rule.methods or set()) & {"GET", "POST"})]
    assert len(routes) >= 10, routes
    unauthorized = []
    for username in [None, *(u for u, *_ in DEMO_USERS if u != "admin")]:
        client = app.test_client() if username is None else logged_in(app, username)
        token = csrf_token(client.get("/login" if username is None else "/notifications")
                           .get_data(as_text=True))
        for method, url in routes:
            answer = (client.get(url) if method == "GET"
                      else client.post(url, data={"csrf_token": token}))
            if 200 <= answer.status_code < 300:
                unauthorized.append((username, method, url, answer.status_code))
    assert unauthorized == []
