"""The command cycle (DESIGN §2) as one generic path.

load -> authorize and validate (`decide`) -> run the reducer -> write snapshot, projections
and the event -> compare-and-set `version` -> commit. Every "someone else got there first"
outcome becomes `ConflictError`; client-retryable commands carry an idempotency key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import Case, IdempotencyKey, utcnow
from models.db import begin_write
from workflows.kernel import engine, processes, registry
from workflows.kernel.errors import CaseError, ConflictError, IdempotencyMismatchError
from workflows.kernel.history import canonical, sha256
from workflows.kernel.state import (
    CASE_STARTED,
    ENGINE_REV_INPUT,
    CaseState,
    EventDraft,
    apply_event,
)
from workflows.kernel.store import (
    append_event,
    compare_and_set,
    hash_draft,
    load_calendar,
    record_idempotency,
    write_state,
)

logger = logging.getLogger(__name__)

CONFLICT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


@dataclass(frozen=True)
class CommandResult:
    case_id: int
    version: int
    status: str
    seq: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Idempotency:
    """A client's retry key: `scope` is whose key it is ("user:7", "public")."""

    scope: str
    key: str
    body: dict[str, Any]

    @property
    def request_hash(self) -> str:
        return sha256(canonical(self.body))


Loader = Callable[[], tuple[Case, CaseState | None]]
Decider = Callable[[Case, CaseState | None], EventDraft]
Hook = Callable[[Case, EventDraft], None]


def is_conflict(err: BaseException) -> bool:
    """True for every database error that means a concurrent writer won."""
    if isinstance(err, StaleDataError):
        return True
    if isinstance(err, IntegrityError):
        # Only a unique violation means "someone else inserted first"; NOT NULL, foreign
        # key and CHECK violations are programming errors and must not look retryable.
        code = getattr(err.orig, "sqlstate", None)
        return code == "23505" or str(err.orig).startswith("UNIQUE constraint failed")
    if isinstance(err, OperationalError):
        text = str(err.orig).lower()
        if "locked" in text or "busy" in text:
            return True
    if isinstance(err, DBAPIError):
        code = getattr(err.orig, "sqlstate", None) or getattr(err.orig, "pgcode", None)
        return code in CONFLICT_SQLSTATES
    return False


def _prior(session: Session, idem: Idempotency) -> CommandResult | None:
    row = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.scope == idem.scope, IdempotencyKey.key == idem.key
        )
    )
    if row is None:
        return None
    if row.request_hash != idem.request_hash:
        raise IdempotencyMismatchError(
            "this Idempotency-Key was already used with a different request body"
        )
    return CommandResult(**row.result)


def run_command(
    session: Session,
    *,
    load: Loader,
    decide: Decider,
    idempotency: Idempotency | None = None,
    before_write: Hook | None = None,
) -> CommandResult:
    """Run one command in one transaction and commit it; see the module docstring."""
    try:
        begin_write(session)
        if idempotency is not None:
            prior = _prior(session, idempotency)
            if prior is not None:
                session.rollback()
                return prior
        case, state = load()
        draft = decide(case, state)
        if draft.type == CASE_STARTED:
            # The start records the engine revision the case runs with (replay reads it).
            draft = replace(draft, inputs={**draft.inputs, ENGINE_REV_INPUT: engine.ENGINE_REV})
        defn = processes.definition(session, case.process_version_id)
        calendar = load_calendar(session, draft.at)
        expected = case.version
        seq = expected + 1
        new, diff = apply_event(defn, case.id, seq, state, draft, calendar)
        if before_write is not None:
            before_write(case, draft)
        prev_hash = case.last_event_hash
        own = hash_draft(case.id, seq, prev_hash, draft, diff)
        version = compare_and_set(session, case, new, expected, own, draft.at, 1)
        write_state(session, case, state, new, draft.at)
        # What features registered (workflows.kernel.registry), in their defined order.
        for project in registry.PROJECTIONS:
            project(session, case, draft, state, new)
        # The global log's head is locked last, so it is held for the shortest time.
        append_event(session, case, seq, prev_hash, draft, diff, own)
        result = CommandResult(case.id, version, new.status, seq)
        if idempotency is not None:
            record_idempotency(session, idempotency.scope, idempotency.key,
                               idempotency.request_hash, result.as_dict(), utcnow())
        session.commit()
        return result
    except CaseError:
        session.rollback()
        raise
    except (DBAPIError, StaleDataError) as err:
        session.rollback()
        if idempotency is not None and isinstance(err, IntegrityError):
            prior = _prior(session, idempotency)
            session.rollback()
            if prior is not None:
                return prior
        if is_conflict(err):
            raise ConflictError("someone else changed this case first; reload and retry") from err
        raise
    except BaseException:
        session.rollback()
        raise
