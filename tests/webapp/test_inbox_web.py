"""The inbox page and API: tabs, filters, search of business fields, stable pages, saved
filters shared within a unit, bulk actions, the next task after a decision, and an
official's approval from the inbox in at most 2 clicks."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import Case
from tests.webapp.inbox_helpers import Clicker, Forms, actor, events, new_case, open_task
from workflows.kernel import cases, replay

TASK_LINK = re.compile(r'href="(/cases/(\d+)/tasks/[^"?]+(?:\?inbox=[^"]*)?)"')


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr class="task-row[^"]*">(.*?)</tr>', html, re.S)


def _row(html: str, title: str) -> str:
    found = [r for r in _rows(html) if title in r]
    assert len(found) == 1, title
    return found[0]


def test_approve_from_the_inbox_in_one_click(web: Any, client: FlaskClient,
                                             db: Session) -> None:
    """Issue 4: "an official approves from the inbox in at most 2 clicks"."""
    web.login("mz_head")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    user = Clicker(client)
    inbox = client.get("/inbox").get_data(as_text=True)
    row_forms = Forms(_row(inbox, web.SIGN_OFF_CASE)).forms
    decision = next(f for f in row_forms if any(v == "approve" for _n, v, _t in f.buttons))
    assert ("head_decision", "approve", "同意") in decision.buttons
    response = user.press(decision, "approve")
    assert response.status_code == 302 and response.location == "/inbox"
    assert user.clicks == 1 <= 2
    task = open_task(db, case_id)
    assert task is not None and task.task_id == "review_form"
    done = [e for e in events(db, case_id) if e.type == "task_completed"]
    assert done[-1].inputs["data"]["head_decision"] == "approve"
    page = client.get("/inbox").get_data(as_text=True)
    assert "已办理" in page and not any(web.SIGN_OFF_CASE in r for r in _rows(page))


def test_through_the_form_and_on_to_the_next_task(web: Any, client: FlaskClient,
                                                  db: Session) -> None:
    """Open the form from a filtered tab (1 click), approve (2): back on the same inbox view,
    which offers the next task of that tab and filter (issue 18, item 4: offered, not jumped
    to); the approved case is found again in the 已办 tab."""
    second = new_case(db, "第二张签批报表")
    web.login("mz_head")
    view = "/inbox?tab=groups&process=report_form_approval"
    html = client.get(view).get_data(as_text=True)
    links = [(href.replace("&amp;", "&"), int(cid)) for href, cid in TASK_LINK.findall(html)]
    assert [cid for _h, cid in links][:2] == [web.case_id(web.SIGN_OFF_CASE), second]
    user = Clicker(client)
    form_page = user.follow(links[0][0]).get_data(as_text=True)
    form = next(f for f in Forms(form_page).forms if "/tasks/" in f.action)
    assert parse_qs(form.fields["inbox"]) == {"tab": ["groups"],
                                              "process": ["report_form_approval"]}
    form.fields["head_decision"] = "approve"
    form.buttons.append(("", "submit", ""))
    landed = user.press(form, "submit")
    assert user.clicks == 2
    target = urlsplit(landed.location)
    assert target.path == "/inbox"
    assert parse_qs(target.query) == {"tab": ["groups"], "process": ["report_form_approval"]}
    back = client.get(landed.location).get_data(as_text=True)
    offer = re.search(r'<p class="flash flash-next"[^>]*id="offer-next">[^<]*<a href="([^"]+)">'
                      r'([^<]+)</a>', back)
    assert offer, "the next task is offered above the list"
    url = urlsplit(offer.group(1).replace("&amp;", "&"))
    assert url.path == f"/cases/{second}/tasks/{open_task(db, second).task_uuid}"  # type: ignore[union-attr]
    assert parse_qs(parse_qs(url.query)["inbox"][0]) == {
        "tab": ["groups"], "process": ["report_form_approval"]}
    assert "第二张签批报表" in offer.group(2)
    next_page = client.get(offer.group(1).replace("&amp;", "&")).get_data(as_text=True)
    form = next(f for f in Forms(next_page).forms if "/tasks/" in f.action)
    last = client.post(form.action, data={**form.fields, "head_decision": "approve"})
    assert urlsplit(last.location).path == "/inbox"
    assert parse_qs(urlsplit(last.location).query) == {"tab": ["groups"],
                                                       "process": ["report_form_approval"]}
    assert 'id="offer-next"' not in client.get(last.location).get_data(as_text=True)
    done = client.get("/inbox?tab=done").get_data(as_text=True)
    listed = done.split('id="done-tasks"', 1)[1].split("</ul>", 1)[0]
    assert "第二张签批报表" in listed and web.SIGN_OFF_CASE in listed
    assert f'href="/cases/{second}"' in listed


def test_tabs_mine_groups_and_following(web: Any, client: FlaskClient, db: Session) -> None:
    web.login("nb_staff")
    review = web.case_id(web.REVIEW_CASE)
    assert web.REVIEW_CASE in client.get("/inbox?tab=groups").get_data(as_text=True)
    assert web.REVIEW_CASE not in client.get("/inbox?tab=mine").get_data(as_text=True)
    uuid = web.open_task(review)
    web.post_form("/inbox", f"/cases/{review}/tasks/{uuid}/claim", {"next": "/inbox?tab=mine"})
    mine = client.get("/inbox?tab=mine").get_data(as_text=True)
    assert "我已认领" in _row(mine, web.REVIEW_CASE)
    assert web.REVIEW_CASE not in client.get("/inbox?tab=groups").get_data(as_text=True)
    assert web.REVIEW_CASE not in client.get("/inbox?tab=following").get_data(as_text=True)
    web.post_form(f"/cases/{review}", f"/cases/{review}/follow", {"follow": "1"})
    assert "已关注" in client.get(f"/cases/{review}").get_data(as_text=True)
    assert web.REVIEW_CASE in client.get("/inbox?tab=following").get_data(as_text=True)
    web.post_form(f"/cases/{review}", f"/cases/{review}/follow", {"follow": "0"})
    assert web.REVIEW_CASE not in client.get("/inbox?tab=following").get_data(as_text=True)
    html = client.get("/inbox").get_data(as_text=True)
    for label in ("待办", "我的", "我的组", "关注"):
        assert f">{label}</a>" in html
    assert 'aria-current="page"' in html


def test_following_a_case_outside_the_scope_is_404(web: Any) -> None:
    web.login("tj_clerk")
    case_id = web.case_id(web.SIGN_OFF_CASE)
    response = web.post_form("/inbox", f"/cases/{case_id}/follow", {"follow": "1"})
    assert response.status_code == 404


def test_columns_due_colours_and_priority(web: Any, client: FlaskClient) -> None:
    web.login("mz_head")
    row = _row(client.get("/inbox").get_data(as_text=True), web.SIGN_OFF_CASE)
    # The demo report forms started 20 days ago: overdue, urgent.
    assert 'class="due due-breach"' in row and "已超期" in row and "个工作日" in row
    assert "priority-urgent" in row and "紧急" in row
    assert 'data-label="村 / 单位">区民政局<' in row
    english = client.get("/inbox?lang=en").get_data(as_text=True)
    assert "Overdue by" in english and "Village / unit" in english


def test_filters_narrow_the_list(web: Any, client: FlaskClient) -> None:
    web.login("nb_staff")
    def titles(query: str) -> int:
        return len(_rows(client.get(f"/inbox?{query}").get_data(as_text=True)))
    everything = titles("")
    assert everything == 4
    assert titles("process=burden_complaint") == 3
    assert titles("task=review_form") == 1
    assert titles("category=too_many_forms") == 1
    assert titles("due=overdue") == 1
    assert titles("status=verification") == 1
    html = client.get("/inbox").get_data(as_text=True)
    for name in ("process", "task", "status", "due", "town", "village", "unit", "category"):
        assert f'<label for="filter-{name}">' in html and f'id="filter-{name}"' in html
    assert '<label for="inbox-q">' in html
    bad = client.get("/inbox?due=someday")
    assert bad.status_code == 422 and 'data-field="due"' in bad.get_data(as_text=True)


def test_search_finds_a_business_field(web: Any, client: FlaskClient) -> None:
    web.login("nb_staff")
    # "两天填表" is in the complaint's description (case data), not in its title.
    html = client.get("/inbox?q=两天填表").get_data(as_text=True)
    assert len(_rows(html)) == 1 and "受理审核" in html
    assert _rows(client.get("/inbox?q=%25").get_data(as_text=True)) == []  # "%" is literal
    api = client.get("/api/v1/inbox?q=两天填表").get_json()
    assert [t["task_id"] for t in api["tasks"]] == ["intake"] and api["total"] == 1


def test_pages_are_stable(app: Flask, web: Any, client: FlaskClient) -> None:
    app.config["INBOX_PAGE_SIZE"] = 3
    web.login("nb_staff")
    api = [client.get(f"/api/v1/inbox?page={n}").get_json() for n in (1, 2, 1)]
    assert [len(p["tasks"]) for p in api] == [3, 1, 3] and api[0]["pages"] == 2
    assert api[0]["tasks"] == api[2]["tasks"]
    uuids = [t["task_uuid"] for p in api[:2] for t in p["tasks"]]
    assert len(set(uuids)) == 4 == api[0]["total"]
    page1 = client.get("/inbox").get_data(as_text=True)
    assert "第 1 / 2 页" in page1 and 'rel="next" ' not in page1
    assert 'href="/inbox?page=2" rel="next"' in page1
    assert len(_rows(client.get("/inbox?page=2").get_data(as_text=True))) == 1
    assert client.get("/inbox?page=0").status_code == 422
    bad = client.get("/api/v1/inbox?page=x")
    assert bad.status_code == 422 and "page" in bad.get_json()["fields"]


def test_api_inbox_tabs_and_parameters(web: Any, client: FlaskClient) -> None:
    web.api_login("nb_staff")
    body = client.get("/api/v1/inbox?tab=groups&process=report_form_approval").get_json()
    assert [t["task_id"] for t in body["tasks"]] == ["review_form"]
    row = body["tasks"][0]
    assert row["due_level"] == "breach" and row["priority"] == "urgent"
    assert row["working_days_left"] < 0 and row["workable"] is True
    assert client.get("/api/v1/inbox?mine=1").get_json()["tasks"] == []
    assert client.get("/api/v1/inbox?mine=maybe").status_code == 400
    bad = client.get("/api/v1/inbox?tab=everything&town=abc")
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"tab", "town"}


def test_complaint_due_dates_only_for_staff_outside_intake(web: Any, client: FlaskClient,
                                                           db: Session) -> None:
    web.api_login("mz_clerk")  # holds the correction of a demo complaint
    rows = client.get("/api/v1/inbox?process=burden_complaint").get_json()["tasks"]
    assert len(rows) == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", rows[0]["due_at"])
    due = json.loads(db.get(Case, rows[0]["case_id"]).data)["correction_due"]  # type: ignore[union-attr]
    db.rollback()
    # The date finds the complaint; its clock time cannot be probed by searching.
    assert client.get(f"/api/v1/inbox?q={due[:10]}").get_json()["total"] >= 1
    assert client.get(f"/api/v1/inbox?q={due[10:16]}").get_json()["tasks"] == []


def test_saved_filters_are_shared_within_the_unit_only(web: Any, client: FlaskClient) -> None:
    web.login("mz_clerk")
    saved = web.post_form("/inbox", "/inbox/filters",
                          {"filter_name": "民政超期", "query": "tab=mine&due=overdue",
                           "shared": "1"})
    assert saved.status_code == 302
    assert parse_qs(urlsplit(saved.location).query) == {"tab": ["mine"], "due": ["overdue"]}
    web.post_form("/inbox", "/inbox/filters", {"filter_name": "私人", "query": "q=报表"})
    html = client.get("/inbox").get_data(as_text=True)
    assert "民政超期" in html and "私人" in html and "已与本单位共享" in html
    filter_id = int(re.search(r'/inbox/filters/(\d+)/delete" class="inline">\s*'
                              r'<input[^>]+>\s*<button[^>]+删除筛选“民政超期”', html)[1])  # type: ignore[index]
    bad = web.post_form("/inbox", "/inbox/filters", {"filter_name": "", "query": ""})
    assert bad.status_code == 422 and 'data-field="filter_name"' in bad.get_data(as_text=True)
    web.post_form("/inbox", "/logout", {})
    for username, sees in (("mz_clerk2", True), ("mz_head", True), ("tj_clerk", False),
                           ("nb_staff", False)):
        web.login(username)
        page = client.get("/inbox").get_data(as_text=True)
        assert ("民政超期" in page) is sees, username
        assert "私人" not in page
        if sees:
            assert 'href="/inbox?tab=mine&amp;due=overdue">民政超期</a>' in page
            assert "民政局经办人（演示） 共享" in page
        denied = web.post_form("/inbox", f"/inbox/filters/{filter_id}/delete", {})
        assert denied.status_code == (403 if sees else 404), username
        web.post_form("/inbox", "/logout", {})
    web.login("mz_clerk")
    assert web.post_form("/inbox", f"/inbox/filters/{filter_id}/delete", {}).status_code == 302
    assert "民政超期" not in client.get("/inbox").get_data(as_text=True)


def test_bulk_decision_reports_the_conflict_and_completes_the_rest(
        web: Any, client: FlaskClient, db: Session) -> None:
    ids = [web.case_id(web.SIGN_OFF_CASE), new_case(db, "批量二"), new_case(db, "批量三")]
    web.login("mz_head")
    html = client.get("/inbox").get_data(as_text=True)
    picks = re.findall(r'form="bulk" name="task" value="([^"]+)"', html)
    assert len(picks) == 3
    assert '<select id="bulk-decision" name="decision">' in html
    # Someone approves the second one between the page load and the bulk submit.
    head = actor(db, "mz_head")
    task = open_task(db, ids[1])
    assert task is not None
    cases.complete_task(db, head, ids[1], task.task_uuid, {"head_decision": "approve"})
    response = client.post("/inbox/bulk", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html)[1],  # type: ignore[index]
        "task": picks, "action": "decide", "decision": "approve", "next": "/inbox"})
    assert response.status_code == 302
    page = client.get("/inbox").get_data(as_text=True)
    assert "所选 3 项任务中已办理 2 项。" in page
    assert f"案件 {ids[1]}：" in page
    for case_id in ids:
        after = open_task(db, case_id)
        assert after is not None and after.task_id == "review_form"
        assert replay.replay_case(db, case_id).ok
    db.rollback()


def test_bulk_claim_and_refusals(web: Any, client: FlaskClient, db: Session) -> None:
    web.login("nb_staff")
    html = client.get("/inbox").get_data(as_text=True)
    picks = re.findall(r'form="bulk" name="task" value="([^"]+)"', html)
    assert len(picks) == 4
    response = web.post_form("/inbox", "/inbox/bulk",
                             {"task": picks, "action": "claim", "next": "/inbox?tab=mine"})
    assert response.location == "/inbox?tab=mine"
    mine = client.get("/inbox?tab=mine").get_data(as_text=True)
    assert "所选 4 项任务中已办理 4 项。" in mine and len(_rows(mine)) == 4
    # No bulk decision on the review: each item is refused with the reason.
    decide = web.post_form("/inbox", "/inbox/bulk",
                           {"task": picks[:1], "action": "decide", "decision": "approve"})
    assert decide.status_code == 302
    assert "此任务不支持批量决定" in client.get("/inbox").get_data(as_text=True)
    empty = web.post_form("/inbox", "/inbox/bulk", {"action": "claim"})
    assert empty.status_code == 422 and 'data-field="tasks"' in empty.get_data(as_text=True)
    forged = web.post_form("/inbox", "/inbox/bulk", {"task": ["x:y"], "action": "claim"})
    assert forged.status_code == 422
    # Tasks out of scope are reported as not found, never done.
    web.post_form("/inbox", "/logout", {})
    web.login("tj_clerk")
    web.post_form("/inbox", "/inbox/bulk", {"task": picks[:1], "action": "claim"})
    assert "所选 1 项任务中已办理 0 项。" in client.get("/inbox").get_data(as_text=True)
    assert open_task(db, int(picks[0].split(":")[0])).claimant_id == actor(  # type: ignore[union-attr]
        db, "nb_staff").user_id


def test_inbox_works_on_a_phone_and_labels_every_input(web: Any, client: FlaskClient) -> None:
    web.login("mz_head")
    html = client.get("/inbox").get_data(as_text=True)
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"',
                     html)
    unlabelled = [i for i in ids if f'for="{i}"' not in html]
    assert ids and unlabelled == []
    inputs = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*>', html)
    assert all(' id="' in tag for tag in inputs), [t for t in inputs if ' id="' not in t]
    with client.get("/static/app.css") as response:
        css = response.get_data(as_text=True)
    assert "@media (max-width: 36rem)" in css and "td[data-label]::before" in css
