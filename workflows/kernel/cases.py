"""Use cases on cases: start, complete a task, claim/release/reassign, read (comments and
files: `workflows.kernel.case_additions`).

Each public function is one transaction (through `commands.run_command`) and takes an
explicit Session and Actor; none of them knows about HTTP.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import Case, OrgUnit, User, utcnow
from workflows.kernel import access, forms, processes, registry, store, substitution
from workflows.kernel.access import Actor
from workflows.kernel.commands import CommandResult, Idempotency, run_command
from workflows.kernel.errors import (
    ConflictError,
    InvalidTransitionError,
    NotAllowedError,
    NotFoundError,
    ValidationFailedError,
)
from workflows.kernel.history import GENESIS
from workflows.kernel.state import (
    CASE_STARTED,
    TASK_CLAIMED,
    TASK_COMPLETED,
    TASK_REASSIGNED,
    TASK_RELEASED,
    CaseState,
    EventDraft,
    TaskView,
)
from workflows.kernel.store import load_state

BURDEN_OFFICE_CODE = "qwnb"  # 区委农办


def _now(case: Case | None = None, now: datetime | None = None) -> datetime:
    moment = now or utcnow()
    if case is not None and case.updated_at is not None and moment < case.updated_at:
        return case.updated_at  # event times never go backwards within a case
    return moment


_UNIT_BY_CODE_Q = select(OrgUnit).where(OrgUnit.code == bindparam("code"))


def _unit_by_code(session: Session, code: str) -> OrgUnit:
    unit = session.scalar(_UNIT_BY_CODE_Q, {"code": code})
    if unit is None:
        raise NotFoundError(f"org unit {code} is not configured")
    return unit


def start_case(
    session: Session,
    actor: Actor,
    process_id: str,
    fields: dict[str, Any],
    *,
    org_unit_id: int | None = None,
    settings: dict[str, Any] | None = None,
    idempotency: Idempotency | None = None,
    now: datetime | None = None,
) -> CommandResult:
    """Start a case of `process_id` for the actor's unit (where the actor is a clerk).

    :raise ValidationFailedError: bad fields
    :raise NotAllowedError: the actor is no clerk of that unit
    """
    if process_id in forms.PUBLIC_STARTS:
        raise NotFoundError("this process is started through its own channel")
    validated = forms.validate_start(process_id, fields)
    clerk_units = [uid for role, uid, _ in actor.roles if role == access.CLERK]
    if org_unit_id is None and len(clerk_units) == 1:
        org_unit_id = clerk_units[0]
    if org_unit_id is None or org_unit_id not in clerk_units:
        raise NotAllowedError("only a clerk of the requesting unit may start this process")
    office = _unit_by_code(session, BURDEN_OFFICE_CODE)
    data = {**registry.DEFAULT_SETTINGS.get(process_id, {}), **(settings or {}), **validated}
    data["lane_scopes"] = {
        access.CLERK: org_unit_id,
        access.UNIT_HEAD: org_unit_id,
        access.BURDEN_OFFICE: office.id,
    }
    data = registry.start_data(session, actor, process_id, org_unit_id, data)
    pv = processes.for_start(session, process_id, data, org_unit_id)

    def load() -> tuple[Case, CaseState | None]:
        at = _now(None, now)
        # A plain insert, then the row as an ORM object through the prebuilt read (the
        # ORM's flush of a new object cost more than both).
        inserted = session.connection().execute(
            store.CASE_TABLE.insert(),
            {
                "case_type": process_id,
                "status": "new",
                "title": validated.get("title", ""),
                "version": 0,
                "process_version_id": pv.id,
                "scope_org_unit_id": org_unit_id,
                "snapshot": "",
                "data": "{}",
                "last_event_hash": GENESIS,
                "created_by": actor.user_id,
                "created_at": at,
                "updated_at": at,
            },
        )
        key = inserted.inserted_primary_key
        assert key is not None
        case, _ = _case(session, int(key[0]))
        return case, None

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        return EventDraft(
            CASE_STARTED,
            at=case.created_at,
            actor_id=actor.user_id,
            actor_role=access.CLERK,
            inputs={
                "data": data,
                "scope_org_unit_id": org_unit_id,
                "title": validated.get("title", ""),
            },
        )

    return run_command(session, load=load, decide=decide, idempotency=idempotency)


def _load_visible(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    live: bool = False,
    paths: dict[int, str] | None = None,
) -> tuple[Case, CaseState]:
    """The case and its state if the actor may see it (decided from every (role, unit) its
    tasks were ever offered to). `live=True` (the commands): the state holds only the open
    tasks and pending jobs (`store.load_state`). The unit paths read go into `paths` when
    given (for the command's lane check)."""
    case, scope_path = _case(session, case_id)
    state = load_state(session, case, live=live)
    lanes, read = store.task_lanes(session, case.id)
    if case.scope_org_unit_id is not None and scope_path is not None:
        read[case.scope_org_unit_id] = scope_path
    if not can_see(actor, case, state, read, lanes=lanes):
        raise NotFoundError("no such case")
    if paths is not None:
        paths.update(read)
    return case, state


# Prebuilt: building a query costs more than running it. The case with its unit's path.
_CASE_Q = (
    select(Case, OrgUnit.path)
    .outerjoin(OrgUnit, OrgUnit.id == Case.scope_org_unit_id)
    .where(Case.id == bindparam("id"))
    .execution_options(populate_existing=True)
)


def _case(session: Session, case_id: int) -> tuple[Case, str | None]:
    row = session.execute(_CASE_Q, {"id": case_id}).one_or_none()
    if row is None:
        raise NotFoundError("no such case")
    return row[0], row[1]


def _path(session: Session, unit_id: int | None, known: dict[int, str] | None) -> str | None:
    """A unit's path, from what the command's visibility check read when it has it."""
    if unit_id is None:
        return None
    return (known or {}).get(unit_id) or access.unit_path(session, unit_id)


def can_see(
    actor: Actor,
    case: Case,
    state: CaseState,
    paths: dict[int, str],
    *,
    lanes: list[tuple[str, int | None]] | None = None,
) -> bool:
    """Whether the actor may see the case; `lanes`: every (role, unit) its tasks were ever
    offered to, when `state` holds only the live tasks (default: from `state.tasks`)."""
    scope_path = paths.get(case.scope_org_unit_id) if case.scope_org_unit_id else None
    if actor.reads_all(scope_path) or actor.covers(scope_path):
        return True
    if lanes is None:
        lanes = [(t.role, t.scope_org_unit_id) for t in state.tasks.values()]
    # Whoever holds a task's role in its unit sees the case, and so does that unit's head
    # (who answers for the unit's deadlines).
    return any(
        unit is not None
        and (
            actor.holds(role, paths.get(unit))
            or actor.holds(access.UNIT_HEAD, paths.get(unit))
        )
        for role, unit in lanes
    )


def _live_task(session: Session, case: Case, state: CaseState, task_uuid: str) -> TaskView:
    """The open task of a live state; a finished one (not loaded) still says it is done."""
    task = state.tasks.get(task_uuid)
    if task is None and store.task_state(session, case.id, task_uuid) is not None:
        raise InvalidTransitionError("this task is already done")
    return _open_task(state, task_uuid)


def _open_task(state: CaseState, task_uuid: str) -> TaskView:
    task = state.tasks.get(task_uuid)
    if task is None:
        raise NotFoundError("no such task")
    if task.state != "open":
        raise InvalidTransitionError("this task is already done")
    return task


def _require_lane(
    session: Session, actor: Actor, task: TaskView, paths: dict[int, str] | None = None
) -> str | None:
    path = _path(session, task.scope_org_unit_id, paths)
    if not actor.holds(task.role, path):
        raise NotAllowedError("you do not hold the role for this task")
    return path


def complete_task(
    session: Session,
    actor: Actor,
    case_id: int,
    task_uuid: str,
    fields: dict[str, Any],
    *,
    idempotency: Idempotency | None = None,
    now: datetime | None = None,
) -> CommandResult:
    """Complete an open user task with its validated form.

    :raise NotFoundError: case or task unknown or out of scope
    :raise NotAllowedError: wrong role, or claimed by someone else
    :raise InvalidTransitionError / ConflictError: the task is done or the case moved on
    :raise ValidationFailedError: the form failed validation
    """

    paths: dict[int, str] = {}

    def load() -> tuple[Case, CaseState | None]:
        return _load_visible(session, actor, case_id, live=True, paths=paths)

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        assert state is not None
        task = _live_task(session, case, state, task_uuid)
        _require_lane(session, actor, task, paths)
        # Someone else's task only for their substitute, recorded as acting on their behalf.
        on_behalf = substitution.acting_for(session, actor, task.claimant_id, _now(case, now))
        data = forms.validate_task(case.case_type, task.task_id, fields, case_data=state.data)
        data = registry.task_inputs(session, case, state, task.task_id, data,
                                    now=_now(case, now))
        schema = forms.schema_hash(case.case_type, task.task_id)
        inputs: dict[str, Any] = {"data": data, "schema": schema}
        if on_behalf is not None:
            inputs["on_behalf_of"] = on_behalf
        return _task_event(TASK_COMPLETED, case, task, actor, inputs, now)

    return run_command(session, load=load, decide=decide, idempotency=idempotency)


def _task_event(
    event_type: str,
    case: Case,
    task: TaskView,
    actor: Actor,
    inputs: dict[str, Any],
    now: datetime | None,
) -> EventDraft:
    """The event of an actor's command on one task (the actor acts in the task's role)."""
    return EventDraft(
        event_type,
        at=_now(case, now),
        actor_id=actor.user_id,
        actor_role=task.role,
        task_uuid=task.task_uuid,
        task_id=task.task_id,
        inputs=inputs,
    )


def _claimant_command(
    session: Session,
    actor: Actor,
    case_id: int,
    task_uuid: str,
    event_type: str,
    check: Any,
    user_id: int | None,
    idempotency: Idempotency | None,
    now: datetime | None,
) -> CommandResult:
    def load() -> tuple[Case, CaseState | None]:
        return _load_visible(session, actor, case_id, live=True)

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        assert state is not None
        task = _live_task(session, case, state, task_uuid)
        check(task)
        return _task_event(event_type, case, task, actor, {"user_id": user_id}, now)

    return run_command(session, load=load, decide=decide, idempotency=idempotency)


def claim_task(
    session: Session,
    actor: Actor,
    case_id: int,
    task_uuid: str,
    *,
    idempotency: Idempotency | None = None,
    now: datetime | None = None,
) -> CommandResult:
    """Take an open task of one of the actor's groups into the actor's own inbox."""

    def check(task: TaskView) -> None:
        _require_lane(session, actor, task)
        if task.claimant_id is not None:
            raise ConflictError("this task is already claimed")

    return _claimant_command(
        session, actor, case_id, task_uuid, TASK_CLAIMED, check, actor.user_id, idempotency, now
    )


def release_task(
    session: Session,
    actor: Actor,
    case_id: int,
    task_uuid: str,
    *,
    idempotency: Idempotency | None = None,
    now: datetime | None = None,
) -> CommandResult:
    """Give a claimed task back to its group (the claimant or the unit head)."""

    def check(task: TaskView) -> None:
        path = (
            _require_lane(session, actor, task)
            if task.claimant_id == actor.user_id
            else access.unit_path(session, task.scope_org_unit_id)
        )
        if task.claimant_id is None:
            raise ConflictError("this task is not claimed")
        if task.claimant_id != actor.user_id and not actor.holds(access.UNIT_HEAD, path):
            raise NotAllowedError("only the claimant or the unit head may release this task")

    return _claimant_command(
        session, actor, case_id, task_uuid, TASK_RELEASED, check, None, idempotency, now
    )


def reassign_task(
    session: Session,
    actor: Actor,
    case_id: int,
    task_uuid: str,
    to_user_id: int,
    *,
    idempotency: Idempotency | None = None,
    now: datetime | None = None,
) -> CommandResult:
    """The unit head gives an open task to a colleague who holds the task's role."""

    def check(task: TaskView) -> None:
        path = access.unit_path(session, task.scope_org_unit_id)
        if not actor.holds(access.UNIT_HEAD, path):
            raise NotAllowedError("only the unit head may reassign this task")
        target = session.get(User, to_user_id)
        if target is None or not target.active:
            raise ValidationFailedError({"to_user_id": ["no such active user"]})
        if not access.load_actor(session, to_user_id).holds(task.role, path):
            raise ValidationFailedError({"to_user_id": ["this user does not hold the task's role"]})

    return _claimant_command(
        session, actor, case_id, task_uuid, TASK_REASSIGNED, check, to_user_id, idempotency, now
    )


def get_case(session: Session, actor: Actor, case_id: int) -> tuple[Case, CaseState]:
    """The case and its current state, if the actor may see it (else NotFoundError)."""
    return _load_visible(session, actor, case_id)
