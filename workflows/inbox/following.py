"""Following a case: it shows in the inbox's *following* tab. Personal, not case history
(following changes nothing about the case), so it is a plain row, not an event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import CaseFollow, utcnow
from models.db import begin_write
from workflows.kernel import cases
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotAllowedError


def is_following(session: Session, actor: Actor, case_id: int) -> bool:
    return actor.user_id is not None and session.scalar(
        select(CaseFollow.id).where(CaseFollow.user_id == actor.user_id,
                                    CaseFollow.case_id == case_id)) is not None


def set_following(
    session: Session, actor: Actor, case_id: int, follow: bool, *, now: datetime | None = None
) -> bool:
    """Follow (or stop following) a case the actor may see; idempotent. Returns `follow`.

    :raise NotFoundError: the case is unknown or out of the actor's scope
    """
    if actor.user_id is None:
        raise NotAllowedError("only a person can follow a case")
    cases.get_case(session, actor, case_id)  # 404 outside the actor's scope
    begin_write(session)
    try:
        if not follow:
            session.execute(delete(CaseFollow).where(CaseFollow.user_id == actor.user_id,
                                                     CaseFollow.case_id == case_id))
        elif not is_following(session, actor, case_id):
            session.add(CaseFollow(user_id=actor.user_id, case_id=case_id,
                                   created_at=now or utcnow()))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return follow
