"""Substitutes while someone is away: a colleague of the same unit and role sees the tasks
the absent person holds (the inbox's *mine*) and may act on them for the range of local
dates given, both ends included. Every command a substitute runs on such a task records
`on_behalf_of` (the absent person) in the event's inputs; the actor is the substitute.

Setting and cancelling are plain writes (no case is involved); rows are never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import RoleAssignment, Substitute, User, utcnow
from models.db import begin_write
from workflows.kernel import access, substitution
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError

MAX_DAYS = 366  # the longest absence one substitution covers


@dataclass(frozen=True)
class SubstituteView:
    id: int
    user_id: int
    substitute_id: int
    starts_on: date
    ends_on: date
    active: bool


def shared_grants(a: Actor, b: Actor) -> set[tuple[str, int]]:
    """The (role, org unit) grants both people hold: "same unit, same role"."""
    mine = {(r, u) for r, u, _ in a.roles}
    return mine & {(r, u) for r, u, _ in b.roles}




def _target(session: Session, actor: Actor, user_id: int) -> Actor:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise ValidationFailedError({"substitute_id": ["no such active user"]})
    if user.id == actor.user_id:
        raise ValidationFailedError({"substitute_id": ["choose someone other than yourself"]})
    other = access.load_actor(session, user.id)
    if not shared_grants(actor, other):
        raise ValidationFailedError(
            {"substitute_id": ["a substitute must hold one of your roles in your unit"]})
    return other


def set_substitute(
    session: Session,
    actor: Actor,
    substitute_id: int,
    starts_on: date,
    ends_on: date,
    *,
    now: datetime | None = None,
) -> SubstituteView:
    """Name a substitute for the actor from `starts_on` to `ends_on` (local dates).

    :raise ValidationFailedError: unknown colleague, another unit or role, or bad dates
    """
    at = now or utcnow()
    if actor.is_system:
        raise NotAllowedError("only a person can name a substitute")
    errors: dict[str, list[str]] = {}
    if ends_on < starts_on:
        errors["ends_on"] = ["the last day must not be before the first day"]
    elif ends_on < substitution.local_today(at):
        errors["ends_on"] = ["the last day must not be in the past"]
    elif ends_on - starts_on > timedelta(days=MAX_DAYS):
        errors["ends_on"] = [f"a substitution covers at most {MAX_DAYS} days"]
    if errors:
        raise ValidationFailedError(errors)
    begin_write(session)
    try:
        _target(session, actor, substitute_id)
        row = Substitute(user_id=actor.user_id, substitute_id=substitute_id,
                         starts_on=starts_on, ends_on=ends_on, created_at=at)
        session.add(row)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _view(row, at)


def cancel_substitute(
    session: Session, actor: Actor, substitution_id: int, *, now: datetime | None = None
) -> None:
    """End one of the actor's own substitutions (404 for anyone else's)."""
    at = now or utcnow()
    begin_write(session)
    try:
        row = session.get(Substitute, substitution_id, populate_existing=True)
        if row is None or row.user_id != actor.user_id:
            raise NotFoundError("no such substitution")
        if row.cancelled_at is None:
            row.cancelled_at = at
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _view(row: Substitute, at: datetime) -> SubstituteView:
    today = substitution.local_today(at)
    active = row.cancelled_at is None and row.starts_on <= today <= row.ends_on
    return SubstituteView(row.id, row.user_id, row.substitute_id, row.starts_on, row.ends_on,
                          active)


def listing(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> tuple[list[SubstituteView], list[SubstituteView]]:
    """(the actor's substitutes, the people the actor stands in for): current and future
    ranges, not cancelled."""
    at = now or utcnow()
    today = substitution.local_today(at)
    rows = session.scalars(
        select(Substitute)
        .where(Substitute.cancelled_at.is_(None), Substitute.ends_on >= today,
               (Substitute.user_id == actor.user_id)
               | (Substitute.substitute_id == actor.user_id))
        .order_by(Substitute.starts_on, Substitute.id)
    )
    views = [_view(r, at) for r in rows]
    return ([v for v in views if v.user_id == actor.user_id],
            [v for v in views if v.substitute_id == actor.user_id])


def candidates(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the active people who hold one of the actor's roles in the same unit."""
    grants = {(r, u) for r, u, _ in actor.roles}
    if actor.user_id is None or not grants:
        return []
    rows = session.execute(
        select(User.id, User.display_name, RoleAssignment.role, RoleAssignment.org_unit_id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.org_unit_id.in_({u for _, u in grants}),
               User.active.is_(True), User.id != actor.user_id)
        .order_by(User.display_name, User.id))
    found = {uid: name for uid, name, role, unit in rows if (role, unit) in grants}
    return list(found.items())
