"""A person's claimed tasks when they lose the right to act: after a deactivation every task
they hold, after a revoked role every task they no longer hold the role for, goes back to its
group through the command path (`cases.release_task` by the system actor, so each release is
an event of its case's history). The unit heads hear of a deactivation in the app."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import HumanTask, Notification, RoleAssignment, User
from models.human_task import HumanTaskState
from workflows.kernel import access, cases
from workflows.kernel.errors import CaseError
from workflows.notifications import notify

logger = logging.getLogger(__name__)

# The notification's text key (translated where notifications are shown).
PERSON_DEACTIVATED = "person_deactivated"


@dataclass(frozen=True)
class HeldTask:
    case_id: int
    task_uuid: str
    name: str
    role: str
    unit_id: int | None


def held_tasks(session: Session, user_id: int) -> list[HeldTask]:
    """The open tasks `user_id` has claimed (or was given), oldest first."""
    rows = session.scalars(
        select(HumanTask).where(HumanTask.claimant_id == user_id,
                                HumanTask.state == HumanTaskState.OPEN.value)
        .order_by(HumanTask.created_at, HumanTask.id))
    return [HeldTask(t.case_id, t.task_uuid, t.name, t.role, t.scope_org_unit_id)
            for t in rows]


def release(session: Session, tasks: list[HeldTask], now: datetime | None) -> list[HeldTask]:
    """Give each task back to its group; the ones released (a task finished or moved on
    meanwhile is skipped: nobody holds it any more)."""
    done = []
    for task in tasks:
        try:
            cases.release_task(session, access.SYSTEM_ACTOR, task.case_id, task.task_uuid,
                               now=now)
        except CaseError as err:
            session.rollback()
            logger.info("task %s of case %s not released: %s", task.task_uuid, task.case_id, err)
            continue
        done.append(task)
    return done


def no_longer_held(session: Session, user_id: int) -> list[HeldTask]:
    """The claimed tasks whose lane `user_id` no longer holds (after a revoked role)."""
    actor = access.load_actor(session, user_id)
    return [t for t in held_tasks(session, user_id)
            if not actor.holds(t.role, access.unit_path(session, t.unit_id))]


def tell_unit_heads(session: Session, user: User, tasks: list[HeldTask], at: datetime,
                    skip: int | None) -> int:
    """In the deactivation's transaction: tell the heads of the person's units and of the
    units of the tasks going back to their groups (flushed, not committed)."""
    units = {uid for uid in session.scalars(
        select(RoleAssignment.org_unit_id).where(RoleAssignment.user_id == user.id))}
    units |= {t.unit_id for t in tasks if t.unit_id is not None}
    told: dict[int, list[str]] = {}
    for unit_id in sorted(units):
        for head in notify.unit_heads(session, unit_id):
            if head not in (user.id, skip):
                names = told.setdefault(head, [])
                names += [t.name for t in tasks if t.unit_id == unit_id and t.name not in names]
    session.add_all(
        Notification(user_id=head, case_id=None, kind=PERSON_DEACTIVATED,
                     text_key=PERSON_DEACTIVATED,
                     params={"person": user.display_name, "tasks": "、".join(names),
                             "count": len(names)},
                     created_at=at)
        for head, names in sorted(told.items()))
    session.flush()
    return len(told)
