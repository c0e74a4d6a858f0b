"""The inbox's 已办 (done) tab (issue 18, item 4): the tasks the actor completed, newest first,
so a case just approved is found again without typing its address. Read from the history
(the task_completed events the actor recorded) joined to the case and the task's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, HumanTask
from workflows.kernel.access import Actor
from workflows.kernel.state import TASK_COMPLETED

MAX_DONE = 50


@dataclass(frozen=True)
class DoneTask:
    case_id: int
    case_title: str
    case_type: str
    case_status: str
    task_id: str
    name: str
    done_at: datetime


def done_by(session: Session, actor: Actor, limit: int = MAX_DONE) -> list[DoneTask]:
    """The actor's latest completed tasks (one row per completion)."""
    if actor.user_id is None:
        return []
    rows = session.execute(
        select(CaseEvent.case_id, Case.title, Case.case_type, Case.status, CaseEvent.task_id,
               HumanTask.name, CaseEvent.at)
        .join(Case, Case.id == CaseEvent.case_id)
        .outerjoin(HumanTask, and_(HumanTask.case_id == CaseEvent.case_id,
                                   HumanTask.task_uuid == CaseEvent.task_uuid))
        .where(CaseEvent.actor_id == actor.user_id, CaseEvent.type == TASK_COMPLETED)
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(limit))
    return [DoneTask(c, t, ty, st, str(tid or ""), str(name or tid or ""), at)
            for c, t, ty, st, tid, name, at in rows]
