"""The history's write side: an event appended to its case chain and to the global log
(its head row and checkpoints), idempotency keys, and reading a case's events back.

Events are never updated or deleted. `LogHead` holds the tip of the global chain; it is
locked (PostgreSQL: FOR UPDATE) from the event's insert to the commit, the last thing a
command does, so it is held for the shortest time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import Case, CaseEvent, IdempotencyKey, LogCheckpoint, LogHead
from workflows.kernel.history import GENESIS, event_hash, global_hash
from workflows.kernel.state import EventDraft

CHECKPOINT_EVERY = 100
EVENTS = cast(Table, CaseEvent.__table__)
HEAD = cast(Table, LogHead.__table__)
CHECKPOINTS = cast(Table, LogCheckpoint.__table__)
IDEMPOTENCY = cast(Table, IdempotencyKey.__table__)

_HEAD_Q = select(HEAD.c.size, HEAD.c.hash).where(HEAD.c.id == 1)
_HEAD_LOCK_Q = _HEAD_Q.with_for_update()
_HEAD_UPDATE = update(HEAD).where(HEAD.c.id == 1).values(
    size=bindparam("v_size"), hash=bindparam("v_hash")
)


def lock_log_head(session: Session) -> LogHead:
    head = session.scalar(
        select(LogHead)
        .where(LogHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if head is None:
        head = LogHead(id=1, size=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def _locked_head(conn: Connection) -> tuple[int, str]:
    """(size, hash) of the global log, the row locked until commit (PostgreSQL)."""
    row = conn.execute(_HEAD_LOCK_Q).one_or_none()
    if row is None:
        conn.execute(HEAD.insert(), {"id": 1, "size": 0, "hash": GENESIS})
        return 0, GENESIS
    return int(row[0]), str(row[1])


def hash_draft(
    case_id: int, seq: int, prev_hash: str, draft: EventDraft, diff: dict[str, Any]
) -> str:
    return event_hash(
        case_id=case_id,
        seq=seq,
        type=draft.type,
        actor_id=draft.actor_id,
        actor_role=draft.actor_role,
        at=draft.at,
        task_uuid=draft.task_uuid,
        task_id=draft.task_id,
        inputs=draft.inputs,
        diff=diff,
        prev_hash=prev_hash,
    )


def append_event(
    session: Session,
    case: Case,
    seq: int,
    prev_hash: str,
    draft: EventDraft,
    diff: dict[str, Any],
    own: str,
) -> int:
    """Insert the event, linked into the case chain and the global chain; its global seq."""
    conn = session.connection()
    size, tip = _locked_head(conn)
    gseq = size + 1
    ghash = global_hash(tip, gseq, own)
    conn.execute(
        EVENTS.insert(),
        {
            "case_id": case.id,
            "seq": seq,
            "global_seq": gseq,
            "type": draft.type,
            "actor_id": draft.actor_id,
            "actor_role": draft.actor_role,
            "at": draft.at,
            "task_uuid": draft.task_uuid,
            "task_id": draft.task_id,
            "inputs": draft.inputs,
            "diff": diff,
            "prev_hash": prev_hash,
            "hash": own,
            "global_prev_hash": tip,
            "global_hash": ghash,
        },
    )
    conn.execute(_HEAD_UPDATE, {"v_size": gseq, "v_hash": ghash})
    if gseq % CHECKPOINT_EVERY == 0:
        conn.execute(CHECKPOINTS.insert(), {"size": gseq, "hash": ghash, "at": draft.at})
    return gseq


def record_idempotency(
    session: Session, scope: str, key: str, request_hash: str, result: dict[str, Any],
    at: datetime,
) -> None:
    session.connection().execute(
        IDEMPOTENCY.insert(),
        {"scope": scope, "key": key, "request_hash": request_hash, "result": result,
         "created_at": at},
    )


def case_events(session: Session, case_id: int) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id)
            .order_by(CaseEvent.seq)
            .execution_options(populate_existing=True)
        )
    )


def draft_of(event: CaseEvent) -> EventDraft:
    return EventDraft(
        type=event.type,
        at=event.at,
        actor_id=event.actor_id,
        actor_role=event.actor_role,
        task_uuid=event.task_uuid,
        task_id=event.task_id,
        inputs=dict(event.inputs),
    )
