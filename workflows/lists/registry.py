"""The lists, read side: browse and search (staff and public), an entry's history (every
version, who changed what and when, the steps of its approval case), and `rebuild`, which
recomputes the lists, the plaques and the service purchases from the events.

Nobody writes list rows here: they are projections (`workflows.lists.projection`,
`workflows.lists.plaques`, `workflows.lists.assignments`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from models import (
    Case,
    CaseEvent,
    EntryStatus,
    ListEntry,
    ListEntryVersion,
    OrgUnit,
    User,
    VillagePlaque,
)
from workflows.kernel import processes
from workflows.kernel.errors import NotFoundError
from workflows.kernel.state import TASK_COMPLETED, CaseState, apply_event
from workflows.kernel.store import case_events, draft_of, load_calendar
from workflows.lists import assignments, matching, plaques, projection
from workflows.lists.forms import ENTRY_FIELDS, LIST_KINDS

MAX_QUERY = 100
DECISIONS = {"review_entry": "review_decision", "sign_off_entry": "office_decision"}


@dataclass(frozen=True)
class EntryRow:
    entry_id: int
    code: str
    list_kind: str
    version: int
    status: str
    unit_id: int
    unit: str
    in_force_from: date
    in_force_to: date | None
    title: str
    description: str
    legal_basis: str


def rows(session: Session, list_kind: str | None = None, q: str = "",
         status: str | None = EntryStatus.ACTIVE, on: date | None = None) -> list[EntryRow]:
    """The entries of one list (or all), searched by `q` in title, description, legal basis
    and number; `on`: only those in force that day."""
    query = (select(ListEntry, ListEntryVersion, OrgUnit.name)
             .join(ListEntryVersion, (ListEntryVersion.entry_id == ListEntry.id)
                   & (ListEntryVersion.version == ListEntry.current_version))
             .join(OrgUnit, OrgUnit.id == ListEntry.unit_id)
             .order_by(ListEntry.list_kind, ListEntry.code))
    if list_kind:
        query = query.where(ListEntry.list_kind == list_kind)
    if status:
        query = query.where(ListEntry.status == status)
    q = q.strip()[:MAX_QUERY]
    if q:
        like = f"%{q}%"
        query = query.where(or_(ListEntryVersion.title.ilike(like),
                                ListEntryVersion.description.ilike(like),
                                ListEntryVersion.legal_basis.ilike(like),
                                ListEntry.code.ilike(like), OrgUnit.name.ilike(like)))
    out = [EntryRow(e.id, e.code, e.list_kind, e.current_version, e.status, e.unit_id, unit,
                    e.in_force_from, e.in_force_to, v.title, v.description, v.legal_basis)
           for e, v, unit in session.execute(query)]
    if on is not None:
        out = [r for r in out if r.status == EntryStatus.ACTIVE and r.in_force_from <= on
               and (r.in_force_to is None or on <= r.in_force_to)]
    return out


def counts(session: Session, on: date) -> dict[str, int]:
    """Entries in force per list."""
    found = {k: 0 for k in LIST_KINDS}
    for r in rows(session, on=on):
        found[r.list_kind] += 1
    return found


def get_row(session: Session, entry_id: int) -> EntryRow:
    found = [r for r in rows(session, status=None) if r.entry_id == entry_id]
    if not found:
        raise NotFoundError("no such entry")
    return found[0]


@dataclass(frozen=True)
class Step:
    at: datetime
    actor: str
    task_id: str | None
    action: str
    comment: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class VersionHistory:
    version: int
    change_kind: str
    published_at: datetime
    published_by: str
    case_id: int
    change_note: str
    fields: dict[str, Any]
    changes: list[FieldChange]
    steps: list[Step]


def _fields(v: ListEntryVersion) -> dict[str, Any]:
    return {"title": v.title, "entry_description": v.description, "legal_basis": v.legal_basis,
            "unit_id": v.unit_id, "in_force_from": v.in_force_from.isoformat(),
            "in_force_to": v.in_force_to.isoformat() if v.in_force_to else ""}


def _steps(session: Session, case_id: int, names: dict[int, str]) -> list[Step]:
    steps = []
    for ev in case_events(session, case_id):
        data = ev.inputs.get("data") or {}
        if ev.type == "case_started":
            action, comment = f"started:{data.get('change_kind', '')}", ""
        elif ev.type == TASK_COMPLETED:
            decision = DECISIONS.get(ev.task_id or "")
            action = str(data.get(decision, "")) if decision else "submitted"
            comment = " ".join(str(data.get(k) or "") for k in
                               ("comment", "change_note", "duplicate_reason")).strip()
        else:
            continue
        steps.append(Step(ev.at, names.get(ev.actor_id or 0, ""), ev.task_id, action, comment))
    return steps


def history(session: Session, entry_id: int) -> list[VersionHistory]:
    """Every version of the entry, oldest first, with what changed and who did it."""
    versions = list(session.scalars(select(ListEntryVersion).where(
        ListEntryVersion.entry_id == entry_id).order_by(ListEntryVersion.version)))
    if not versions:
        raise NotFoundError("no such entry")
    case_ids = [v.case_id for v in versions]
    actor_ids = {a for (a,) in session.execute(select(CaseEvent.actor_id).where(
        CaseEvent.case_id.in_(case_ids))) if a is not None}
    names = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_(actor_ids | {v.published_by for v in versions if v.published_by}))).all())
    out: list[VersionHistory] = []
    before: dict[str, Any] = {}
    for v in versions:
        now = _fields(v)
        changes = [FieldChange(k, before.get(k), now[k]) for k in ENTRY_FIELDS
                   if before and before.get(k) != now[k]]
        out.append(VersionHistory(v.version, v.change_kind, v.published_at,
                                  names.get(v.published_by or 0, ""), v.case_id, v.change_note,
                                  now, changes, _steps(session, v.case_id, names)))
        before = now
    return out


def work_matches(session: Session, title: str, description: str, on: date
                 ) -> dict[str, Any]:
    """What the work assignment draft would be matched to (shown before filing)."""
    return matching.match(session, {"name": title, "content": description},
                          ("self_governance", "assistance"), on=on)


# ------------------------------------------------------------------ recompute


def _transitions(session: Session, process_id: str
                 ) -> list[tuple[int, int, CaseState | None, CaseState, datetime, int | None]]:
    found = []
    for case in session.scalars(select(Case).where(Case.case_type == process_id)
                                .order_by(Case.id)):
        defn = processes.definition(session, case.process_version_id)
        state: CaseState | None = None
        for ev in case_events(session, case.id):
            new, _ = apply_event(defn, case.id, ev.seq, state, draft_of(ev),
                                 load_calendar(session, ev.at))
            if state is None or new.status != state.status:
                found.append((ev.global_seq, case.id, state, new, ev.at, ev.actor_id))
            state = new
    return found


def rebuild(session: Session) -> dict[str, int]:
    """Recompute the lists, the plaques and the service purchases from the events (in the
    order they happened) and commit; returns how many rows of each were written."""
    session.execute(delete(VillagePlaque))
    session.execute(delete(ListEntryVersion))
    session.execute(delete(ListEntry))
    changes = [t for t in _transitions(session, projection.PROCESS)
               if projection.publishes(t[2], t[3])]
    plaque_changes = [t for t in _transitions(session, plaques.PROCESS)
                      if t[3].status in plaques.FINAL]
    done = {"versions": 0, "plaques": 0}
    for _seq, case_id, _old, new, at, actor in sorted(changes + plaque_changes,
                                                     key=lambda t: t[0]):
        if new.status == projection.PUBLISHED:
            projection.write_publication(session, case_id, new.data, at, actor)
            done["versions"] += 1
        else:
            plaques.write_change(session, case_id, new.data, new.status, at)
            done["plaques"] += 1
    done["purchases"] = assignments.rebuild(session)
    session.commit()
    return done
