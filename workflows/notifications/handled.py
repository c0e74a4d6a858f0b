"""Which task notifications are about a task already handled (issue 18, item 4): a
notification naming a task (its params carry the task id) of a case that no longer has that
task open. The notification page lists them apart, as handled, and the bell does not count
them; nothing is written (reading the page changes no data)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import HumanTask, Notification

Item = tuple[int, int | None, Mapping[str, Any]]  # (notification id, case id, params)


def handled_ids(session: Session, items: Iterable[Item]) -> set[int]:
    """The ids of the notifications whose task is no longer open on its case."""
    about = [(i, c, str(p.get("task_id"))) for i, c, p in items
             if c is not None and p.get("task_id")]
    if not about:
        return set()
    cases = {c for _i, c, _t in about}
    still_open = {(c, t) for c, t in session.execute(
        select(HumanTask.case_id, HumanTask.task_id)
        .where(HumanTask.case_id.in_(cases), HumanTask.state == "open"))}
    return {i for i, c, t in about if (c, t) not in still_open}


def unread_handled(session: Session, user_id: int) -> int:
    """How many of the user's unread notifications are about tasks already handled."""
    rows = session.execute(
        select(Notification.id, Notification.case_id, Notification.params)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None)))
    return len(handled_ids(session, [(i, c, p or {}) for i, c, p in rows]))
