"""Cases rebuilt from their events alone: a fold over each event's recorded diff.

Every event records the field-level diff of the case data, the status and every task and
timer view (`workflows.kernel.state`), and replay proves each diff is what the engine produced.
Folding those diffs gives each case as of any moment without the engine and without the
projections (case row, inbox rows): what the supervision dashboard and the sampling
population are computed from, so that their numbers stand on the tamper-evident history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseEvent
from workflows.kernel.state import CASE_STARTED, TASK_COMPLETED


@dataclass
class FoldedTask:
    task_uuid: str
    task_id: str = ""
    role: str = ""
    scope_org_unit_id: int | None = None
    due_at: datetime | None = None
    state: str = ""
    created_at: datetime | None = None
    # When the task left the "open" state (completed or cancelled), from the event's time.
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Completion:
    """One completed user task: who (in which role), when, and the form as recorded."""

    at: datetime
    task_id: str
    task_uuid: str
    actor_id: int | None
    actor_role: str | None
    data: dict[str, Any]


@dataclass
class FoldedCase:
    case_id: int
    case_type: str
    title: str = ""
    scope_org_unit_id: int | None = None
    started_at: datetime | None = None
    started_by: int | None = None
    status: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    # Every status the case took, with the time of the event that set it.
    statuses: list[tuple[datetime, str]] = field(default_factory=list)
    tasks: dict[str, FoldedTask] = field(default_factory=dict)
    completions: list[Completion] = field(default_factory=list)
    events: int = 0
    last_at: datetime | None = None

    def open_tasks(self) -> list[FoldedTask]:
        return [t for t in self.tasks.values() if t.state == "open"]

    def ever(self, status: str) -> bool:
        return any(s == status for _, s in self.statuses)

    def first_time(self, status: str) -> datetime | None:
        return next((at for at, s in self.statuses if s == status), None)


class EventRow:
    """The columns of one event the fold reads (a row of the query below)."""

    __slots__ = ("actor_id", "actor_role", "at", "case_id", "diff", "inputs", "seq",
                 "task_id", "task_uuid", "type")

    def __init__(self, case_id: int, seq: int, type: str, at: datetime, actor_id: int | None,
                 actor_role: str | None, task_uuid: str | None, task_id: str | None,
                 inputs: dict[str, Any], diff: dict[str, Any]) -> None:
        self.case_id, self.seq, self.type, self.at = case_id, seq, type, at
        self.actor_id, self.actor_role = actor_id, actor_role
        self.task_uuid, self.task_id = task_uuid, task_id
        self.inputs, self.diff = inputs, diff


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value)


def _apply_task(case: FoldedCase, uuid: str, changes: dict[str, Any], at: datetime) -> None:
    task = case.tasks.setdefault(uuid, FoldedTask(uuid))
    was = task.state
    for name, pair in changes.items():
        new = pair[1]
        if name == "task_id":
            task.task_id = str(new or "")
        elif name == "role":
            task.role = str(new or "")
        elif name == "scope_org_unit_id":
            task.scope_org_unit_id = int(new) if new is not None else None
        elif name == "due_at":
            task.due_at = _moment(new)
        elif name == "state":
            task.state = str(new or "")
        elif name == "created_at":
            task.created_at = _moment(new)
    if was == "open" and task.state != "open":
        task.ended_at = at


def apply(case: FoldedCase, ev: EventRow) -> None:
    """Fold one event into the case (events must come in seq order)."""
    diff = ev.diff or {}
    if ev.type == CASE_STARTED:
        case.title = str(ev.inputs.get("title", ""))
        scope = ev.inputs.get("scope_org_unit_id")
        case.scope_org_unit_id = int(scope) if scope is not None else None
        case.started_at, case.started_by = ev.at, ev.actor_id
    for name, pair in (diff.get("data") or {}).items():
        case.data[name] = pair[1]
    if "status" in diff:
        case.status = str(diff["status"][1])
        case.statuses.append((ev.at, case.status))
    for uuid, changes in (diff.get("tasks") or {}).items():
        _apply_task(case, uuid, changes, ev.at)
    if ev.type == TASK_COMPLETED:
        case.completions.append(Completion(
            ev.at, ev.task_id or "", ev.task_uuid or "", ev.actor_id, ev.actor_role,
            dict(ev.inputs.get("data") or {})))
    case.events += 1
    case.last_at = ev.at


def fold(case_id: int, case_type: str, events: Iterable[EventRow]) -> FoldedCase:
    case = FoldedCase(case_id, case_type)
    for ev in events:
        apply(case, ev)
    return case


def fold_all(
    session: Session,
    *,
    as_of: datetime | None = None,
    case_types: Sequence[str] | None = None,
    case_ids: Iterable[int] | None = None,
) -> dict[int, FoldedCase]:
    """Every case (of `case_types`, or with `case_ids`) as its events up to `as_of` leave it.
    Cases with no event by then are left out."""
    e = CaseEvent
    query = (
        select(e.case_id, e.seq, e.type, e.at, e.actor_id, e.actor_role, e.task_uuid,
               e.task_id, e.inputs, e.diff, Case.case_type)
        .join(Case, Case.id == e.case_id)
        .order_by(e.case_id, e.seq)
    )
    if as_of is not None:
        query = query.where(e.at <= as_of)
    if case_types is not None:
        query = query.where(Case.case_type.in_(list(case_types)))
    if case_ids is not None:
        query = query.where(e.case_id.in_(list(case_ids)))
    out: dict[int, FoldedCase] = {}
    for row in session.execute(query):
        case = out.get(row.case_id)
        if case is None:
            case = out[row.case_id] = FoldedCase(row.case_id, row.case_type)
        apply(case, EventRow(row.case_id, row.seq, row.type, row.at, row.actor_id,
                             row.actor_role, row.task_uuid, row.task_id, dict(row.inputs or {}),
                             dict(row.diff or {})))
    return out
