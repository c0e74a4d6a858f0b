"""The JSON API: auth, reads, commands, idempotency and error shapes."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

START = {"process_id": "report_form_approval", "fields": {"title": "村级防汛值班表"}}


def _post(client: FlaskClient, url: str, body: Any = None, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, json=body if body is not None else {}, headers=headers)


def test_unauthenticated_is_401(client: FlaskClient) -> None:
    for method, path in (("get", "/api/v1/inbox"), ("get", "/api/v1/cases/1"),
                         ("post", "/api/v1/cases"), ("get", "/api/v1/me")):
        response = getattr(client, method)(path, json={})
        assert response.status_code == 401, path
        assert response.get_json()["error"] == "unauthenticated"


def test_login_me_and_inbox(web: Any, client: FlaskClient) -> None:
    response = web.api_login("mz_head")
    assert response.status_code == 200
    assert response.get_json()["user"]["roles"] == [
        {"role": "unit_head", "org_unit_id": response.get_json()["user"]["roles"][0][
            "org_unit_id"], "org_unit": "区民政局"}]
    tasks = client.get("/api/v1/inbox").get_json()["tasks"]
    assert [t["case_title"] for t in tasks] == [web.SIGN_OFF_CASE]
    assert tasks[0]["task_id"] == "sign_off" and tasks[0]["due_at"]
    assert client.get("/api/v1/inbox?mine=1").get_json()["tasks"] == []
    assert _post(client, "/api/v1/logout").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_case_detail(web: Any, client: FlaskClient) -> None:
    web.api_login("mz_head")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    case = client.get(f"/api/v1/cases/{case_id}").get_json()
    assert case["id"] == case_id and case["status"] == "open"
    assert [e["type"] for e in case["events"]] == ["case_started", "task_completed"]
    assert case["events"][1]["diff"]["data"]["form_name"] == [None, "村级低保台账季报"]
    assert [t["task_id"] for t in case["tasks"] if t["state"] == "open"] == ["sign_off"]


def test_complete_through_the_api(web: Any, client: FlaskClient) -> None:
    web.api_login("mz_head")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    url = f"/api/v1/cases/{case_id}/tasks/{web.open_task(case_id)}/complete"
    bad = _post(client, url, {"fields": {"head_decision": "return"}})
    assert bad.status_code == 422
    assert bad.get_json()["error"] == "validation_failed"
    assert "comment" in bad.get_json()["fields"]
    unknown = _post(client, url, {"fields": {"head_decision": "approve", "extra": 1}})
    assert unknown.status_code == 422 and "extra" in unknown.get_json()["fields"]
    done = _post(client, url, {"fields": {"head_decision": "approve"}}, key="k-1")
    assert done.status_code == 200
    assert done.get_json()["case_id"] == case_id and done.get_json()["seq"] == 3
    retry = _post(client, url, {"fields": {"head_decision": "approve"}}, key="k-1")
    assert retry.get_json() == done.get_json()  # a retry gets the first answer
    late = _post(client, url, {"fields": {"head_decision": "approve"}})
    assert late.status_code == 409 and late.get_json()["error"] == "conflict"


def test_start_needs_an_idempotency_key(web: Any, client: FlaskClient) -> None:
    web.api_login("mz_clerk")
    response = _post(client, "/api/v1/cases", START)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["message"]


def test_start_is_idempotent(web: Any, client: FlaskClient) -> None:
    web.api_login("mz_clerk")
    before = web.case_count()
    first = _post(client, "/api/v1/cases", START, key="start-1")
    again = _post(client, "/api/v1/cases", START, key="start-1")
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert first.headers["Location"] == f"/api/v1/cases/{first.get_json()['case_id']}"
    assert web.case_count() == before + 1
    other = _post(client, "/api/v1/cases", {**START, "fields": {"title": "另一张表"}},
                  key="start-1")
    assert other.status_code == 422
    assert other.get_json()["error"] == "idempotency_mismatch"
    assert web.case_count() == before + 1
    fresh = _post(client, "/api/v1/cases", START, key="start-2")
    assert fresh.status_code == 201 and web.case_count() == before + 2


def test_start_refuses_bad_fields_and_wrong_roles(web: Any, client: FlaskClient) -> None:
    web.api_login("mz_clerk")
    bad = _post(client, "/api/v1/cases", {**START, "fields": {"title": ""}}, key="b-1")
    assert bad.status_code == 422 and "title" in bad.get_json()["fields"]
    shape = _post(client, "/api/v1/cases", {"process_id": "report_form_approval",
                                            "fields": ["title"]}, key="b-2")
    assert shape.status_code == 422 and "fields" in shape.get_json()["fields"]
    web.api_login("mz_head")
    assert _post(client, "/api/v1/cases", START, key="b-3").status_code == 403


def test_bad_requests_are_4xx_with_a_clear_message(web: Any, client: FlaskClient) -> None:
    web.api_login("mz_clerk")
    form = client.post("/api/v1/cases", data={"process_id": "x"},
                       headers={"Idempotency-Key": "f-1"})
    assert form.status_code == 415
    assert "application/json" in form.get_json()["message"]
    broken = client.post("/api/v1/cases", data="{not json", content_type="application/json",
                         headers={"Idempotency-Key": "f-2"})
    assert broken.status_code == 400 and "JSON" in broken.get_json()["message"]
    array = client.post("/api/v1/cases", json=[1, 2], headers={"Idempotency-Key": "f-3"})
    assert array.status_code == 400 and "JSON 对象" in array.get_json()["message"]
    long_key = _post(client, "/api/v1/cases", START, key="k" * 300)
    assert long_key.status_code == 400
    assert client.get("/api/v1/nothing").get_json()["error"] == "not_found"
    assert client.get("/api/v1/cases/99999").status_code == 404
    put = client.put("/api/v1/cases", json={})
    assert put.status_code == 405 and put.get_json()["error"] == "method_not_allowed"


def test_api_scope_and_role(web: Any, client: FlaskClient) -> None:
    case_id = web.case_id(web.SIGN_OFF_CASE)
    web.api_login("mz_head")
    uuid = web.open_task(case_id)
    web.api_login("tj_clerk")
    hidden = client.get(f"/api/v1/cases/{case_id}")
    assert hidden.status_code == 404 and hidden.get_json()["error"] == "not_found"
    complete = f"/api/v1/cases/{case_id}/tasks/{uuid}/complete"
    assert _post(client, complete, {"fields": {"head_decision": "approve"}}).status_code == 404
    web.api_login("mz_clerk")
    forbidden = _post(client, complete, {"fields": {"head_decision": "approve"}})
    assert forbidden.status_code == 403 and forbidden.get_json()["error"] == "forbidden"


def test_claim_release_reassign_and_comment(web: Any, client: FlaskClient) -> None:
    web.api_login("mz_clerk2")
    colleague = client.get("/api/v1/me").get_json()["user"]["id"]
    web.api_login("mz_clerk")
    case_id = web.case_id(web.DRAFT_CASE)
    base = f"/api/v1/cases/{case_id}/tasks/{web.open_task(case_id)}"
    claimed = client.post(f"{base}/claim")  # no body at all: still needs JSON
    assert claimed.status_code == 415
    assert _post(client, f"{base}/claim", key="c-1").status_code == 200
    assert _post(client, f"{base}/claim", key="c-1").status_code == 200  # retried
    assert _post(client, f"{base}/claim").status_code == 409
    assert client.get("/api/v1/inbox?mine=1").get_json()["tasks"][0]["case_id"] == case_id
    assert _post(client, f"{base}/release", key="r-1").status_code == 200
    assert _post(client, f"{base}/release", key="r-1").status_code == 200  # retried: same answer
    assert _post(client, f"{base}/release").status_code == 409  # a new release: not claimed
    assert _post(client, f"{base}/reassign", {"to_user_id": colleague}).status_code == 403
    web.api_login("mz_head")
    assert _post(client, f"{base}/reassign", {"to_user_id": "x"}).status_code == 422
    moved = _post(client, f"{base}/reassign", {"to_user_id": colleague}, key="a-1")
    assert moved.status_code == 200
    again = _post(client, f"{base}/reassign", {"to_user_id": colleague}, key="a-1")
    assert again.get_json() == moved.get_json()
    comment = _post(client, f"/api/v1/cases/{case_id}/comments", {"text": "请尽快"},
                    key="m-1")
    assert comment.status_code == 201
    events = client.get(f"/api/v1/cases/{case_id}").get_json()["events"]
    assert [e["type"] for e in events][-2:] == ["task_reassigned", "comment_added"]
    assert _post(client, f"/api/v1/cases/{case_id}/comments", {"text": ""}).status_code == 422


def test_idempotency_key_is_bound_to_the_request_path(web: Any, client: FlaskClient) -> None:
    web.api_login("mz_clerk")
    first = _post(client, "/api/v1/cases", START, key="same")
    assert first.status_code == 201
    case_id = first.get_json()["case_id"]
    other = _post(client, f"/api/v1/cases/{case_id}/comments", {"text": "x"}, key="same")
    assert other.status_code == 422  # not answered with the start's result


def test_api_needs_no_csrf_token_but_json(web: Any, client: FlaskClient) -> None:
    web.api_login("mz_clerk")  # CSRF protection is on in these tests (WTF_CSRF_ENABLED)
    response = client.post("/api/v1/cases", data="title=x",
                           content_type="application/x-www-form-urlencoded",
                           headers={"Idempotency-Key": "x-1"})
    assert response.status_code == 415
    assert _post(client, "/api/v1/cases", START, key="x-2").status_code == 201
