"""Who stands in for whom today (the kernel's part of substitutes).

While someone is away, a colleague of the same unit and role may act on the tasks the absent
person holds, for the range of local dates set in the inbox (`workflows.inbox.substitutes`,
which also sets and cancels them). The command cycle asks `acting_for` on every completion.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Substitute, utcnow
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import NotAllowedError


def local_today(at: datetime) -> date:
    """The local date of `at`: substitute ranges are local dates."""
    return WorkCalendar.local_date(at)


def principals(session: Session, actor: Actor, at: datetime | None = None) -> frozenset[int]:
    """The people the actor stands in for at `at`."""
    if actor.is_system:
        return frozenset()
    today = local_today(at or utcnow())
    rows = session.scalars(
        select(Substitute.user_id).where(
            Substitute.substitute_id == actor.user_id,
            Substitute.cancelled_at.is_(None),
            Substitute.starts_on <= today,
            Substitute.ends_on >= today,
        )
    )
    return frozenset(rows)


def acting_for(
    session: Session, actor: Actor, claimant_id: int | None, at: datetime
) -> int | None:
    """Whom the actor acts for on a task held by `claimant_id`: None when the task is free
    or the actor's own, the absent holder when the actor is their substitute today.

    :raise NotAllowedError: the task is held by someone the actor does not stand in for
    """
    if claimant_id is None or claimant_id == actor.user_id or actor.is_system:
        return None
    if claimant_id in principals(session, actor, at):
        return claimant_id
    raise NotAllowedError("this task is claimed by someone else")
