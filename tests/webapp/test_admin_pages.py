"""The administration pages (issue 20): `/admin` and its record for administrators only,
404 for every other role, the login page for nobody logged in."""

from __future__ import annotations

from flask import Flask

from tests.webapp.conftest import Web
from workflows.demo.loader import DEMO_USERS

ADMIN_PAGES = ("/admin/", "/admin/record")


def test_every_other_role_gets_404_and_nobody_logged_in_the_login_page(app: Flask) -> None:
    for page in ADMIN_PAGES:
        answer = app.test_client().get(page)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    for username, *_ in DEMO_USERS:
        client = app.test_client()
        Web(client, None).login(username)  # type: ignore[arg-type]
        for page in ADMIN_PAGES:
            code = client.get(page).status_code
            assert code == (200 if username == "admin" else 404), (username, page, code)


def test_the_home_page_lists_the_sections_in_chinese(app: Flask) -> None:
    client = app.test_client()
    Web(client, None).login("admin")  # type: ignore[arg-type]
    html = client.get("/admin/").get_data(as_text=True)
    assert "系统管理" in html and "系统管理记录" in html
    assert "尚无管理操作记录" in client.get("/admin/record").get_data(as_text=True)
