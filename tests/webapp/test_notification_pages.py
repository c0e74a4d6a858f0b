"""Notifications in the staff UI: the bell with its unread count in the header, the list
page (zh_CN and en), "mark all read" (POST with CSRF), and nobody else's notifications.
The demo data already notified people (its cases opened tasks for their groups)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, User
from workflows.notifications import handled
from workflows.notifications import notify as notifications

COUNT = re.compile(r'id="notification-count">(\d+)<')


def unread(db: Session, username: str) -> int:
    user_id = db.scalar(select(User.id).where(User.username == username))
    assert user_id is not None
    count = notifications.unread_count(db, user_id)
    db.rollback()  # never hold SQLite's write lock between requests
    return count


def news(db: Session, username: str) -> int:
    """Unread notifications the bell counts: not those about tasks already handled (issue
    18, item 4)."""
    user_id = db.scalar(select(User.id).where(User.username == username))
    assert user_id is not None
    count = unread(db, username) - handled.unread_handled(db, user_id)
    db.rollback()
    return count


def bell(client: FlaskClient) -> int:
    match = COUNT.search(client.get("/inbox").get_data(as_text=True))
    return int(match.group(1)) if match else 0


def test_bell_page_and_mark_all_read(web: Any, client: FlaskClient, db: Session) -> None:
    assert client.get("/notifications").status_code == 302  # log in first
    web.login("mz_head")
    expected = unread(db, "mz_head")
    assert expected >= 1 and 1 <= bell(client) == news(db, "mz_head") < expected

    html = client.get("/notifications").get_data(as_text=True)
    assert "新的待办任务可以领取：部门负责人签批" in html
    assert web.SIGN_OFF_CASE in html
    assert f'href="/cases/{web.case_id(web.SIGN_OFF_CASE)}"' in html
    assert "全部标为已读" in html
    english = client.get("/notifications?lang=en").get_data(as_text=True)
    assert "New task for your group: 部门负责人签批" in english and "Mark all as read" in english
    client.get("/inbox?lang=zh_CN")

    # Without the CSRF token nothing happens.
    assert client.post("/notifications/read").status_code == 400
    assert unread(db, "mz_head") == expected
    response = web.post_form("/notifications", "/notifications/read", {})
    assert response.status_code == 302 and response.location == "/notifications"
    page = client.get("/notifications").get_data(as_text=True)
    assert "所有通知已标为已读" in page and "全部标为已读" not in page
    assert "部门负责人签批" in page  # still listed, as read
    assert unread(db, "mz_head") == 0 and bell(client) == 0

    # Someone else's notifications are theirs: untouched, and not on this page.
    web.post_form("/inbox", "/logout", {})
    web.login("nb_staff")
    assert bell(client) == news(db, "nb_staff") >= 1
    assert "部门负责人签批" not in client.get("/notifications").get_data(as_text=True)


def test_complaints_are_listed_by_number_not_by_their_words(
        web: Any, client: FlaskClient, db: Session) -> None:
    titles = list(db.scalars(select(Case.title).where(Case.case_type == "burden_complaint")))
    db.rollback()
    assert titles
    web.login("nb_staff")
    html = client.get("/notifications").get_data(as_text=True)
    assert "投诉 #" in html and "受理审核" in html
    for title in titles:
        assert title not in html
