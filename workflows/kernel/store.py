"""Reading and writing the case state: case row, inbox rows, due jobs, events, global log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from models import (
    CalendarOverride,
    Case,
    CaseEvent,
    DueJob,
    HumanTask,
    LogCheckpoint,
    LogHead,
)
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ConflictError
from workflows.kernel.history import GENESIS, canonical, event_hash, global_hash
from workflows.kernel.state import CaseState, EventDraft, JobView, TaskView

CHECKPOINT_EVERY = 100
# Core table: the compare-and-set is a plain UPDATE, not an ORM bulk update.
CASE_TABLE = cast(Table, Case.__table__)


def load_calendar(session: Session, at: datetime) -> WorkCalendar:
    """The official calendar plus the overrides announced at or before `at` (latest wins)."""
    rows = session.scalars(
        select(CalendarOverride)
        .where(CalendarOverride.created_at <= at)
        .order_by(CalendarOverride.created_at, CalendarOverride.id)
    )
    return WorkCalendar({r.day: r.is_workday for r in rows})


def load_state(session: Session, case: Case) -> CaseState:
    """The state as stored: case row plus its inbox and job rows (plain column reads, no ORM
    objects, so the cost stays small as a looping case collects rows)."""
    t = HumanTask
    tasks = session.execute(
        select(
            t.task_uuid,
            t.task_id,
            t.name,
            t.role,
            t.scope_org_unit_id,
            t.claimant_id,
            t.due_at,
            t.state,
            t.created_at,
        ).where(t.case_id == case.id)
    )
    j = DueJob
    jobs = session.execute(
        select(j.kind, j.key, j.task_id, j.due_at, j.state).where(j.case_id == case.id)
    )
    return CaseState(
        status=case.status,
        title=case.title,
        scope_org_unit_id=case.scope_org_unit_id,
        snapshot=case.snapshot,
        data=json.loads(case.data),
        tasks={row[0]: TaskView(*row) for row in tasks},
        jobs={
            (kind, key): JobView(
                kind, key, task_id, due_at, "pending" if state == "failed" else state
            )
            for kind, key, task_id, due_at, state in jobs
        },
    )


def write_state(
    session: Session, case: Case, old: CaseState | None, new: CaseState, at: datetime
) -> None:
    """Write the projections that changed (the case row itself is written by the CAS)."""
    old_tasks = old.tasks if old else {}
    for key, view in new.tasks.items():
        before = old_tasks.get(key)
        if before == view:
            continue
        values: dict[str, Any] = {
            "task_id": view.task_id,
            "name": view.name,
            "role": view.role,
            "scope_org_unit_id": view.scope_org_unit_id,
            "claimant_id": view.claimant_id,
            "due_at": view.due_at,
            "state": view.state,
            "created_at": view.created_at,
        }
        if before is None:
            session.add(HumanTask(case_id=case.id, task_uuid=key, **values))
        else:
            session.execute(
                update(HumanTask)
                .where(HumanTask.case_id == case.id, HumanTask.task_uuid == key)
                .values(**values)
            )
    old_jobs = old.jobs if old else {}
    for (kind, key), job in new.jobs.items():
        before_job = old_jobs.get((kind, key))
        if before_job == job:
            continue
        if before_job is None:
            session.add(
                DueJob(
                    case_id=case.id,
                    kind=kind,
                    key=key,
                    task_id=job.task_id,
                    due_at=job.due_at,
                    state=job.state,
                )
            )
        else:
            extra: dict[str, Any] = {}
            if job.state != "pending":
                extra = {"lease_owner": None, "lease_until": None}
            session.execute(
                update(DueJob)
                .where(DueJob.case_id == case.id, DueJob.kind == kind, DueJob.key == key)
                .values(due_at=job.due_at, state=job.state, **extra)
            )
    session.flush()


def compare_and_set(
    session: Session,
    case: Case,
    new: CaseState,
    expected_version: int,
    last_hash: str,
    at: datetime,
    events: int,
) -> int:
    """UPDATE case ... WHERE version = expected: zero rows means someone else got there."""
    new_version = expected_version + events
    result = session.execute(
        update(CASE_TABLE)
        .where(CASE_TABLE.c.id == case.id, CASE_TABLE.c.version == expected_version)
        .values(
            version=new_version,
            status=new.status,
            title=new.title,
            scope_org_unit_id=new.scope_org_unit_id,
            snapshot=new.snapshot,
            data=canonical(new.data),
            last_event_hash=last_hash,
            updated_at=at,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("the case was changed by someone else; reload and try again")
    return new_version


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
    head: LogHead,
) -> CaseEvent:
    gseq = head.size + 1
    ghash = global_hash(head.hash, gseq, own)
    row = CaseEvent(
        case_id=case.id,
        seq=seq,
        global_seq=gseq,
        type=draft.type,
        actor_id=draft.actor_id,
        actor_role=draft.actor_role,
        at=draft.at,
        task_uuid=draft.task_uuid,
        task_id=draft.task_id,
        inputs=draft.inputs,
        diff=diff,
        prev_hash=prev_hash,
        hash=own,
        global_prev_hash=head.hash,
        global_hash=ghash,
    )
    session.add(row)
    head.size, head.hash = gseq, ghash
    if gseq % CHECKPOINT_EVERY == 0:
        session.add(LogCheckpoint(size=gseq, hash=ghash, at=draft.at))
    return row


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
