"""Staff pages: inbox, task forms, case page with history, scope and role errors."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from models import HumanTask
from tests.webapp.conftest import csrf_token


def test_inbox_lists_the_sign_off_for_the_unit_head(web: Any, client: FlaskClient) -> None:
    web.login("mz_head")
    html = client.get("/inbox").get_data(as_text=True)
    assert web.SIGN_OFF_CASE in html
    assert "部门负责人签批" in html  # task name
    assert "办理期限" in html  # due date
    assert 'name="head_decision"' in html  # the direct decision form
    assert web.REVIEW_CASE not in html  # the burden office's task is not here
    assert web.TJ_CASE not in html


def test_claim_from_the_inbox(web: Any, client: FlaskClient) -> None:
    web.login("mz_head")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    uuid = web.open_task(case_id)
    response = web.post_form("/inbox", f"/cases/{case_id}/tasks/{uuid}/claim", {})
    assert response.status_code == 302
    html = client.get("/inbox").get_data(as_text=True)
    assert "我已认领" in html and "已认领该任务" in html
    again = web.post_form("/inbox", f"/cases/{case_id}/tasks/{uuid}/claim", {})
    assert again.status_code == 409
    assert "其他人已先一步处理" in again.get_data(as_text=True)


def test_complete_a_task_through_the_form(web: Any, client: FlaskClient) -> None:
    web.login("mz_head")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    page = f"/cases/{case_id}/tasks/{web.open_task(case_id)}"
    form = client.get(page).get_data(as_text=True)
    # One button per decision, the reason field above them.
    assert 'name="head_decision" value="approve"' in form
    assert 'name="head_decision" value="return"' in form
    assert 'role="group"' in form and 'id="f-comment"' in form
    assert '<ol class="history">' in form and "<svg" in form  # history and diagram
    response = web.post_form(page, page, {"head_decision": "approve", "comment": "同意"})
    assert response.status_code == 302
    assert response.location == "/inbox"
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "已办理" in inbox  # the flash
    assert f'href="/cases/{case_id}"' not in inbox
    again = web.post_form(f"/cases/{case_id}", page, {"head_decision": "approve"})
    assert again.status_code == 409  # done already: someone (here: we) acted first
    case_page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "区委农办审核" in case_page  # the next open task
    web.post_form("/inbox", "/logout", {})
    web.login("nb_staff")
    assert web.SIGN_OFF_CASE in client.get("/inbox").get_data(as_text=True)


def test_direct_decision_from_the_inbox(web: Any, client: FlaskClient) -> None:
    web.login("nb_staff")
    case_id = web.case_id(web.REVIEW_CASE)
    url = f"/cases/{case_id}/tasks/{web.open_task(case_id)}"
    response = web.post_form("/inbox", url, {"review_decision": "approve"})
    assert response.status_code == 302
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "已发布" in html


def test_validation_error_names_the_field(web: Any, client: FlaskClient) -> None:
    web.login("mz_head")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    page = f"/cases/{case_id}/tasks/{web.open_task(case_id)}"
    response = web.post_form(page, page, {"head_decision": "return", "comment": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="f-comment-err" data-field="comment">\s*'
                     r"不同意时必须填写理由", html)
    assert 'id="f-comment"' in html  # the form is shown again with its buttons
    assert 'name="head_decision" value="return"' in html
    english = web.post_form(page, page + "?lang=en", {"head_decision": "maybe"})
    assert english.status_code == 422
    assert "Must be one of: Approve, Return for changes." in english.get_data(as_text=True)
    assert 'data-field="head_decision"' in english.get_data(as_text=True)


def test_draft_form_widgets_and_errors(web: Any, client: FlaskClient) -> None:
    web.login("mz_clerk")
    case_id = web.case_id(web.DRAFT_CASE)
    page = f"/cases/{case_id}/tasks/{web.open_task(case_id)}"
    html = client.get(page).get_data(as_text=True)
    assert 'type="text" id="f-form_name"' in html
    assert '<textarea id="f-purpose"' in html
    assert 'type="number" id="f-due_day"' in html and 'min="1"' in html
    assert '<select id="f-frequency"' in html
    assert '<textarea id="f-field_lines"' in html
    form = {"form_name": "村级台账", "purpose": "统计", "legal_basis": "《统计法》",
            "frequency": "quarterly", "submission": "online",
            "field_lines": "户籍人口（人）= POP_REG\n活动次数（次）= 新"}
    response = web.post_form(page, page, {**form, "due_day": "lots"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-field="due_day"' in html and "不是有效的整数" in html
    assert 'data-field="form_name"' not in html
    ok = web.post_form(page, page, {**form, "due_day": "8"})
    assert ok.status_code == 302
    detail = client.get(f"/api/v1/cases/{case_id}").get_json()
    assert detail["data"]["due_day"] == 8
    assert detail["data"]["field_lines"] == ["户籍人口（人）= POP_REG", "活动次数（次）= 新"]
    assert detail["data"]["all_fields_held"] is False


def test_case_page_shows_summary_tasks_and_history(web: Any, client: FlaskClient) -> None:
    web.login("mz_head")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert web.SIGN_OFF_CASE in html
    assert "办理中" in html  # status
    assert "部门负责人签批" in html  # open task
    assert "#1" in html and "案件创建" in html and "#2" in html and "完成任务" in html
    assert "民政局经办人（演示）" in html  # the actor of the draft
    assert "村级低保台账季报" in html and "报表名称" in html  # a field-level change
    assert "lane_scopes" not in html


def test_comment_on_a_case(web: Any, client: FlaskClient) -> None:
    web.login("auditor")  # auditors only read: no comment form, and a post is refused
    case_id = web.case_id(web.SIGN_OFF_CASE)
    page = f"/cases/{case_id}"
    assert 'name="text"' not in client.get(page).get_data(as_text=True)
    assert web.post_form(page, f"{page}/comments", {"text": "审计意见"}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client.get(page).get_data(
        as_text=True))})
    web.login("mz_head")
    empty = web.post_form(page, f"{page}/comments", {"text": "  "})
    assert empty.status_code == 422
    assert 'data-field="text"' in empty.get_data(as_text=True)
    assert web.post_form(page, f"{page}/comments", {"text": "请注意时限"}).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "请注意时限" in html and "添加意见" in html


def test_out_of_scope_case_is_not_found(web: Any, client: FlaskClient) -> None:
    web.login("tj_clerk")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    uuid = web.db.scalar(select(HumanTask.task_uuid)  # read directly: tj_clerk cannot
                         .where(HumanTask.case_id == case_id, HumanTask.state == "open"))
    web.db.rollback()
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/tasks/{uuid}", "/cases/99999"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "不在您的权限范围内" in response.get_data(as_text=True)
    posted = web.post_form("/inbox", f"/cases/{case_id}/tasks/{uuid}",
                           {"head_decision": "approve"})
    assert posted.status_code == 404


def test_wrong_role_is_forbidden(web: Any, client: FlaskClient) -> None:
    web.login("mz_clerk")  # sees the case (same unit) but may not sign it off
    case_id = web.case_id(web.SIGN_OFF_CASE)
    page = f"/cases/{case_id}/tasks/{web.open_task(case_id)}"
    assert client.get(f"/cases/{case_id}").status_code == 200
    assert client.get(page).status_code == 403
    posted = web.post_form(f"/cases/{case_id}", page, {"head_decision": "approve"})
    assert posted.status_code == 403
    assert "您不具有办理此任务的岗位角色" in posted.get_data(as_text=True)


def test_start_a_case(web: Any, client: FlaskClient) -> None:
    web.login("mz_clerk")
    assert "/cases/new/report_form_approval" in client.get("/inbox").get_data(as_text=True)
    page = "/cases/new/report_form_approval"
    html = client.get(page).get_data(as_text=True)
    key = re.search(r'name="form_key" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    before = web.case_count()
    bad = web.post_form(page, page, {"title": "x", "form_key": key})
    assert bad.status_code == 422 and 'data-field="title"' in bad.get_data(as_text=True)
    first = web.post_form(page, page, {"title": "村级防汛值班表", "form_key": key})
    second = web.post_form(page, page, {"title": "村级防汛值班表", "form_key": key})
    assert first.status_code == second.status_code == 302
    assert first.location == second.location  # a double submit starts one case
    assert web.case_count() == before + 1
    assert "村级防汛值班表" in client.get(first.location).get_data(as_text=True)
    assert client.get("/cases/new/no_such_process").status_code == 404


def test_starting_needs_a_clerk(web: Any) -> None:
    web.login("mz_head")
    page = "/cases/new/report_form_approval"
    response = web.post_form(page, page, {"title": "村级防汛值班表"})
    assert response.status_code == 403


def test_chinese_by_default_english_on_request(web: Any, client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "登录" in html and "用户名" in html
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Log in" in english and "Username" in english
    kept = client.get("/login").get_data(as_text=True)  # the choice is kept in the session
    assert "Username" in kept
    web.login("mz_head")  # and survives the login
    assert "Inbox" in client.get("/inbox").get_data(as_text=True)
    assert "待办" in client.get("/inbox?lang=zh_CN").get_data(as_text=True)
    assert "待办" in client.get("/inbox?lang=xx").get_data(as_text=True)  # unknown: ignored
