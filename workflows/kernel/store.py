"""Reading and writing the case state: case row, inbox rows, due jobs (the events and the
global log: `workflows.kernel.event_log`, re-exported here for its existing callers).

The command path runs prebuilt Core statements on the session's connection: rows here are
append-only or plain column updates, so the ORM's unit of work (statement building, cache
keys, flushes) bought nothing but time (issue 15).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import CalendarOverride, Case, DueJob, HumanTask, OrgUnit
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ConflictError
from workflows.kernel.event_log import (
    CHECKPOINT_EVERY,
    append_event,
    case_events,
    draft_of,
    hash_draft,
    lock_log_head,
    record_idempotency,
)
from workflows.kernel.history import canonical
from workflows.kernel.state import CaseState, JobView, TaskView

__all__ = [
    "CASE_TABLE",
    "CHECKPOINT_EVERY",
    "append_event",
    "case_events",
    "compare_and_set",
    "draft_of",
    "hash_draft",
    "load_calendar",
    "load_state",
    "lock_log_head",
    "record_idempotency",
    "task_lanes",
    "task_state",
    "write_state",
]

# Core tables: the command path's statements are built once, here.
CASE_TABLE = cast(Table, Case.__table__)
TASKS = cast(Table, HumanTask.__table__)
JOBS = cast(Table, DueJob.__table__)
CALENDAR = cast(Table, CalendarOverride.__table__)
# Jobs the reducer still acts on: a failed job is pending to it (an incident, not an end).
LIVE_JOB_STATES = ("pending", "failed")

_CALENDAR_Q = (
    select(CALENDAR.c.day, CALENDAR.c.is_workday)
    .where(CALENDAR.c.created_at <= bindparam("at"))
    .order_by(CALENDAR.c.created_at, CALENDAR.c.id)
)
_TASK_COLUMNS = (
    TASKS.c.task_uuid,
    TASKS.c.task_id,
    TASKS.c.name,
    TASKS.c.role,
    TASKS.c.scope_org_unit_id,
    TASKS.c.claimant_id,
    TASKS.c.due_at,
    TASKS.c.state,
    TASKS.c.created_at,
)
_TASKS_Q = select(*_TASK_COLUMNS).where(TASKS.c.case_id == bindparam("case_id"))
_OPEN_TASKS_Q = _TASKS_Q.where(TASKS.c.state == "open")
_JOB_COLUMNS = (JOBS.c.kind, JOBS.c.key, JOBS.c.task_id, JOBS.c.due_at, JOBS.c.state)
_JOBS_Q = select(*_JOB_COLUMNS).where(JOBS.c.case_id == bindparam("case_id"))
_LIVE_JOBS_Q = _JOBS_Q.where(JOBS.c.state.in_(LIVE_JOB_STATES))
_UNITS = cast(Table, OrgUnit.__table__)
_TASK_LANES_Q = (
    select(TASKS.c.role, TASKS.c.scope_org_unit_id, _UNITS.c.path)
    .select_from(TASKS.outerjoin(_UNITS, _UNITS.c.id == TASKS.c.scope_org_unit_id))
    .where(TASKS.c.case_id == bindparam("case_id"))
    .distinct()
)
_TASK_STATE_Q = select(TASKS.c.state).where(
    TASKS.c.case_id == bindparam("case_id"), TASKS.c.task_uuid == bindparam("uuid")
)
_TASK_UPDATE = (
    update(TASKS)
    .where(TASKS.c.case_id == bindparam("b_case_id"), TASKS.c.task_uuid == bindparam("b_uuid"))
    .values(
        {
            c: bindparam(f"v_{c}")
            for c in ("task_id", "name", "role", "scope_org_unit_id", "claimant_id",
                      "due_at", "state", "created_at")
        }
    )
)
_JOB_UPDATE = (
    update(JOBS)
    .where(
        JOBS.c.case_id == bindparam("b_case_id"),
        JOBS.c.kind == bindparam("b_kind"),
        JOBS.c.key == bindparam("b_key"),
    )
    .values(due_at=bindparam("v_due_at"), state=bindparam("v_state"))
)
# A job that is no longer pending also lets go of its lease.
_JOB_END = _JOB_UPDATE.values(lease_owner=None, lease_until=None)
_CAS = (
    update(CASE_TABLE)
    .where(CASE_TABLE.c.id == bindparam("b_id"), CASE_TABLE.c.version == bindparam("b_version"))
    .values(
        {
            c: bindparam(f"v_{c}")
            for c in ("version", "status", "title", "scope_org_unit_id", "snapshot", "data",
                      "last_event_hash", "updated_at")
        }
    )
)
def _conn(session: Session) -> Connection:
    return session.connection()


def load_calendar(session: Session, at: datetime) -> WorkCalendar:
    """The official calendar plus the overrides announced at or before `at` (latest wins)."""
    rows = _conn(session).execute(_CALENDAR_Q, {"at": at})
    return WorkCalendar({day: is_workday for day, is_workday in rows})


def load_state(session: Session, case: Case, *, live: bool = False) -> CaseState:
    """The state as stored: case row plus its inbox and job rows (plain column reads).

    `live=True` reads only the rows the reducer can still change, the open tasks and the
    pending jobs: a finished task or job never changes again, so a command's result, diff
    and writes are the same without them, and its cost stays flat as a case grows.
    """
    conn = _conn(session)
    params = {"case_id": case.id}
    tasks = conn.execute(_OPEN_TASKS_Q if live else _TASKS_Q, params)
    jobs = conn.execute(_LIVE_JOBS_Q if live else _JOBS_Q, params)
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


def task_lanes(
    session: Session, case_id: int
) -> tuple[list[tuple[str, int | None]], dict[int, str]]:
    """Every (role, unit) a task of the case was ever offered to (who may see the case),
    and the paths of those units, in one read."""
    lanes: list[tuple[str, int | None]] = []
    paths: dict[int, str] = {}
    for role, unit, path in _conn(session).execute(_TASK_LANES_Q, {"case_id": case_id}):
        lanes.append((role, unit))
        if unit is not None and path is not None:
            paths[int(unit)] = str(path)
    return lanes, paths


def task_state(session: Session, case_id: int, task_uuid: str) -> str | None:
    """The stored state of one task of the case, None if the case has no such task."""
    return _conn(session).execute(
        _TASK_STATE_Q, {"case_id": case_id, "uuid": task_uuid}
    ).scalar_one_or_none()


def _task_values(view: TaskView) -> dict[str, Any]:
    return {
        "v_task_id": view.task_id,
        "v_name": view.name,
        "v_role": view.role,
        "v_scope_org_unit_id": view.scope_org_unit_id,
        "v_claimant_id": view.claimant_id,
        "v_due_at": view.due_at,
        "v_state": view.state,
        "v_created_at": view.created_at,
    }


def write_state(
    session: Session, case: Case, old: CaseState | None, new: CaseState, at: datetime
) -> None:
    """Write the projections that changed (the case row itself is written by the CAS):
    one batched INSERT and one batched UPDATE per table at most."""
    conn = _conn(session)
    old_tasks = old.tasks if old else {}
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for key, view in new.tasks.items():
        before = old_tasks.get(key)
        if before == view:
            continue
        if before is None:
            added.append({"case_id": case.id, "task_uuid": key, "task_id": view.task_id,
                          "name": view.name, "role": view.role,
                          "scope_org_unit_id": view.scope_org_unit_id,
                          "claimant_id": view.claimant_id, "due_at": view.due_at,
                          "state": view.state, "created_at": view.created_at})
        else:
            changed.append({"b_case_id": case.id, "b_uuid": key, **_task_values(view)})
    if changed:
        conn.execute(_TASK_UPDATE, changed)
    if added:
        conn.execute(TASKS.insert(), added)
    old_jobs = old.jobs if old else {}
    new_jobs: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    ended: list[dict[str, Any]] = []
    for (kind, key), job in new.jobs.items():
        before_job = old_jobs.get((kind, key))
        if before_job == job:
            continue
        if before_job is None:
            new_jobs.append({"case_id": case.id, "kind": kind, "key": key,
                             "task_id": job.task_id, "due_at": job.due_at, "state": job.state,
                             "attempts": 0})
        else:
            (moved if job.state == "pending" else ended).append(
                {"b_case_id": case.id, "b_kind": kind, "b_key": key,
                 "v_due_at": job.due_at, "v_state": job.state}
            )
    if moved:
        conn.execute(_JOB_UPDATE, moved)
    if ended:
        conn.execute(_JOB_END, ended)
    if new_jobs:
        conn.execute(JOBS.insert(), new_jobs)


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
    result = _conn(session).execute(
        _CAS,
        {
            "b_id": case.id,
            "b_version": expected_version,
            "v_version": new_version,
            "v_status": new.status,
            "v_title": new.title,
            "v_scope_org_unit_id": new.scope_org_unit_id,
            "v_snapshot": new.snapshot,
            "v_data": canonical(new.data),
            "v_last_event_hash": last_hash,
            "v_updated_at": at,
        },
    )
    if result.rowcount != 1:
        raise ConflictError("the case was changed by someone else; reload and try again")
    return new_version
