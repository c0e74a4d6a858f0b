"""The inbox as Camunda's Tasklist shows it: tabs (all, mine, my groups, following),
filters, a search that reads the case data, stable pages, working days left and priority.

Plain SQL over the human_task projection joined to the case row; no workflow is loaded.
Every filter value is a bound parameter (LIKE patterns are escaped).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, exists, false, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from models import Case, CaseFollow, HumanTask, OrgUnit, utcnow
from workflows.complaints.staff import sees_exact_times
from workflows.inbox.filters import (
    DONE,
    FOLLOWING,
    GROUPS,
    MINE,
    OVERDUE,
    TEAM,
    TODAY,
    WEEK,
    InboxFilter,
)
from workflows.inbox.queue import lanes_for
from workflows.kernel import access, substitution
from workflows.kernel.access import Actor
from workflows.kernel.calendar import CHINA_TZ, WorkCalendar
from workflows.kernel.store import load_calendar

PAGE_SIZE = 50
COMPLAINT = "burden_complaint"
WARNING_SHARE = 0.2  # warn when at most this share of the working days is left ...
WARNING_DAYS = 1  # ... or at most this many
PRIORITY = {"breach": "urgent", "warning": "high", "ok": "normal", "none": "low"}
# A search term that could match a clock time inside stored moments ("08:30", "T08").
# A search term that is a date or a month: what staff who see dates only see anyway.
DATE_ONLY = re.compile(r"\d{4}-\d{2}(-\d{2})?")

TaskUnit = aliased(OrgUnit, name="task_unit")
CaseUnit = aliased(OrgUnit, name="case_unit")


@dataclass(frozen=True)
class InboxItem:
    case_id: int
    case_title: str
    case_type: str
    case_status: str
    case_version: int
    case_unit_id: int | None
    task_uuid: str
    task_id: str
    name: str
    role: str
    scope_org_unit_id: int | None
    claimant_id: int | None
    created_at: datetime
    due_at: datetime | None
    town_id: int | None
    village_id: int | None
    responsible_unit_id: int | None
    category: str
    days_left: int | None
    level: str  # none | ok | warning | breach
    priority: str  # low | normal | high | urgent
    workable: bool  # the actor may complete it now
    on_behalf_of: int | None  # held by someone the actor stands in for
    # The villages a request concerns (inspections, meetings): the task's own village or
    # town's villages when it is scoped to one, else all of them.
    village_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def due_state(
    calendar: WorkCalendar, now: datetime, created_at: datetime, due_at: datetime | None
) -> tuple[int | None, str]:
    """(working days left, level): breach once due, warning at <= 20 % or <= 1 day left."""
    if due_at is None:
        return None, "none"
    left = calendar.working_days_between(now, due_at)
    if due_at <= now:
        return min(left, 0), "breach"
    total = max(calendar.working_days_between(created_at, due_at), 1)
    if left <= WARNING_DAYS or left <= WARNING_SHARE * total:
        return left, "warning"
    return left, "ok"


def _any(terms: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(*terms) if terms else false()


def _group_terms(actor: Actor, unit: Any, task: Any = HumanTask) -> ColumnElement[bool]:
    """The task's lane is one the actor works, in the actor's scope."""
    return _any([and_(task.role.in_(lanes_for(role)), unit.path.startswith(path))
                 for role, _, path in actor.roles])


def _visible(actor: Actor) -> ColumnElement[bool]:
    """SQL for `cases.can_see`: the case's unit is in the actor's scope, or one of its
    tasks is in a lane the actor works (or in a unit the actor heads)."""
    other, unit = aliased(HumanTask), aliased(OrgUnit)
    heads = [unit.path.startswith(p) for r, _, p in actor.roles if r == access.UNIT_HEAD]
    return or_(
        _any([CaseUnit.path.startswith(p) for _, _, p in actor.roles]),
        exists(select(other.id).join(unit, unit.id == other.scope_org_unit_id).where(
            other.case_id == Case.id, or_(_group_terms(actor, unit, other), *heads))),
    )


def _tab(actor: Actor, flt: InboxFilter, principals: frozenset[int]) -> ColumnElement[bool]:
    group = _group_terms(actor, TaskUnit)
    mine = HumanTask.claimant_id == actor.user_id
    if principals:
        mine = or_(mine, and_(HumanTask.claimant_id.in_(principals), group))
    groups = and_(HumanTask.claimant_id.is_(None), group)
    if flt.tab == MINE:
        return mine
    if flt.tab == GROUPS:
        return groups
    if flt.tab == DONE:  # done tasks are listed by workflows.inbox.done, never here
        return false()
    if flt.tab == TEAM:  # a unit head's units, whoever's lane: to see and reassign
        return _any([TaskUnit.path.startswith(p) for r, _, p in actor.roles
                     if r == access.UNIT_HEAD])
    if flt.tab == FOLLOWING:
        followed = select(CaseFollow.case_id).where(CaseFollow.user_id == actor.user_id)
        return and_(HumanTask.case_id.in_(followed), _visible(actor))
    return or_(mine, groups)


def _data_text(session: Session, key: str) -> ColumnElement[Any]:
    """A top-level value of the case data as text ("25", "too_many_forms")."""
    if session.get_bind().dialect.name == "postgresql":
        text: ColumnElement[Any] = cast(Case.data, JSONB)[key].astext
        return text
    return cast(func.json_extract(Case.data, f"$.{key}"), String)


def _under(session: Session, unit_id: int) -> str | None:
    return access.unit_path(session, unit_id)


def _due_bounds(now: datetime) -> tuple[datetime, datetime, datetime]:
    """(start of today, start of tomorrow, start of next Monday), local days, in UTC."""
    today = now.astimezone(CHINA_TZ).date()
    start = datetime.combine(today, time(), CHINA_TZ)
    monday = start + timedelta(days=7 - today.weekday())
    return (start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC),
            monday.astimezone(UTC))


def _filters(
    session: Session, actor: Actor, flt: InboxFilter, now: datetime
) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if flt.process:
        out.append(Case.case_type == flt.process)
    if flt.task:
        out.append(HumanTask.task_id == flt.task)
    if flt.status:
        out.append(Case.status == flt.status)
    if flt.category:
        out.append(_data_text(session, "category") == flt.category)
    if flt.due:
        start, tomorrow, monday = _due_bounds(now)
        due = HumanTask.due_at
        out.append({OVERDUE: due < now,
                    TODAY: and_(due >= start, due < tomorrow),
                    WEEK: and_(due >= start, due < monday)}[flt.due])
    if flt.town is not None:
        path = _under(session, flt.town)
        out.append(false() if path is None else or_(
            _data_text(session, "town_id") == str(flt.town),
            CaseUnit.path.startswith(path), TaskUnit.path.startswith(path)))
    if flt.village is not None:
        out.append(or_(_data_text(session, "village_id") == str(flt.village),
                       Case.scope_org_unit_id == flt.village,
                       HumanTask.scope_org_unit_id == flt.village))
    if flt.unit is not None:
        out.append(or_(_data_text(session, "responsible_unit_id") == str(flt.unit),
                       Case.scope_org_unit_id == flt.unit,
                       HumanTask.scope_org_unit_id == flt.unit))
    if flt.q:
        out.append(_search(actor, flt.q))
    return out


def _search(actor: Actor, term: str) -> ColumnElement[bool]:
    """Title or case data contains the term (any case), or the term is the case number.
    Staff who see dates only search a complaint's data by a date (2026-12, 2026-12-08) and
    otherwise by its title and number only: its data holds exact times (when it was filed,
    its due times), and any other piece of one ("t02", "52.276948", "12-08t02") would
    bracket when the complainant filed."""
    needle = term.lower()
    in_data = func.lower(Case.data).contains(needle, autoescape=True)
    if not sees_exact_times(actor) and not DATE_ONLY.fullmatch(term):
        in_data = and_(in_data, Case.case_type != COMPLAINT)
    terms = [func.lower(Case.title).contains(needle, autoescape=True), in_data]
    if term.isascii() and term.isdigit() and len(term) <= 9:
        terms.append(Case.id == int(term))
    return or_(*terms)


def _query(session: Session, actor: Actor, flt: InboxFilter, now: datetime,
           principals: frozenset[int]) -> Any:
    return (
        select(HumanTask, Case, TaskUnit.path)
        .join(Case, Case.id == HumanTask.case_id)
        .outerjoin(TaskUnit, TaskUnit.id == HumanTask.scope_org_unit_id)
        .outerjoin(CaseUnit, CaseUnit.id == Case.scope_org_unit_id)
        .where(HumanTask.state == "open", _tab(actor, flt, principals),
               *_filters(session, actor, flt, now))
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _item(actor: Actor, task: HumanTask, case: Case, path: str | None,
          principals: frozenset[int], calendar: WorkCalendar, now: datetime) -> InboxItem:
    try:
        data = json.loads(case.data or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    days_left, level = due_state(calendar, now, task.created_at, task.due_at)
    held_for = task.claimant_id if task.claimant_id in principals else None
    free = task.claimant_id in (None, actor.user_id) or held_for is not None
    return InboxItem(
        case.id, case.title, case.case_type, case.status, case.version,
        case.scope_org_unit_id, task.task_uuid, task.task_id, task.name, task.role,
        task.scope_org_unit_id, task.claimant_id, task.created_at, task.due_at,
        _int(data.get("town_id")), _int(data.get("village_id")),
        _int(data.get("responsible_unit_id")), str(data.get("category") or ""),
        days_left, level, PRIORITY[level], free and actor.holds(task.role, path), held_for,
        _request_villages(data, task.scope_org_unit_id),
    )


def _request_villages(data: dict[str, Any], scope: int | None) -> tuple[int, ...]:
    villages = [v["unit_id"] for v in data.get("villages") or []
                if isinstance(v, dict) and _int(v.get("unit_id")) is not None]
    if scope in villages:
        return (int(scope or 0),)
    for town in data.get("towns") or []:
        if isinstance(town, dict) and town.get("unit_id") == scope:
            return tuple(v for v in town.get("village_ids") or [] if _int(v) is not None)
    return tuple(villages)


def search(
    session: Session,
    actor: Actor,
    flt: InboxFilter,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    now: datetime | None = None,
) -> InboxPage:
    """One page of the open tasks that match, ordered by due time (none last), then by
    row id: the order is stable, so pages neither repeat nor skip a task."""
    at = now or utcnow()
    page, per_page = max(1, page), max(1, per_page)
    if actor.is_system or not actor.roles:
        return InboxPage([], 0, page, per_page)
    principals = substitution.principals(session, actor, at)
    query = _query(session, actor, flt, at, principals)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
        .limit(per_page).offset((page - 1) * per_page)
    )
    calendar = load_calendar(session, at)
    items = [_item(actor, t, c, p, principals, calendar, at) for t, c, p in rows]
    return InboxPage(items, int(total), page, per_page)


def next_task(
    session: Session, actor: Actor, flt: InboxFilter, *, now: datetime | None = None
) -> InboxItem | None:
    """The first task of the same tab and filters the actor can work on now."""
    page = 1
    while True:
        result = search(session, actor, flt, page=page, now=now)
        for row in result.rows:
            if row.workable:
                return row
        if page >= result.pages:
            return None
        page += 1
