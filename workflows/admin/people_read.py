"""Reading people for the administration pages: the searchable list (pages of 50), one
person with their roles, the units a role can be granted at grouped by kind, and a person's
administration history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import OrgUnit, RoleAssignment, User
from workflows.admin import people_rules as rules
from workflows.admin import record
from workflows.admin.record import AdminEvent
from workflows.kernel.access import Actor

PER_PAGE = 50
KIND_ORDER = ("district", "department", "town", "village")


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_code: str
    unit_name: str


@dataclass(frozen=True)
class PersonView:
    id: int
    username: str
    display_name: str
    email: str | None
    active: bool
    admin_locked: bool
    # Locked for a while after too many failed logins.
    locked_until: datetime | None
    must_change_password: bool
    roles: tuple[Grant, ...]


def _grants(session: Session, user_ids: list[int]) -> dict[int, list[Grant]]:
    found: dict[int, list[Grant]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return found
    rows = session.execute(
        select(RoleAssignment.user_id, RoleAssignment.role, OrgUnit.id, OrgUnit.code,
               OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.user_id.in_(user_ids))
        .order_by(OrgUnit.path, RoleAssignment.role))
    for uid, role, unit_id, code, name in rows:
        found[uid].append(Grant(role, unit_id, code, name))
    return found


def _view(user: User, grants: list[Grant]) -> PersonView:
    return PersonView(user.id, user.username, user.display_name, user.email, user.active,
                      user.admin_locked, user.locked_until, user.must_change_password,
                      tuple(grants))


def search_people(session: Session, actor: Actor, q: str = "", page: int = 1,
                  per_page: int = PER_PAGE, *, role: str = "",
                  active: bool | None = None) -> tuple[list[PersonView], int]:
    """People whose name or username contains `q`, or who hold a role at a unit whose name
    or code contains it; optionally only holders of `role`, only (in)active people. A page
    in username order, and how many match."""
    rules.require_people_admin(actor)
    query = select(User)
    text = q.strip()[:80]
    if text:
        like = f"%{text.lower()}%"
        at_unit = (select(RoleAssignment.user_id)
                   .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
                   .where(or_(func.lower(OrgUnit.name).like(like),
                              func.lower(OrgUnit.code).like(like))))
        query = query.where(or_(func.lower(User.username).like(like),
                                func.lower(User.display_name).like(like),
                                User.id.in_(at_unit)))
    if role:
        query = query.where(User.id.in_(
            select(RoleAssignment.user_id).where(RoleAssignment.role == role)))
    if active is not None:
        query = query.where(User.active.is_(active))
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    number = max(page, 1)
    users = list(session.scalars(query.order_by(User.username)
                                 .offset((number - 1) * per_page).limit(per_page)))
    grants = _grants(session, [u.id for u in users])
    return [_view(u, grants[u.id]) for u in users], total


def get_person(session: Session, actor: Actor, user_id: int) -> PersonView:
    rules.require_people_admin(actor)
    user = rules.person(session, user_id)
    return _view(user, _grants(session, [user.id])[user.id])


@dataclass(frozen=True)
class UnitChoice:
    id: int
    code: str
    name: str
    kind: str


def units_by_kind(session: Session, today: date) -> list[tuple[str, list[UnitChoice]]]:
    """Units in force today, grouped by kind (district, departments, towns, villages), each
    group in tree order: the choices of the grant form."""
    groups: dict[str, list[UnitChoice]] = {k: [] for k in KIND_ORDER}
    for unit in session.scalars(select(OrgUnit).order_by(OrgUnit.path)):
        if unit.active_on(today):
            groups.setdefault(unit.kind, []).append(
                UnitChoice(unit.id, unit.code, unit.name, unit.kind))
    return [(kind, units) for kind, units in groups.items() if units]


def unit_names(session: Session) -> dict[str, str]:
    """Unit code -> name (to show "role@code" from the record as a person reads it)."""
    return {code: name for code, name in session.execute(select(OrgUnit.code, OrgUnit.name))}


def history(session: Session, actor: Actor, username: str,
            limit: int = 200) -> list[AdminEvent]:
    """The administration record's events about one person, newest first."""
    rows, _total = record.events(session, actor, page=1, per_page=100_000)
    return [e for e in rows if e.target.get("user") == username][:limit]
