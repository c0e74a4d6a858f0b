"""Delegation: whoever holds a task (or stands in for its holder) hands it to a colleague
of the same unit who holds the task's role. One command, one `task_delegated` event that
sets the claimant (a claimant event, replayed like claim and reassign)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, RoleAssignment, User
from workflows.kernel import access, cases, substitution
from workflows.kernel.access import Actor
from workflows.kernel.commands import CommandResult, Idempotency, run_command
from workflows.kernel.errors import NotAllowedError, ValidationFailedError
from workflows.kernel.state import TASK_DELEGATED, CaseState, EventDraft, TaskView


def _units_for(actor: Actor, role: str, path: str | None) -> set[int]:
    """The org units at which `actor` holds a role that works `role`'s lane at `path`."""
    accepted = access.lane_roles(role)
    return {u for r, u, p in actor.roles
            if r in accepted and path is not None and path.startswith(p)}


def check_colleague(
    session: Session, holder: Actor, task: TaskView, to_user_id: int, field: str = "to_user_id"
) -> None:
    """`to_user_id` holds the task's role at a unit where `holder` holds it too.

    :raise ValidationFailedError: naming `field`
    """
    target = session.get(User, to_user_id)
    if target is None or not target.active:
        raise ValidationFailedError({field: ["no such active user"]})
    path = access.unit_path(session, task.scope_org_unit_id)
    other = access.load_actor(session, to_user_id)
    units = _units_for(holder, task.role, path)
    if units & _units_for(other, task.role, path):
        return
    if units & {u for _, u, _ in other.roles}:  # same unit, another role
        raise ValidationFailedError({field: ["this user does not hold the task's role"]})
    raise ValidationFailedError({field: ["this colleague is not in your unit"]})


def delegate_task(
    session: Session,
    actor: Actor,
    case_id: int,
    task_uuid: str,
    to_user_id: int,
    *,
    idempotency: Idempotency | None = None,
    now: datetime | None = None,
) -> CommandResult:
    """Hand a task the actor holds (or holds for someone away) to a colleague.

    :raise NotFoundError: case or task unknown or out of scope
    :raise NotAllowedError: the actor does not hold the task (claim it first)
    :raise ValidationFailedError: the colleague is unknown, of another unit or role
    """

    def load() -> tuple[Case, CaseState | None]:
        return cases.get_case(session, actor, case_id)

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        assert state is not None
        task = cases._open_task(state, task_uuid)
        cases._require_lane(session, actor, task)
        if task.claimant_id is None:
            raise NotAllowedError("only a task you hold can be delegated; claim it first")
        at = cases._now(case, now)
        on_behalf = substitution.acting_for(session, actor, task.claimant_id, at)
        # The colleague must share the unit of whoever holds the task.
        holder = actor if on_behalf is None else access.load_actor(session, on_behalf)
        if to_user_id == task.claimant_id:
            raise ValidationFailedError({"to_user_id": ["this colleague already holds the task"]})
        check_colleague(session, holder, task, to_user_id)
        inputs: dict[str, Any] = {"user_id": to_user_id, "from_user_id": task.claimant_id}
        if on_behalf is not None:
            inputs["on_behalf_of"] = on_behalf
        return EventDraft(TASK_DELEGATED, at=at, actor_id=actor.user_id, actor_role=task.role,
                          task_uuid=task.task_uuid, task_id=task.task_id, inputs=inputs)

    return run_command(session, load=load, decide=decide, idempotency=idempotency)


def colleagues(session: Session, holder: Actor, task: TaskView) -> list[tuple[int, str]]:
    """(id, name) of the active people a task may be delegated to (`check_colleague`)."""
    path = access.unit_path(session, task.scope_org_unit_id)
    units = _units_for(holder, task.role, path)
    if not units:
        return []
    rows = session.execute(
        select(User.id, User.display_name)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.org_unit_id.in_(units),
               RoleAssignment.role.in_(access.lane_roles(task.role)),
               User.active.is_(True), User.id != task.claimant_id)
        .group_by(User.id, User.display_name)
        .order_by(User.display_name, User.id))
    return [(uid, name) for uid, name in rows]
