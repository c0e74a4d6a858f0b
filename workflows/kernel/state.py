"""The case as a fold over its events: the one reducer shared by commands and replay.

`apply_event` takes the state after event n-1 and the draft of event n and returns the
state after event n plus the field-level diff recorded in the event. It reads nothing but
its arguments (time, ids and calendar come in as data), so replay is exact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import InvalidTransitionError
from workflows.kernel.history import canonical, field_diff, iso

# Event types
CASE_STARTED = "case_started"
TASK_COMPLETED = "task_completed"
TIMER_FIRED = "timer_fired"
TASK_CLAIMED = "task_claimed"
TASK_RELEASED = "task_released"
TASK_REASSIGNED = "task_reassigned"
# The holder (or their substitute) hands the task to a colleague of the same unit and role.
TASK_DELEGATED = "task_delegated"
COMMENT_ADDED = "comment_added"
# Records that change no workflow state: the event itself is the fact (complaints).
ATTACHMENT_ADDED = "attachment_added"
IDENTITY_UNSEAL_REQUESTED = "identity_unseal_requested"
IDENTITY_UNSEAL_DECIDED = "identity_unseal_decided"
IDENTITY_ACCESSED = "identity_accessed"
# An administrator's action, recorded in the administration record (workflows.admin.record).
ADMIN_ACTION = "admin_action"
# A value a village entered in its data record (workflows.report_forms.values).
DATA_RECORDED = "data_recorded"
# Personal data erased (sealed identity, original evidence): what was erased, as hashes only.
PERSONAL_DATA_ERASED = "personal_data_erased"
RECORD_EVENTS = frozenset(
    {
        COMMENT_ADDED,
        ATTACHMENT_ADDED,
        IDENTITY_UNSEAL_REQUESTED,
        IDENTITY_UNSEAL_DECIDED,
        IDENTITY_ACCESSED,
        ADMIN_ACTION,
        DATA_RECORDED,
        PERSONAL_DATA_ERASED,
    }
)

ENGINE_EVENTS = frozenset({CASE_STARTED, TASK_COMPLETED, TIMER_FIRED})
CLAIMANT_EVENTS = frozenset({TASK_CLAIMED, TASK_RELEASED, TASK_REASSIGNED, TASK_DELEGATED})

TIMER_JOB = "timer"
# The start event's record of the engine revision the case runs with for life
# (`engine.ENGINE_REV`; absent: 0, a case started before completed branches were pruned).
ENGINE_REV_INPUT = "engine_rev"


@dataclass
class TaskView:
    task_uuid: str
    task_id: str
    name: str
    role: str
    scope_org_unit_id: int | None
    claimant_id: int | None
    due_at: datetime | None
    state: str
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "task_uuid": self.task_uuid,
            "task_id": self.task_id,
            "name": self.name,
            "role": self.role,
            "scope_org_unit_id": self.scope_org_unit_id,
            "claimant_id": self.claimant_id,
            "due_at": iso(self.due_at) if self.due_at else None,
            "state": self.state,
            "created_at": iso(self.created_at),
        }


@dataclass
class JobView:
    kind: str
    key: str
    task_id: str
    due_at: datetime
    state: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "task_id": self.task_id,
            "due_at": iso(self.due_at),
            "state": self.state,
        }


@dataclass
class CaseState:
    status: str
    title: str
    scope_org_unit_id: int | None
    snapshot: str
    data: dict[str, Any]
    tasks: dict[str, TaskView] = field(default_factory=dict)
    jobs: dict[tuple[str, str], JobView] = field(default_factory=dict)


@dataclass(frozen=True)
class EventDraft:
    """What a command wants recorded; the reducer fills in the diff."""

    type: str
    at: datetime
    actor_id: int | None = None
    actor_role: str | None = None
    task_uuid: str | None = None
    task_id: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)


def _status(completed: bool, data: dict[str, Any]) -> str:
    explicit = data.get("case_status")
    if isinstance(explicit, str) and explicit:
        return explicit
    return "closed" if completed else "open"


def _due_from_data(data: dict[str, Any], key: str) -> datetime | None:
    """An ISO moment a script stored in the task data (e.g. working_days_after's result),
    as an aware UTC datetime like WorkCalendar.add_working_days gives (naive = UTC)."""
    raw = data.get(key)
    if not isinstance(raw, str) or not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _due(
    props: dict[str, str], data: dict[str, Any], now: datetime, calendar: WorkCalendar
) -> datetime | None:
    """A task's due time: property `due_field` names a key of the task's data holding the
    ISO deadline its process computed; otherwise `due_working_days` from the task's start."""
    key = props.get("due_field")
    if key:
        due = _due_from_data(data, key)
        if due is not None:
            return due
    days = props.get("due_working_days")
    if days is None:
        return None
    return calendar.add_working_days(now, int(days))


def _sync(
    prev: CaseState | None,
    result: engine.EngineResult,
    draft: EventDraft,
    calendar: WorkCalendar,
    scope_org_unit_id: int | None,
    title: str,
) -> CaseState:
    tasks = {k: replace(v) for k, v in (prev.tasks if prev else {}).items()}
    jobs = {k: replace(v) for k, v in (prev.jobs if prev else {}).items()}
    ready = {r.uuid: r for r in result.ready}
    for view in tasks.values():
        if view.state == "open" and view.task_uuid not in ready:
            gone = result.watched.get(view.task_uuid)
            view.state = "completed" if gone == "COMPLETED" else "cancelled"
    for r in result.ready:
        if r.uuid in tasks:
            continue
        lane = r.lane or ""
        scopes = r.data.get("lane_scopes") or {}
        scope = scopes.get(lane, scope_org_unit_id) if isinstance(scopes, dict) else None
        tasks[r.uuid] = TaskView(
            r.uuid,
            r.task_id,
            r.name,
            lane,
            int(scope) if scope is not None else None,
            None,
            _due(r.properties, r.data, draft.at, calendar),
            "open",
            draft.at,
        )
    waiting = {t.uuid: t for t in result.timers}
    for job in jobs.values():
        if job.kind == TIMER_JOB and job.state == "pending" and job.key not in waiting:
            job.state = "done" if result.watched.get(job.key) == "COMPLETED" else "cancelled"
    for t in result.timers:
        key = (TIMER_JOB, t.uuid)
        if key not in jobs:
            jobs[key] = JobView(TIMER_JOB, t.uuid, t.task_id, t.due_at, "pending")
        else:
            jobs[key].due_at = t.due_at  # cycle timers move forward
    return CaseState(
        _status(result.completed, result.data),
        title,
        scope_org_unit_id,
        result.snapshot,
        result.data,
        tasks,
        jobs,
    )


def _changed(old: dict[Any, Any], new: dict[Any, Any], name: Any) -> dict[str, Any]:
    """Field-level diff of two projections, comparing the views first (cheap when equal)."""
    out = {}
    for key in sorted(set(old) | set(new), key=str):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        changed = field_diff(before.as_dict() if before else {}, after.as_dict() if after else {})
        if changed:
            out[name(key)] = changed
    return out


def _diff(prev: CaseState | None, new: CaseState) -> dict[str, Any]:
    out: dict[str, Any] = {}
    data = field_diff(prev.data if prev else {}, new.data)
    if data:
        out["data"] = data
    old_status = prev.status if prev else None
    if old_status != new.status:
        out["status"] = [old_status, new.status]
    tasks = _changed(prev.tasks if prev else {}, new.tasks, str)
    if tasks:
        out["tasks"] = tasks
    jobs = _changed(prev.jobs if prev else {}, new.jobs, lambda k: f"{k[0]}:{k[1]}")
    if jobs:
        out["jobs"] = jobs
    # Round-trip through JSON so the diff compares equal to what the database gives back.
    result: dict[str, Any] = json.loads(canonical(out))
    return result


def apply_event(
    defn: engine.ProcessDefinition,
    case_id: int,
    seq: int,
    prev: CaseState | None,
    draft: EventDraft,
    calendar: WorkCalendar,
) -> tuple[CaseState, dict[str, Any]]:
    """Fold event number `seq` into the case state; returns the new state and the diff."""
    seed = f"{case_id}/{seq}"
    if draft.type == CASE_STARTED:
        if prev is not None:
            raise InvalidTransitionError("the case has already started")
        inputs = draft.inputs
        result = engine.start(
            defn,
            inputs.get("data", {}),
            seed=seed,
            now=draft.at,
            calendar=calendar,
            rev=int(inputs.get(ENGINE_REV_INPUT) or 0),
        )
        new = _sync(
            None,
            result,
            draft,
            calendar,
            inputs.get("scope_org_unit_id"),
            str(inputs.get("title", "")),
        )
        return new, _diff(None, new)
    if prev is None:
        raise InvalidTransitionError("the case has not started")
    open_tasks = [k for k, v in prev.tasks.items() if v.state == "open"]
    pending_jobs = [k[1] for k, v in prev.jobs.items() if v.state == "pending"]
    watch = open_tasks + pending_jobs
    if draft.type == TASK_COMPLETED:
        task = prev.tasks.get(draft.task_uuid or "")
        if task is None or task.state != "open":
            raise InvalidTransitionError("the task is not open any more")
        result = engine.complete_task(
            defn,
            prev.snapshot,
            task.task_uuid,
            draft.inputs.get("data", {}),
            seed=seed,
            now=draft.at,
            calendar=calendar,
            watch=watch,
        )
        new = _sync(prev, result, draft, calendar, prev.scope_org_unit_id, prev.title)
    elif draft.type == TIMER_FIRED:
        job = draft.inputs.get("job") or {}
        view = prev.jobs.get((str(job.get("kind")), str(job.get("key"))))
        if view is None or view.state != "pending":
            raise InvalidTransitionError("this timer has already fired or was cancelled")
        result = engine.refresh_timers(
            defn, prev.snapshot, seed=seed, now=draft.at, calendar=calendar, watch=watch
        )
        new = _sync(prev, result, draft, calendar, prev.scope_org_unit_id, prev.title)
    elif draft.type in CLAIMANT_EVENTS:
        task = prev.tasks.get(draft.task_uuid or "")
        if task is None or task.state != "open":
            raise InvalidTransitionError("the task is not open any more")
        new = replace(prev, tasks={k: replace(v) for k, v in prev.tasks.items()})
        claimant = draft.inputs.get("user_id")
        new.tasks[task.task_uuid].claimant_id = int(claimant) if claimant is not None else None
    elif draft.type in RECORD_EVENTS:
        new = prev
    else:
        raise ValueError(f"unknown event type {draft.type}")
    return new, _diff(prev, new)


def comparable(state: CaseState) -> dict[str, Any]:
    """Everything replay compares, as plain data (snapshot compared separately)."""
    return {
        "status": state.status,
        "title": state.title,
        "scope_org_unit_id": state.scope_org_unit_id,
        "data": state.data,
        "tasks": {k: v.as_dict() for k, v in sorted(state.tasks.items())},
        "jobs": {f"{k[0]}:{k[1]}": v.as_dict() for k, v in sorted(state.jobs.items())},
    }
