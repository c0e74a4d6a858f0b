"""Saved inbox filters: the owner's own, plus those shared with a unit the viewer belongs
to (a role at exactly that org unit). Plain rows, not case history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import SavedFilter, User, utcnow
from models.db import begin_write
from workflows.inbox.filters import InboxFilter, parse_filter
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError

MAX_NAME = 80
MAX_PER_USER = 50


@dataclass(frozen=True)
class SavedView:
    id: int
    name: str
    owner_id: int
    owner_name: str
    org_unit_id: int
    shared: bool
    params: dict[str, str]
    mine: bool


def _units(actor: Actor) -> set[int]:
    return {u for _, u, _ in actor.roles}


def save_filter(
    session: Session,
    actor: Actor,
    name: str,
    flt: InboxFilter,
    *,
    shared: bool = False,
    org_unit_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Save (or overwrite, by name) one of the actor's filters; returns its id.

    :raise ValidationFailedError: no name, a name too long, or a unit not the actor's
    """
    name = " ".join((name or "").split())
    units = sorted(_units(actor))
    if actor.user_id is None or not units:
        raise NotAllowedError("only staff with a role can save filters")
    if not name or len(name) > MAX_NAME:
        raise ValidationFailedError({"filter_name": [f"a name of 1 to {MAX_NAME} characters is "
                                              "required"]})
    unit = units[0] if org_unit_id is None else org_unit_id
    if unit not in units:
        raise ValidationFailedError({"org_unit_id": ["choose one of your own units"]})
    params = parse_filter(flt.params()).params()
    begin_write(session)
    try:
        row = session.scalar(select(SavedFilter).where(SavedFilter.owner_id == actor.user_id,
                                                       SavedFilter.name == name))
        if row is None:
            count = len(list(session.scalars(
                select(SavedFilter.id).where(SavedFilter.owner_id == actor.user_id))))
            if count >= MAX_PER_USER:
                raise ValidationFailedError(
                    {"filter_name": [f"at most {MAX_PER_USER} saved filters per person"]})
            row = SavedFilter(owner_id=actor.user_id, name=name,
                              created_at=now or utcnow())
            session.add(row)
        row.params, row.shared, row.org_unit_id = params, shared, unit
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return row.id


def visible_filters(session: Session, actor: Actor) -> list[SavedView]:
    """The actor's filters, then those shared with the actor's units (by name)."""
    if actor.user_id is None:
        return []
    rows = session.execute(
        select(SavedFilter, User.display_name)
        .join(User, User.id == SavedFilter.owner_id)
        .where(or_(SavedFilter.owner_id == actor.user_id,
                   SavedFilter.shared.is_(True)
                   & SavedFilter.org_unit_id.in_(_units(actor) or {-1})))
        .order_by(SavedFilter.owner_id != actor.user_id, SavedFilter.name, SavedFilter.id)
    )
    return [SavedView(f.id, f.name, f.owner_id, owner, f.org_unit_id, f.shared,
                      dict(f.params), f.owner_id == actor.user_id) for f, owner in rows]


def get_filter(session: Session, actor: Actor, filter_id: int) -> SavedView:
    """One filter the actor may use (404 for any other)."""
    for view in visible_filters(session, actor):
        if view.id == filter_id:
            return view
    raise NotFoundError("no such saved filter")


def delete_filter(session: Session, actor: Actor, filter_id: int) -> None:
    """Delete one of the actor's own filters (a colleague's shared one: 403; else 404)."""
    view = get_filter(session, actor, filter_id)
    if not view.mine:
        raise NotAllowedError("only the owner may delete a saved filter")
    begin_write(session)
    try:
        row = session.get(SavedFilter, filter_id)
        if row is not None:
            session.delete(row)
        session.commit()
    except BaseException:
        session.rollback()
        raise
