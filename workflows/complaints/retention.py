"""Retention and erasure of a complainant's personal data (issue 17; PIPL's shortest
necessary retention). docs/complaints.md, "Retention".

What is personal here: the sealed identity (name and phone of a named complaint) and the
sealed originals of the files a complainant attached (their metadata may locate them). The
case history never held either: it holds their SHA-256 only (files) or nothing (identity).
So erasing them breaks no hash chain and no replay.

Erasure is one `personal_data_erased` event on the case, by the system (retention) or by the
complainant (with the receipt code); its inputs name what was erased by hash, never by value.
The staff copies of files (scrubbed, without metadata) and the case stay.

The worker erases, `RETENTION_DAYS` (default 365) after a complaint closed, everything of
complaints closed for that long (`retention` batch job; JIANFU_RETENTION_DAYS, 0 = off).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import Attachment, Case, ComplaintIdentity
from workflows.kernel.access import COMPLAINANT
from workflows.kernel.commands import CommandResult, run_command
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import PERSONAL_DATA_ERASED, CaseState, EventDraft
from workflows.kernel.store import load_state

PROCESS = str(ProcessId.BURDEN_COMPLAINT)
DEFAULT_DAYS = 365
FINISHED = ("closed", "rejected", "merged")
ERASED = b""  # what an erased original holds (its SHA-256 stays beside it)
RUN_EVERY = 3600.0


@dataclass(frozen=True)
class RetentionSettings:
    days: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RetentionSettings | None:
        days = int(env.get("JIANFU_RETENTION_DAYS", str(DEFAULT_DAYS)) or 0)
        return cls(days) if days > 0 else None


def holds_personal_data(session: Session, case_id: int) -> bool:
    identity = session.get(ComplaintIdentity, case_id) is not None
    originals = session.scalar(select(exists().where(
        Attachment.case_id == case_id, Attachment.original_sealed != ERASED)))
    return identity or bool(originals)


def erase(session: Session, case_id: int, *, reason: str, now: datetime,
          by_complainant: bool = False) -> CommandResult | None:
    """Erase the case's sealed identity and sealed originals in one event; None when there
    is nothing (left) to erase."""
    if not holds_personal_data(session, case_id):
        session.rollback()
        return None

    def load() -> tuple[Case, CaseState | None]:
        case = session.get(Case, case_id, populate_existing=True)
        if case is None or case.case_type != PROCESS:
            raise ValueError(f"case {case_id} is not a complaint")
        return case, load_state(session, case, live=True)

    def decide(case: Case, _state: CaseState | None) -> EventDraft:
        identity = session.get(ComplaintIdentity, case_id)
        files = session.execute(select(Attachment.id, Attachment.original_sha256)
                                .where(Attachment.case_id == case_id,
                                       Attachment.original_sealed != ERASED)
                                .order_by(Attachment.id)).all()
        inputs: dict[str, Any] = {
            "reason": reason,
            "identity_sealed_sha256": (hashlib.sha256(identity.sealed).hexdigest()
                                       if identity is not None else None),
            "originals": [{"attachment_id": i, "original_sha256": h} for i, h in files],
        }
        return EventDraft(PERSONAL_DATA_ERASED, at=max(now, case.updated_at),
                          actor_role=COMPLAINANT if by_complainant else None, inputs=inputs)

    def before_write(case: Case, _draft: EventDraft) -> None:
        session.execute(delete(ComplaintIdentity).where(ComplaintIdentity.case_id == case.id))
        session.execute(update(Attachment).where(Attachment.case_id == case.id)
                        .values(original_sealed=ERASED))

    return run_command(session, load=load, decide=decide, before_write=before_write)


def due(session: Session, now: datetime, days: int) -> list[int]:
    """Complaints finished more than `days` ago that still hold personal data."""
    limit = now - timedelta(days=days)
    sealed_file = exists().where(Attachment.case_id == Case.id,
                                 Attachment.original_sealed != ERASED)
    identity = exists().where(ComplaintIdentity.case_id == Case.id)
    return list(session.scalars(
        select(Case.id).where(Case.case_type == PROCESS, Case.status.in_(FINISHED),
                              Case.updated_at <= limit, or_(identity, sealed_file))
        .order_by(Case.id)))


def run_retention(make_session: sessionmaker[Session], settings: RetentionSettings,
                  _owner: str, now: datetime) -> None:
    """The worker's batch job: erase what is due, one case per transaction."""
    with make_session() as session:
        ids = due(session, now, settings.days)
        session.rollback()
        for case_id in ids:
            erase(session, case_id, reason="retention", now=now)
