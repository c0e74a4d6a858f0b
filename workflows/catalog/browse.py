"""The assessment item catalog, read side: browse, search and filter; CSV and XLSX exports;
each department's yearly net change; an item's history (who changed what, when); the rule
other processes use (`referenceable`); and `rebuild`, which recomputes the catalog from the
approval cases' events.

Nobody writes catalog rows here: they are a projection of published approval cases
(`workflows.catalog.projection`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from models import (
    AssessmentItem,
    AssessmentItemVersion,
    Case,
    CaseEvent,
    ItemStatus,
    OrgUnit,
    User,
)
from workflows.catalog.forms import ITEM_FIELDS
from workflows.catalog.projection import PROCESS, publishes, write_publication
from workflows.kernel import processes
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError
from workflows.kernel.state import TASK_COMPLETED, TIMER_FIRED, CaseState, apply_event
from workflows.kernel.store import case_events, draft_of, load_calendar

MAX_QUERY = 100
# The decision field of each task of the approval, and the fields a history step shows.
DECISIONS = {
    "sign_off": "head_decision",
    "review_item": "review_decision",
    "party_office_sign_off": "office_decision",
    "government_office_sign_off": "office_decision",
}
EXPORT_COLUMNS: tuple[str, ...] = (
    "code", "name", "owner", "target", "content", "criteria", "method", "frequency",
    "period", "weight", "legal_basis", "status", "effective_date", "retired_on", "version",
)


def can_browse(actor: Actor) -> bool:
    """Every staff member with a role may read the published catalog (it is the list of
    what may be assessed at all); only the approval process changes it."""
    return actor.is_system or bool(actor.roles)


@dataclass(frozen=True)
class CatalogRow:
    item_id: int
    code: str
    version: int
    owner_unit_id: int
    owner: str
    status: str
    effective_date: date
    retired_on: date | None
    name: str
    target: str
    content: str
    criteria: str
    method: str
    frequency: str
    period: str
    weight: int
    legal_basis: str

    def value(self, column: str) -> Any:
        return getattr(self, column)


@dataclass(frozen=True)
class Filters:
    q: str = ""
    owner_unit_id: int | None = None
    target: str | None = None
    status: str | None = None
    method: str | None = None


def _rows(session: Session, *where: Any) -> list[CatalogRow]:
    query = (
        select(AssessmentItem, AssessmentItemVersion, OrgUnit.name)
        .join(
            AssessmentItemVersion,
            (AssessmentItemVersion.item_id == AssessmentItem.id)
            & (AssessmentItemVersion.version == AssessmentItem.current_version),
        )
        .join(OrgUnit, OrgUnit.id == AssessmentItem.owner_unit_id)
        .where(*where)
        .order_by(AssessmentItem.code)
    )
    return [
        CatalogRow(
            item.id, item.code, item.current_version, item.owner_unit_id, owner, item.status,
            item.effective_date, item.retired_on, v.name, v.target, v.content, v.criteria,
            v.method, v.frequency, v.period, v.weight, v.legal_basis,
        )
        for item, v, owner in session.execute(query)
    ]


def browse(session: Session, filters: Filters | None = None) -> list[CatalogRow]:
    """The catalog, filtered: every word of `q` must occur in the code, name, content,
    criteria or basis; `target` "villages" also lists items for both villages and towns."""
    f = filters or Filters()
    where: list[Any] = []
    for word in f.q.split()[:10]:
        escaped = word[:MAX_QUERY].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        where.append(or_(*(
            column.ilike(like, escape="\\")
            for column in (AssessmentItem.code, AssessmentItemVersion.name,
                           AssessmentItemVersion.content, AssessmentItemVersion.criteria,
                           AssessmentItemVersion.legal_basis)
        )))
    if f.owner_unit_id is not None:
        where.append(AssessmentItem.owner_unit_id == f.owner_unit_id)
    if f.target:
        targets = [f.target] if f.target == "both" else [f.target, "both"]
        where.append(AssessmentItemVersion.target.in_(targets))
    if f.status:
        where.append(AssessmentItem.status == f.status)
    if f.method:
        where.append(AssessmentItemVersion.method == f.method)
    return _rows(session, *where)


def get_row(session: Session, item_id: int) -> CatalogRow:
    rows = _rows(session, AssessmentItem.id == item_id)
    if not rows:
        raise NotFoundError("no such item")
    return rows[0]


# ------------------------------------------------------------------ exports

Label = Callable[[str, Any], str]


def _cell(row: CatalogRow, column: str, label: Label) -> Any:
    value = row.value("version" if column == "version" else column)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return label(column, value) if isinstance(value, str) else value


def _guard(value: Any) -> Any:
    """Cells a spreadsheet would run as a formula are prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_csv(
    rows: Sequence[CatalogRow], headers: dict[str, str], label: Label | None = None
) -> bytes:
    """UTF-8 CSV with a byte-order mark (so spreadsheet programs read the Chinese)."""
    show = label or (lambda _c, v: str(v))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([headers.get(c, c) for c in EXPORT_COLUMNS])
    for row in rows:
        writer.writerow([_guard(_cell(row, c, show)) for c in EXPORT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(
    rows: Sequence[CatalogRow], headers: dict[str, str], label: Label | None = None,
    title: str = "catalog",
) -> bytes:
    show = label or (lambda _c, v: str(v))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([headers.get(c, c) for c in EXPORT_COLUMNS])
    for row in rows:
        sheet.append([_guard(_cell(row, c, show)) for c in EXPORT_COLUMNS])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ yearly net change


@dataclass(frozen=True)
class NetChange:
    owner_unit_id: int
    owner: str
    year: int
    added: int
    retired: int

    @property
    def net(self) -> int:
        return self.added - self.retired


def net_change(session: Session) -> list[NetChange]:
    """Per department and year: items that came into force, items retired, and the net
    change (the policy wants it to fall)."""
    counts: dict[tuple[int, int], list[int]] = {}
    for item in session.scalars(select(AssessmentItem)):
        counts.setdefault((item.owner_unit_id, item.effective_date.year), [0, 0])[0] += 1
        if item.retired_on is not None:
            counts.setdefault((item.owner_unit_id, item.retired_on.year), [0, 0])[1] += 1
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    return sorted(
        (NetChange(unit, str(names.get(unit, unit)), year, added, retired)
         for (unit, year), (added, retired) in counts.items()),
        key=lambda n: (n.owner, n.year),
    )


# ------------------------------------------------------------------ the rule for others


def referenceable(session: Session, item_id: int, on_date: date) -> bool:
    """May an inspection or assessment request on `on_date` cite this item? Only a
    published item in force that day: not before its effective date, and never on or after
    its retirement date (a retired item stays citable for dates before it)."""
    item = session.get(AssessmentItem, item_id)
    if item is None:
        return False
    if on_date < item.effective_date:
        return False
    return item.retired_on is None or on_date < item.retired_on


# ------------------------------------------------------------------ history


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Step:
    """One thing that happened in the approval case: who, in which role, when, what."""

    at: datetime
    actor_id: int | None
    actor: str
    role: str | None
    task_id: str | None
    action: str
    comment: str


@dataclass(frozen=True)
class VersionHistory:
    version: int
    change_kind: str
    effective_date: date
    published_at: datetime
    published_by: int | None
    publisher: str
    case_id: int
    change_note: str
    fields: dict[str, Any]
    changes: list[FieldChange]
    steps: list[Step] = field(default_factory=list)


def _fields(v: AssessmentItemVersion) -> dict[str, Any]:
    return {
        "name": v.name, "target": v.target, "content": v.content, "criteria": v.criteria,
        "method": v.method, "frequency": v.frequency, "period": v.period, "weight": v.weight,
        "legal_basis": v.legal_basis, "effective_date": v.effective_date.isoformat(),
    }


def _steps(session: Session, case_id: int, names: dict[int, str]) -> list[Step]:
    steps = []
    for ev in case_events(session, case_id):
        data = ev.inputs.get("data") or {}
        if ev.type == "case_started":
            action, comment = f"started:{data.get('change_kind', '')}", ""
        elif ev.type == TASK_COMPLETED:
            decision = DECISIONS.get(ev.task_id or "")
            action = str(data.get(decision, "")) if decision else "submitted"
            comment = str(data.get("comment") or data.get("change_note") or "")
            if data.get("duplicate_reason"):
                comment = f"{comment} {data['duplicate_reason']}".strip()
        elif ev.type == TIMER_FIRED:
            action, comment = "reminder", ""
        else:
            continue
        steps.append(Step(ev.at, ev.actor_id, names.get(ev.actor_id or 0, ""), ev.actor_role,
                          ev.task_id, action, comment))
    return steps


def history(session: Session, item_id: int) -> list[VersionHistory]:
    """Every version of the item, oldest first: its fields, what changed from the version
    before, who published it and the steps of the approval case that led to it."""
    versions = list(session.scalars(
        select(AssessmentItemVersion)
        .where(AssessmentItemVersion.item_id == item_id)
        .order_by(AssessmentItemVersion.version)
    ))
    if not versions:
        raise NotFoundError("no such item")
    actor_ids = {
        a for (a,) in session.execute(
            select(CaseEvent.actor_id).where(
                CaseEvent.case_id.in_([v.case_id for v in versions])
            )
        ) if a is not None
    }
    names = dict(session.execute(
        select(User.id, User.display_name).where(User.id.in_(actor_ids))
    ).all())
    out: list[VersionHistory] = []
    before: dict[str, Any] = {}
    for v in versions:
        now = _fields(v)
        changes = [FieldChange(k, before.get(k), now[k]) for k in ITEM_FIELDS
                   if before and before.get(k) != now[k]]
        out.append(VersionHistory(
            v.version, v.change_kind, v.effective_date, v.published_at, v.published_by,
            names.get(v.published_by or 0, ""), v.case_id, v.change_note, now, changes,
            _steps(session, v.case_id, names),
        ))
        before = now
    return out


# ------------------------------------------------------------------ recompute


def rebuild(session: Session) -> int:
    """Recompute the whole catalog from the approval cases' events (in the order they were
    published) and commit; returns the number of versions written. The departments are not
    notified again."""
    found: list[tuple[int, int, dict[str, Any], datetime, int | None]] = []
    for case in session.scalars(select(Case).where(Case.case_type == PROCESS)
                                .order_by(Case.id)):
        defn = processes.definition(session, case.process_version_id)
        state: CaseState | None = None
        for ev in case_events(session, case.id):
            draft = draft_of(ev)
            new, _ = apply_event(defn, case.id, ev.seq, state, draft,
                                 load_calendar(session, ev.at))
            if publishes(state, new):
                found.append((ev.global_seq, case.id, new.data, ev.at, ev.actor_id))
            state = new
    session.execute(delete(AssessmentItemVersion))
    session.execute(delete(AssessmentItem))
    for _, case_id, data, at, actor_id in sorted(found, key=lambda f: f[0]):
        write_publication(session, case_id, data, at, actor_id)
    session.commit()
    return len(found)


def items_of(session: Session, owner_unit_id: int) -> list[CatalogRow]:
    """The active items a department may propose to change or retire."""
    return browse(session, Filters(owner_unit_id=owner_unit_id, status=ItemStatus.ACTIVE))
