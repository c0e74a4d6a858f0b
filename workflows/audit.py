"""Verify the history: per-case chains, the global chain, the log head and checkpoints.

Detects any event inserted, edited, deleted or reordered directly in the database and a
truncated log (via the log head, and via checkpoints when the head was rewritten too).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, LogCheckpoint, LogHead
from workflows.history import GENESIS, event_hash, global_hash
from workflows.store import CHECKPOINT_EVERY, lock_log_head


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str
    case_id: int | None = None
    seq: int | None = None
    global_seq: int | None = None

    def __str__(self) -> str:
        where = []
        if self.case_id is not None:
            where.append(f"case {self.case_id}")
        if self.seq is not None:
            where.append(f"event {self.seq}")
        if self.global_seq is not None:
            where.append(f"log #{self.global_seq}")
        return f"[{self.kind}] {', '.join(where)}: {self.message}"


def _recomputed(ev: CaseEvent) -> str:
    return event_hash(
        case_id=ev.case_id,
        seq=ev.seq,
        type=ev.type,
        actor_id=ev.actor_id,
        actor_role=ev.actor_role,
        at=ev.at,
        task_uuid=ev.task_uuid,
        task_id=ev.task_id,
        inputs=ev.inputs,
        diff=ev.diff,
        prev_hash=ev.prev_hash,
    )


def _case_problems(case: Case, events: list[CaseEvent]) -> Iterator[Problem]:
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            yield Problem("gap", f"expected event {expected_seq}, found {ev.seq}", case.id, ev.seq)
            return
        if ev.prev_hash != prev:
            yield Problem("chain", "does not link to the previous event", case.id, ev.seq)
        if _recomputed(ev) != ev.hash:
            yield Problem("edited", "content does not match its hash", case.id, ev.seq)
        prev = ev.hash
    if case.version != len(events):
        yield Problem("count", f"case says {case.version} events, log has {len(events)}", case.id)
    if case.last_event_hash != (events[-1].hash if events else GENESIS):
        yield Problem("tail", "the case's last event hash does not match its log", case.id)


def verify(session: Session) -> list[Problem]:
    """Every problem found; an empty list means the history is intact."""
    problems: list[Problem] = []
    fresh = {"populate_existing": True}  # never trust objects cached in this session
    events = list(
        session.scalars(
            select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq).execution_options(**fresh)
        )
    )
    by_case: dict[int, list[CaseEvent]] = {}
    for ev in events:
        by_case.setdefault(ev.case_id, []).append(ev)
    for case in session.scalars(select(Case).order_by(Case.id).execution_options(**fresh)):
        problems.extend(_case_problems(case, by_case.get(case.id, [])))
    # The global chain.
    ordered = sorted(events, key=lambda e: e.global_seq)
    prev = GENESIS
    by_gseq: dict[int, CaseEvent] = {}
    for expected, ev in enumerate(ordered, start=1):
        by_gseq[ev.global_seq] = ev
        if ev.global_seq != expected:
            problems.append(
                Problem(
                    "log-gap", f"expected log entry {expected}", ev.case_id, ev.seq, ev.global_seq
                )
            )
            break
        if (
            ev.global_prev_hash != prev
            or global_hash(prev, ev.global_seq, ev.hash) != ev.global_hash
        ):
            problems.append(
                Problem("log-chain", "global chain broken", ev.case_id, ev.seq, ev.global_seq)
            )
        prev = ev.global_hash
    head = session.get(LogHead, 1, populate_existing=True)
    size, tip = (head.size, head.hash) if head else (0, GENESIS)
    if size != len(ordered) or tip != prev:
        problems.append(
            Problem(
                "truncated",
                f"log head says {size} entries, log has {len(ordered)} (or its tip differs)",
            )
        )
    for cp in session.scalars(
        select(LogCheckpoint).order_by(LogCheckpoint.size).execution_options(**fresh)
    ):
        at = by_gseq.get(cp.size)
        if at is None or at.global_hash != cp.hash:
            problems.append(
                Problem(
                    "checkpoint",
                    f"checkpoint at {cp.size} entries does not "
                    "match the log (truncated or rewritten)",
                    global_seq=cp.size,
                )
            )
    return problems


def checkpoint(session: Session) -> LogCheckpoint | None:
    """Freeze the current log tip as a checkpoint (also done every CHECKPOINT_EVERY events)."""
    from models import utcnow
    from models.db import begin_write

    begin_write(session)
    head = lock_log_head(session)
    if head.size == 0:
        session.rollback()
        return None
    existing = session.scalar(select(LogCheckpoint).where(LogCheckpoint.size == head.size))
    if existing is not None:
        session.rollback()
        return existing
    cp = LogCheckpoint(size=head.size, hash=head.hash, at=utcnow())
    session.add(cp)
    session.commit()
    return cp


__all__ = ["CHECKPOINT_EVERY", "Problem", "checkpoint", "verify"]
