"""Read-only lookups for display: user and org-unit names, and the choices of the form
pickers (villages by town, catalog items in force)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ItemStatus, OrgKind, OrgUnit, RoleAssignment, User, utcnow
from workflows.catalog import browse as catalog
from workflows.kernel import access
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import NotFoundError


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {uid: name for uid, name in rows}


def unit_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(wanted)))
    return {uid: name for uid, name in rows}


@dataclass(frozen=True)
class TownChoice:
    """A town and its villages (id, name), for the village picker."""

    id: int
    name: str
    villages: tuple[tuple[int, str], ...]


def villages_by_town(session: Session) -> list[TownChoice]:
    """Every town that has villages, with its villages, in the order of the org tree."""
    towns = session.execute(select(OrgUnit.id, OrgUnit.name)
                            .where(OrgUnit.kind == OrgKind.TOWN.value).order_by(OrgUnit.id))
    villages: dict[int, list[tuple[int, str]]] = {}
    for vid, name, parent in session.execute(
            select(OrgUnit.id, OrgUnit.name, OrgUnit.parent_id)
            .where(OrgUnit.kind == OrgKind.VILLAGE.value).order_by(OrgUnit.id)):
        if parent is not None:
            villages.setdefault(parent, []).append((vid, name))
    return [TownChoice(tid, name, tuple(villages[tid])) for tid, name in towns
            if tid in villages]


@dataclass(frozen=True)
class ItemChoice:
    id: int
    code: str
    name: str
    owner: str
    in_force: bool  # False: retired, shown only because it was already chosen


def catalog_items(session: Session, chosen: Iterable[int] = ()) -> list[ItemChoice]:
    """The active items of the published catalog, by code; an item already chosen that is
    no longer active is added, marked, so that a revised draft does not lose it silently
    (the automatic check then refuses it)."""
    rows = catalog.browse(session, catalog.Filters(status=ItemStatus.ACTIVE))
    out = [ItemChoice(r.item_id, r.code, r.name, r.owner, True) for r in rows]
    listed = {r.item_id for r in rows}
    for item_id in dict.fromkeys(chosen):
        if item_id not in listed:
            try:
                row = catalog.get_row(session, item_id)
            except NotFoundError:
                continue
            out.append(ItemChoice(row.item_id, row.code, row.name, row.owner, False))
    return out


@dataclass(frozen=True)
class UnitChoices:
    departments: list[tuple[int, str]]
    towns: list[tuple[int, str]]


def units_with_role(session: Session, role: str) -> UnitChoices:
    """The active departments and towns where an active person holds `role` (or a role of
    that lane) there or above: the units a task of that lane can be given to."""
    holders = {path for (path,) in session.execute(
        select(OrgUnit.path).join(RoleAssignment, RoleAssignment.org_unit_id == OrgUnit.id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role.in_(access.lane_roles(role)), User.active.is_(True)))}
    today = WorkCalendar.local_date(utcnow())
    units = [u for u in session.scalars(
        select(OrgUnit).where(OrgUnit.kind.in_((OrgKind.DEPARTMENT.value, OrgKind.TOWN.value)))
        .order_by(OrgUnit.id))
        if u.active_on(today) and any(u.path.startswith(p) for p in holders)]
    return UnitChoices([(u.id, u.name) for u in units if u.kind == OrgKind.DEPARTMENT.value],
                       [(u.id, u.name) for u in units if u.kind == OrgKind.TOWN.value])
