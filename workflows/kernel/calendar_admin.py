"""Announced calendar changes (调休 not yet in the `holidays` package, local days off).

Overrides are append-only: a new row for the same day supersedes the old one from its
creation time on, and commands computed before it keep their deadlines on replay.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import CalendarOverride, utcnow
from models.db import begin_write
from workflows.kernel.access import ADMIN, Actor
from workflows.kernel.errors import NotAllowedError, ValidationFailedError


def add_override(
    session: Session,
    actor: Actor,
    day: date,
    is_workday: bool,
    note: str,
    *,
    now: datetime | None = None,
) -> CalendarOverride:
    """Record that `day` is (or is not) a working day from now on. Admins only."""
    if not actor.is_system and ADMIN not in actor.role_names():
        raise NotAllowedError("only an administrator may change the calendar")
    note = note.strip()
    if not note or len(note) > 200:
        raise ValidationFailedError({"note": ["say which announcement this follows (1-200)"]})
    if not 1990 <= day.year <= 2200:
        raise ValidationFailedError({"day": ["the day must lie between 1990 and 2200"]})
    begin_write(session)
    row = CalendarOverride(
        day=day,
        is_workday=is_workday,
        note=note,
        created_at=now or utcnow(),
        created_by=actor.user_id,
    )
    session.add(row)
    session.commit()
    return row


def list_overrides(session: Session) -> list[CalendarOverride]:
    return list(
        session.scalars(
            select(CalendarOverride).order_by(CalendarOverride.day, CalendarOverride.created_at)
        )
    )
