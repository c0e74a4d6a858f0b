"""After a decision (issue 18, item 4): notifications about tasks already handled are listed
apart and not counted by the bell; the task filter names each task once (a name two
processes share says which process it is)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def _count(page: str) -> int:
    match = re.search(r'id="notification-count">(\d+)<', page)
    return int(match.group(1)) if match else 0


def _main_list(page: str) -> str:
    body = page.split("<h1>", 1)[1]
    return body.split('id="handled-notifications"', 1)[0]


def test_handled_tasks_leave_the_notifications(web: Any, client: FlaskClient) -> None:
    web.login("mz_head")
    sign_off = web.case_id(web.SIGN_OFF_CASE)
    page = client.get("/notifications").get_data(as_text=True)
    assert f'href="/cases/{sign_off}"' in _main_list(page)
    handled = page.split('id="handled-notifications"', 1)[1]
    # The demo's published forms were signed off long ago: handled, not news.
    published = web.case_id("社会救助月报（演示）")
    assert f'href="/cases/{published}"' in handled
    assert f'href="/cases/{published}"' not in _main_list(page)
    before = _count(page)
    task = web.open_task(sign_off)
    done = web.post_form(f"/cases/{sign_off}/tasks/{task}", f"/cases/{sign_off}/tasks/{task}",
                         {"head_decision": "approve", "next": "/inbox"})
    assert done.status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert f'href="/cases/{sign_off}"' not in _main_list(page)
    assert f'href="/cases/{sign_off}"' in page.split('id="handled-notifications"', 1)[1]
    assert _count(page) == before - 1


def test_the_task_filter_names_each_task_once(web: Any, client: FlaskClient,
                                              app: Flask) -> None:
    web.login("nb_head")
    page = client.get("/inbox").get_data(as_text=True)
    select = page.split('name="task"', 1)[1].split("</select>", 1)[0]
    names = re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', select)
    assert names and len(names) == len(set(names)), names
    # Two processes' tasks of the same name (the report form's and the catalog's review)
    # are told apart by their process.
    from webapp.inbox.views import _task_choices

    with app.test_request_context("/?lang=zh_CN"):
        shown = _task_choices([("review", "区委农办审核"), ("review_form", "区委农办审核"),
                               ("intake", "受理审核")],
                              {"review": "assessment_item_approval",
                               "review_form": "report_form_approval",
                               "intake": "burden_complaint"})
    assert [n for _i, n in shown] == ["区委农办审核（考核评比项目审批）",
                                      "区委农办审核（新增报表审批）", "受理审核"]
