"""Variant against standard (measure 8, docs/pilots.md): for each approved variant, the cases
pinned to it beside the cases of the same process on its standard versions, computed from
the events (`workflows.kernel.event_fold`), never from the projections.

- cycle time: calendar days from the case's start to the first time it was
  closed (cases ever closed), averaged;
- on-time rate: closed with no staff task completed after its due time, over closed plus
  open with a staff task past its due time (the dashboard's definition);
- satisfaction: cases whose latest rating (a task's `rating`) is satisfied or partly, over
  rated cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, ProcessVersion, utcnow
from workflows.kernel.access import Actor
from workflows.kernel.event_fold import FoldedCase, fold_all
from workflows.pilots.registers import require_reader
from workflows.pilots.variants import APPROVED, Variant, listing

CLOSED = "closed"
OUTSIDE = frozenset({"complainant"})  # roles that are not staff (never "late")
TERMINAL = frozenset({CLOSED, "rejected", "merged"})
SATISFIED = frozenset({"satisfied", "partly"})  # as the supervision dashboard counts them


@dataclass(frozen=True)
class Figures:
    cases: int
    closed: int
    cycle_days: float | None
    on_time: int
    on_time_base: int
    rated: int
    satisfied: int

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.on_time_base if self.on_time_base else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


@dataclass(frozen=True)
class Comparison:
    variant: Variant
    pilot: Figures
    standard: Figures


def _late(case: FoldedCase) -> bool:
    return any(t.role not in OUTSIDE and t.state == "completed" and t.due_at is not None
               and t.ended_at is not None and t.ended_at > t.due_at
               for t in case.tasks.values())


def _overdue(case: FoldedCase, as_of: datetime) -> bool:
    return case.status not in TERMINAL and any(
        t.role not in OUTSIDE and t.due_at is not None and t.due_at < as_of
        for t in case.open_tasks())


def figures(cases: list[FoldedCase], as_of: datetime) -> Figures:
    closed = on_time = base = rated = satisfied = 0
    days: list[float] = []
    for case in cases:
        ended = case.first_time(CLOSED)
        if ended is not None and case.started_at is not None:
            days.append((ended - case.started_at).total_seconds() / 86400)
        is_closed = case.status == CLOSED
        overdue = _overdue(case, as_of)
        closed += is_closed
        on_time += is_closed and not _late(case)
        base += is_closed or overdue
        ratings = [c.data.get("rating") for c in case.completions if "rating" in c.data]
        if ratings:
            rated += 1
            satisfied += ratings[-1] in SATISFIED
    return Figures(len(cases), closed, sum(days) / len(days) if days else None, on_time, base,
                   rated, satisfied)


def compare(session: Session, actor: Actor, as_of: datetime | None = None) -> list[Comparison]:
    """Each approved variant against the standard versions of its process."""
    require_reader(actor)
    as_of = as_of or utcnow()
    approved = [v for v in listing(session) if v.status == APPROVED]
    if not approved:
        return []
    processes = sorted({v.process_id for v in approved})
    pinned: dict[int, list[int]] = {}
    standard: dict[str, list[int]] = {}
    rows = session.execute(
        select(Case.id, Case.case_type, Case.process_version_id, ProcessVersion.bound_unit_id)
        .join(ProcessVersion, ProcessVersion.id == Case.process_version_id)
        .where(Case.case_type.in_(processes)))
    for cid, ctype, pv_id, bound in rows:
        if bound is None:
            standard.setdefault(ctype, []).append(cid)
        else:
            pinned.setdefault(pv_id, []).append(cid)
    folded = fold_all(session, as_of=as_of, case_types=processes)
    return [Comparison(
        v, figures([folded[c] for c in pinned.get(v.version_id, []) if c in folded], as_of),
        figures([folded[c] for c in standard.get(v.process_id, []) if c in folded], as_of))
        for v in approved]
