"""Verify the history: per-case chains, the global chain, the log head and checkpoints.

Detects any event inserted, edited, deleted or reordered directly in the database and a
truncated log (via the log head, and via checkpoints when the head was rewritten too).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, LogCheckpoint, LogHead
from workflows.kernel.history import GENESIS, event_hash, global_hash
from workflows.kernel.store import CHECKPOINT_EVERY, lock_log_head


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


class EventRecord(Protocol):
    case_id: int
    seq: int
    global_seq: int
    type: str
    actor_id: int | None
    actor_role: str | None
    at: datetime
    task_uuid: str | None
    task_id: str | None
    inputs: dict[str, Any]
    diff: dict[str, Any]
    prev_hash: str
    hash: str
    global_prev_hash: str
    global_hash: str


class CaseRecord(Protocol):
    id: int
    version: int
    last_event_hash: str


class CheckpointRecord(Protocol):
    size: int
    hash: str


def _recomputed(ev: EventRecord) -> str:
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


def case_problems(case: CaseRecord, events: Sequence[EventRecord]) -> Iterator[Problem]:
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


def _log_problems(
    ordered: Sequence[EventRecord],
    head_size: int,
    head_hash: str,
    checkpoints: Iterable[CheckpointRecord],
) -> Iterator[Problem]:
    prev = GENESIS
    by_gseq: dict[int, EventRecord] = {}
    for expected, ev in enumerate(ordered, start=1):
        by_gseq[ev.global_seq] = ev
        if ev.global_seq != expected:
            yield Problem(
                "log-gap", f"expected log entry {expected}", ev.case_id, ev.seq, ev.global_seq
            )
            break
        if (
            ev.global_prev_hash != prev
            or global_hash(prev, ev.global_seq, ev.hash) != ev.global_hash
        ):
            yield Problem("log-chain", "global chain broken", ev.case_id, ev.seq, ev.global_seq)
        prev = ev.global_hash
    if head_size != len(ordered) or head_hash != prev:
        yield Problem(
            "truncated",
            f"log head says {head_size} entries, log has {len(ordered)} (or its tip differs)",
        )
    for cp in checkpoints:
        at = by_gseq.get(cp.size)
        if at is None or at.global_hash != cp.hash:
            yield Problem(
                "checkpoint",
                f"checkpoint at {cp.size} entries does not match the log (truncated or rewritten)",
                global_seq=cp.size,
            )


def check_history(
    cases: Iterable[CaseRecord],
    events: Iterable[EventRecord],
    head_size: int,
    head_hash: str,
    checkpoints: Iterable[CheckpointRecord],
) -> list[Problem]:
    """Every problem in a history, from plain records (the database or an export file)."""
    events = list(events)
    by_case: dict[int, list[EventRecord]] = {}
    for ev in sorted(events, key=lambda e: (e.case_id, e.seq)):
        by_case.setdefault(ev.case_id, []).append(ev)
    problems: list[Problem] = []
    for case in sorted(cases, key=lambda c: c.id):
        problems.extend(case_problems(case, by_case.get(case.id, [])))
    ordered = sorted(events, key=lambda e: e.global_seq)
    problems.extend(
        _log_problems(ordered, head_size, head_hash, sorted(checkpoints, key=lambda c: c.size))
    )
    return problems


def verify(session: Session) -> list[Problem]:
    """Every problem found; an empty list means the history is intact."""
    fresh = {"populate_existing": True}  # never trust objects cached in this session
    events = session.scalars(select(CaseEvent).execution_options(**fresh))
    cases = session.scalars(select(Case).execution_options(**fresh))
    head = session.get(LogHead, 1, populate_existing=True)
    checkpoints = session.scalars(select(LogCheckpoint).execution_options(**fresh))
    return check_history(
        list(cases),
        list(events),
        head.size if head else 0,
        head.hash if head else GENESIS,
        list(checkpoints),
    )


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
