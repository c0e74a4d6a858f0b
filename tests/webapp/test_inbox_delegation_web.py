"""Delegation and substitutes through the pages and the API, with their refusals: a
colleague outside the unit or without the role is a 422 naming the field; a substitute
outside the date range may not open or complete the absent holder's task."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import utcnow
from tests.webapp.inbox_helpers import DRAFT, actor, events, open_task
from workflows.kernel import replay
from workflows.kernel.calendar import WorkCalendar

# The draft as the page's form posts it (the field lines are one text, a line each).
FORM_DRAFT = {k: "\n".join(v) if isinstance(v, list) else str(v) for k, v in DRAFT.items()}



def _claimed_draft(web: Any, username: str = "mz_clerk") -> tuple[int, str]:
    """The demo draft case, claimed by `username` (logged in)."""
    web.login(username)
    case_id = web.case_id(web.DRAFT_CASE)
    uuid = web.open_task(case_id)
    assert web.post_form("/inbox", f"/cases/{case_id}/tasks/{uuid}/claim", {}).status_code == 302
    return case_id, uuid


def _switch(web: Any, username: str) -> None:
    web.post_form("/inbox", "/logout", {})
    web.login(username)


def test_delegate_from_the_case_page(web: Any, client: FlaskClient, db: Session) -> None:
    case_id, uuid = _claimed_draft(web)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    options = re.search(rf'<select id="delegate-{uuid}" name="to_user_id" required>(.*?)</select>',
                        page, re.S)
    assert options is not None and f'<label for="delegate-{uuid}">委托给</label>' in page
    assert re.findall(r">([^<]+)</option>", options[1]) == ["民政局经办人二（演示）"]
    clerk2 = actor(db, "mz_clerk2").user_id
    response = web.post_form(f"/cases/{case_id}", f"/cases/{case_id}/tasks/{uuid}/delegate",
                             {"to_user_id": str(clerk2)})
    assert response.status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "任务已委托给 民政局经办人二（演示）。" in page and "任务已委托" in page
    last = events(db, case_id)[-1]
    assert last.type == "task_delegated" and last.inputs["user_id"] == clerk2
    assert replay.replay_case(db, case_id).ok
    db.rollback()
    _switch(web, "mz_clerk2")
    mine = client.get("/inbox?tab=mine").get_data(as_text=True)
    assert web.DRAFT_CASE in mine and "我已认领" in mine


def test_delegate_refusals_name_the_field(web: Any, client: FlaskClient, db: Session) -> None:
    case_id, uuid = _claimed_draft(web)
    url = f"/cases/{case_id}/tasks/{uuid}/delegate"
    for username, message in (("tj_clerk", "该同事不在您的单位"),
                              ("mz_head", "该用户不具有此任务的岗位角色")):
        response = web.post_form(f"/cases/{case_id}", url,
                                 {"to_user_id": str(actor(db, username).user_id)})
        assert response.status_code == 422, username
        html = response.get_data(as_text=True)
        assert 'data-field="to_user_id"' in html, username
        assert message in html, username
    bad = web.post_form(f"/cases/{case_id}", url, {"to_user_id": "abc"})
    assert bad.status_code == 422 and 'data-field="to_user_id"' in bad.get_data(as_text=True)
    # API: the same refusal as JSON.
    api = client.post(f"/api/v1{url}", json={"to_user_id": actor(db, "tj_clerk").user_id})
    assert api.status_code == 422
    assert api.get_json()["fields"] == {"to_user_id": ["该同事不在您的单位"]}
    assert client.post(f"/api/v1{url}", json={}).get_json()["fields"].keys() == {"to_user_id"}
    # Not the holder: 403; cannot see the case: 404.
    _switch(web, "mz_clerk2")
    other = web.post_form(f"/cases/{case_id}", url, {"to_user_id": str(
        actor(db, "mz_clerk2").user_id)})
    assert other.status_code == 403
    _switch(web, "tj_clerk")
    outsider = web.post_form("/inbox", url, {"to_user_id": str(actor(db, "tj_clerk").user_id)})
    assert outsider.status_code == 404
    task = open_task(db, case_id)
    assert task is not None and task.claimant_id == actor(db, "mz_clerk").user_id


def test_delegate_through_the_api(web: Any, client: FlaskClient, db: Session) -> None:
    web.api_login("mz_clerk")
    case_id = web.case_id(web.DRAFT_CASE)
    uuid = web.open_task(case_id)
    url = f"/api/v1/cases/{case_id}/tasks/{uuid}/delegate"
    clerk2 = actor(db, "mz_clerk2").user_id
    assert client.post(url, json={"to_user_id": clerk2}).status_code == 403  # claim first
    assert client.post(f"/api/v1/cases/{case_id}/tasks/{uuid}/claim", json={}).status_code == 200
    response = client.post(url, json={"to_user_id": clerk2},
                           headers={"Idempotency-Key": "delegate-1"})
    assert response.status_code == 200 and response.get_json()["case_id"] == case_id
    again = client.post(url, json={"to_user_id": clerk2},
                        headers={"Idempotency-Key": "delegate-1"})
    assert again.get_json() == response.get_json()  # a retry, not a second event
    history = client.get(f"/api/v1/cases/{case_id}").get_json()["events"]
    assert [e["type"] for e in history][-2:] == ["task_claimed", "task_delegated"]
    assert client.post(url, data="x", content_type="text/plain").status_code == 415


def _set_substitute(web: Any, starts: int, ends: int, who: str) -> Any:
    today = WorkCalendar.local_date(utcnow())
    return web.post_form("/account/substitutes", "/account/substitutes", {
        "substitute_id": who, "starts_on": (today + timedelta(days=starts)).isoformat(),
        "ends_on": (today + timedelta(days=ends)).isoformat()})


def test_substitute_works_the_tasks_of_the_absent_holder(web: Any, client: FlaskClient,
                                                          db: Session) -> None:
    case_id, uuid = _claimed_draft(web)
    clerk, clerk2 = actor(db, "mz_clerk").user_id, actor(db, "mz_clerk2").user_id
    page = client.get("/account/substitutes").get_data(as_text=True)
    for field in ("substitute_id", "starts_on", "ends_on"):
        assert f'<label for="sub-{field}">' in page
    assert _set_substitute(web, 0, 2, str(clerk2)).status_code == 302
    page = client.get("/account/substitutes").get_data(as_text=True)
    assert "已设置代办人。" in page and "民政局经办人二（演示）" in page and "进行中" in page
    _switch(web, "mz_clerk2")
    mine = client.get("/inbox?tab=mine").get_data(as_text=True)
    assert web.DRAFT_CASE in mine and "代 民政局经办人（演示） 办理" in mine
    form = f"/cases/{case_id}/tasks/{uuid}"
    assert client.get(form).status_code == 200
    response = web.post_form(form, form, FORM_DRAFT)
    assert response.status_code == 302
    done = events(db, case_id)[-1]
    assert done.type == "task_completed" and done.actor_id == clerk2
    assert done.inputs["on_behalf_of"] == clerk
    history = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "代 民政局经办人（演示）" in history
    assert replay.replay_case(db, case_id).ok
    db.rollback()


def test_substitute_outside_the_range_may_not_act(web: Any, client: FlaskClient,
                                                  db: Session) -> None:
    case_id, uuid = _claimed_draft(web)
    clerk2 = actor(db, "mz_clerk2").user_id
    assert _set_substitute(web, 1, 3, str(clerk2)).status_code == 302  # from tomorrow
    _switch(web, "mz_clerk2")
    assert web.DRAFT_CASE not in client.get("/inbox?tab=mine").get_data(as_text=True)
    form = f"/cases/{case_id}/tasks/{uuid}"
    assert client.get(form).status_code == 403
    denied = web.post_form(f"/cases/{case_id}", form, FORM_DRAFT)
    assert denied.status_code == 403
    api = client.post(f"/api/v1{form}/complete", json={"fields": DRAFT})
    assert api.status_code == 403
    task = open_task(db, case_id)
    assert task is not None and task.state == "open"


def test_ending_a_substitution(web: Any, client: FlaskClient, db: Session) -> None:
    case_id, uuid = _claimed_draft(web)
    _set_substitute(web, 0, 0, str(actor(db, "mz_clerk2").user_id))
    page = client.get("/account/substitutes").get_data(as_text=True)
    cancel = re.search(r'action="(/account/substitutes/\d+/cancel)"', page)
    assert cancel is not None
    _switch(web, "mz_clerk2")
    assert web.post_form("/inbox", cancel[1], {}).status_code == 404  # not theirs to end
    _switch(web, "mz_clerk")
    assert web.post_form("/account/substitutes", cancel[1], {}).status_code == 302
    _switch(web, "mz_clerk2")
    assert client.get(f"/cases/{case_id}/tasks/{uuid}").status_code == 403


def test_substitute_refusals_name_the_field(web: Any, client: FlaskClient, db: Session) -> None:
    web.login("mz_clerk")
    for username in ("tj_clerk", "mz_head"):
        response = _set_substitute(web, 0, 1, str(actor(db, username).user_id))
        assert response.status_code == 422, username
        html = response.get_data(as_text=True)
        assert 'data-field="substitute_id"' in html and "代办人须在本单位担任与您相同的角色" in html
    backwards = _set_substitute(web, 2, 1, str(actor(db, "mz_clerk2").user_id))
    assert backwards.status_code == 422
    assert 'data-field="ends_on"' in backwards.get_data(as_text=True)
    bad_date = web.post_form("/account/substitutes", "/account/substitutes",
                             {"substitute_id": "1", "starts_on": "tomorrow", "ends_on": ""})
    assert bad_date.status_code == 422
    assert "不是有效的日期" in bad_date.get_data(as_text=True)


def test_unit_head_reassigns_from_the_case_page(web: Any, client: Any) -> None:
    """Only the unit head sees the reassign form; it records a task_reassigned event."""
    case_id = web.case_id(web.DRAFT_CASE)
    web.login("mz_clerk")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "/reassign" not in page
    task = web.open_task(case_id)
    refused = web.post_form(f"/cases/{case_id}", f"/cases/{case_id}/tasks/{task}/reassign",
                            {"to_user_id": "2"})
    assert refused.status_code == 403
    web.post_form("/inbox", "/logout", {})
    web.login("mz_head")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"/cases/{case_id}/tasks/{task}/reassign" in page
    target = re.search(r'<option value="(\d+)">民政局经办人二', page)
    assert target
    done = web.post_form(f"/cases/{case_id}", f"/cases/{case_id}/tasks/{task}/reassign",
                         {"to_user_id": target.group(1)})
    assert done.status_code == 302
    history = client.get(f"/api/v1/cases/{case_id}").get_json()
    assert history["events"][-1]["type"] == "task_reassigned"
    bad = web.post_form(f"/cases/{case_id}", f"/cases/{case_id}/tasks/{task}/reassign",
                        {"to_user_id": "abc"})
    assert bad.status_code == 422
