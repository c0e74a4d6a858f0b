"""Error pages and JSON errors: the right status, a clear message, no stack trace."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from webapp import create_app
from workflows.inbox import search as inbox_search
from workflows.kernel import cases
from workflows.kernel.errors import ProcessError


def _raise_process_error(*_args: Any, **_kwargs: Any) -> Any:
    raise ProcessError("name 'secret_variable' is not defined", task_id="publish_form",
                       line_number=2, error_line="secret_variable + 1")


def test_process_error_is_a_500_without_details(web: Any, client: FlaskClient,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    web.api_login("mz_head")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    uuid = web.open_task(case_id)
    monkeypatch.setattr(cases, "complete_task", _raise_process_error)
    response = client.post(f"/api/v1/cases/{case_id}/tasks/{uuid}/complete",
                           json={"fields": {"head_decision": "approve"}})
    assert response.status_code == 500
    assert response.get_json()["error"] == "process_error"
    assert "secret_variable" not in response.get_data(as_text=True)
    page = web.post_form("/inbox", f"/cases/{case_id}/tasks/{uuid}",
                         {"head_decision": "approve"})
    assert page.status_code == 500
    assert "secret_variable" not in page.get_data(as_text=True)
    assert "系统出现错误" in page.get_data(as_text=True)


def test_unexpected_errors_are_a_plain_500(template_db: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(template_db, tmp_path / "e.db")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/e.db", "SECRET_KEY": "test",
                      "PROPAGATE_EXCEPTIONS": False, "SESSION_COOKIE_SECURE": False})
    try:
        client = app.test_client()
        login = {"username": "mz_head", "password": "jianfu-demo-2026"}
        assert client.post("/api/v1/login", json=login).status_code == 200

        def boom(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError("Traceback: internal detail")

        monkeypatch.setattr(inbox_search, "search", boom)
        api = client.get("/api/v1/inbox")
        assert api.status_code == 500 and api.get_json()["error"] == "internal_error"
        page = client.get("/inbox")
        assert page.status_code == 500
        assert "internal detail" not in page.get_data(as_text=True)
    finally:
        app.extensions["jianfu.db"].engine.dispose()


def test_logins_expire(web: Any, client: FlaskClient) -> None:
    web.login("mz_head")
    assert client.get("/inbox").status_code == 200
    with client.session_transaction() as session:
        session["since"] = int(time.time()) - 13 * 3600
    assert client.get("/inbox").status_code == 302


def test_not_found_and_method_pages(client: FlaskClient) -> None:
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "页面不存在" in missing.get_data(as_text=True)
    assert client.get("/logout").status_code == 405


def test_language_links_keep_the_query(client: FlaskClient) -> None:
    html = client.get("/login?next=/inbox").get_data(as_text=True)
    assert 'href="/login?next=%2Finbox&amp;lang=en"' in html


def test_task_page_shows_the_case_details(web: Any, client: FlaskClient) -> None:
    web.login("mz_head")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    html = client.get(f"/cases/{case_id}/tasks/{web.open_task(case_id)}").get_data(as_text=True)
    assert "案件详情" in html and "村级低保台账季报" in html and "每季度" in html
