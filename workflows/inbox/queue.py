"""The inbox query: open tasks an actor may work on (claimed by them, or claimable by one
of their roles in scope). Plain SQL over the human_task projection; no workflow is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from models import Case, HumanTask, OrgUnit
from workflows.kernel.access import LANE_ROLES, Actor


def lanes_for(role: str) -> list[str]:
    """The lanes a role works in: its own plus the shared lanes that accept it."""
    return [role, *sorted(lane for lane, roles in LANE_ROLES.items() if role in roles)]


@dataclass(frozen=True)
class InboxRow:
    case_id: int
    case_title: str
    case_type: str
    task_uuid: str
    task_id: str
    name: str
    role: str
    claimant_id: int | None
    due_at: datetime | None
    case_version: int


def inbox(
    session: Session, actor: Actor, *, mine_only: bool = False, limit: int = 200
) -> list[InboxRow]:
    """Open tasks the actor may work on: claimed by them or claimable by their role x scope."""
    if actor.is_system or not actor.roles:
        return []
    group_terms = [
        and_(HumanTask.role.in_(lanes_for(role)), OrgUnit.path.startswith(path))
        for role, _, path in actor.roles
    ]
    mine = HumanTask.claimant_id == actor.user_id
    claimable = and_(HumanTask.claimant_id.is_(None), or_(*group_terms))
    cond = mine if mine_only else or_(mine, claimable)
    rows = session.execute(
        select(HumanTask, Case)
        .join(Case, Case.id == HumanTask.case_id)
        .join(OrgUnit, OrgUnit.id == HumanTask.scope_org_unit_id)
        .where(HumanTask.state == "open", cond)
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
        .limit(limit)
    )
    return [
        InboxRow(
            c.id,
            c.title,
            c.case_type,
            t.task_uuid,
            t.task_id,
            t.name,
            t.role,
            t.claimant_id,
            t.due_at,
            c.version,
        )
        for t, c in rows
    ]
