"""The org units as the administrator browses them: a searchable list a page at a time, and
one unit with its parent, its children and its administration history (docs/
administration.md, "The org tree"). Changes go through org_import (plan, then apply)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from models import OrgKind, OrgUnit
from workflows.admin import record
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError

KINDS = tuple(k.value for k in OrgKind)
STATUSES = ("active", "inactive")


@dataclass(frozen=True)
class UnitRow:
    id: int
    code: str
    name: str
    official_code: str | None
    kind: str
    parent_id: int | None
    parent_name: str | None
    valid_from: date | None
    valid_to: date | None
    active: bool


@dataclass(frozen=True)
class UnitPage:
    unit: UnitRow
    children: int
    active_children: int
    history: list[record.AdminEvent]
    history_total: int


def _active(day: date) -> object:
    return and_(or_(OrgUnit.valid_from.is_(None), OrgUnit.valid_from <= day),
                or_(OrgUnit.valid_to.is_(None), OrgUnit.valid_to >= day))


def search(session: Session, actor: Actor, *, q: str = "", kind: str = "", status: str = "",
           today: date, page: int = 1, per_page: int = 50) -> tuple[list[UnitRow], int]:
    """Units whose name, code or official code contains `q`, of `kind`, active or not on
    `today` (`status`), in tree order; one page of them and how many there are."""
    record.require_admin(actor)
    parent = aliased(OrgUnit)
    where = []
    if q:
        like = f"%{escape_like(q)}%"
        where.append(or_(OrgUnit.name.like(like, escape="\\"),
                         OrgUnit.code.like(like, escape="\\"),
                         OrgUnit.official_code.like(like, escape="\\")))
    if kind in KINDS:
        where.append(OrgUnit.kind == kind)
    active = _active(today)
    if status == "active":
        where.append(active)  # type: ignore[arg-type]
    elif status == "inactive":
        where.append(~active)  # type: ignore[operator]
    total = int(session.scalar(select(func.count()).select_from(OrgUnit).where(*where)) or 0)
    query = (select(OrgUnit, parent.name).outerjoin(parent, parent.id == OrgUnit.parent_id)
             .where(*where).order_by(*_TREE_ORDER)
             .offset((max(page, 1) - 1) * per_page).limit(per_page))
    rows = [_row(u, name, today) for u, name in session.execute(query)]
    return rows, total


_VILLAGE = OrgUnit.kind == OrgKind.VILLAGE.value
# The district, its departments, then each town followed by its villages.
_TREE_ORDER = (
    case((OrgUnit.kind == OrgKind.DISTRICT.value, 0),
         (OrgUnit.kind == OrgKind.DEPARTMENT.value, 1), else_=2),
    case((_VILLAGE, OrgUnit.parent_id), else_=OrgUnit.id),
    case((_VILLAGE, 1), else_=0),
    OrgUnit.id,
)


def _row(unit: OrgUnit, parent_name: str | None, today: date) -> UnitRow:
    return UnitRow(unit.id, unit.code, unit.name, unit.official_code, unit.kind,
                   unit.parent_id, parent_name, unit.valid_from, unit.valid_to,
                   unit.active_on(today))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def unit_page(session: Session, actor: Actor, unit_id: int, *, today: date,
              page: int = 1, per_page: int = 50) -> UnitPage:
    """One unit, how many units it has below it (active today or not), and its history."""
    record.require_admin(actor)
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFoundError("no such unit")
    parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    children = list(session.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id)))
    history, total = record.events(session, actor, target={"unit": unit.code}, page=page,
                                   per_page=per_page)
    return UnitPage(_row(unit, parent.name if parent else None, today), len(children),
                    sum(1 for c in children if c.active_on(today)), history, total)
