"""Helpers for the inbox web tests: cases made through the use cases, and a tiny HTML form
reader that "clicks" a button the way a browser submits its form (to count clicks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import CaseEvent, HumanTask, User
from workflows.kernel import access, cases

DRAFT = {"form_name": "网页测试报表", "purpose": "网页测试：收集村级数据",
         "legal_basis": "《统计法》", "frequency": "monthly",
         "due_day": 25, "submission": "online",
         "field_lines": ["户籍人口（人）= POP_REG", "活动次数（次）= 新"]}


def actor(db: Session, username: str) -> access.Actor:
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None
    found = access.load_actor(db, user.id)
    db.rollback()
    return found


def open_task(db: Session, case_id: int) -> HumanTask | None:
    task = db.scalar(select(HumanTask).where(HumanTask.case_id == case_id,
                                             HumanTask.state == "open")
                     .execution_options(populate_existing=True))
    db.rollback()
    return task


def events(db: Session, case_id: int) -> list[CaseEvent]:
    rows = list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                           .order_by(CaseEvent.seq).execution_options(populate_existing=True)))
    db.rollback()
    return rows


def new_case(db: Session, title: str, *, drafted: bool = True) -> int:
    """A report-form case of 民政局: at the head's sign-off (or still at the draft)."""
    clerk = actor(db, "mz_clerk")
    case_id = cases.start_case(db, clerk, "report_form_approval", {"title": title}).case_id
    if drafted:
        task = open_task(db, case_id)
        assert task is not None
        cases.complete_task(db, clerk, case_id, task.task_uuid, DRAFT)
    return case_id


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, text


class Forms(HTMLParser):
    """Every <form> of a page with its hidden/text inputs and its submit buttons."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._button: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("type") in ("hidden", "text", None):
            if "name" in a:
                self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms:
            self._button = [a.get("name", ""), a.get("value", ""), ""]

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self.forms:
            name, value, text = self._button
            self.forms[-1].buttons.append((name, value, text.strip()))
            self._button = None


class Clicker:
    """Counts the clicks of a user who submits forms by pressing their buttons."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.clicks = 0

    def press(self, form: Form, value: str) -> Any:
        name = next(n for n, v, _t in form.buttons if v == value)
        self.clicks += 1
        data = {**form.fields, **({name: value} if name else {})}
        return self.client.post(form.action, data=data)

    def follow(self, href: str) -> Any:
        self.clicks += 1
        return self.client.get(href)
