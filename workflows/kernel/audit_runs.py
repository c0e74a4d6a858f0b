"""Recorded verifications of the history (`AuditRun`): what the audit page shows as "the
last verification and any break found".

A run is `audit.verify` (every per-case chain, the global chain, the log head and the
checkpoints) plus, when a public key is configured, the Ed25519 signature of every signed
checkpoint. The worker records a run periodically, the CLI's `jianfu audit verify` and the
page's "verify now" one each.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditRun, CaseEvent, LogCheckpoint, utcnow
from models.db import begin_write
from workflows.kernel import audit
from workflows.kernel.access import Actor, require_auditor
from workflows.kernel.audit_export import signature_ok
from workflows.kernel.history import iso

SOURCES = ("web", "worker", "cli")
MAX_PROBLEMS = 500  # stored per run; the count says how many there were in all


def check(session: Session, public_key: str | None = None) -> tuple[list[audit.Problem],
                                                                     int, int, int]:
    """(problems, events, checkpoints, signatures checked), reading only."""
    problems = audit.verify(session)
    events = session.scalar(select(func.count()).select_from(CaseEvent)) or 0
    checkpoints = list(session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.size)))
    signatures = 0
    if public_key:
        for cp in checkpoints:
            if cp.signature is None:
                continue  # the newest checkpoint may wait for the worker's next signing
            signatures += 1
            record = {"size": cp.size, "hash": cp.hash, "at": iso(cp.at),
                      "signature": cp.signature}
            if not signature_ok(public_key, record):
                problems.append(audit.Problem(
                    "signature", "checkpoint signature does not verify with the configured key",
                    global_seq=cp.size))
    session.rollback()
    return problems, events, len(checkpoints), signatures


def _problem(p: audit.Problem) -> dict[str, Any]:
    return {**asdict(p), "text": str(p)}


def record(
    session: Session,
    *,
    source: str,
    public_key: str | None = None,
    triggered_by: int | None = None,
    now: datetime | None = None,
) -> AuditRun:
    """Verify the history and store the run (one write transaction after the reading)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    problems, events, checkpoints, signatures = check(session, public_key)
    begin_write(session)
    run = AuditRun(
        at=now or utcnow(), ok=not problems,
        problems=[_problem(p) for p in problems[:MAX_PROBLEMS]],
        events_checked=events, checkpoints_checked=checkpoints,
        signatures_checked=signatures, triggered_by=triggered_by, source=source,
    )
    session.add(run)
    session.commit()
    return run


def verify_now(session: Session, actor: Actor, public_key: str | None = None) -> AuditRun:
    """The audit page's "verify now" (auditors and the supervision office only)."""
    require_auditor(actor)
    return record(session, source="web", public_key=public_key, triggered_by=actor.user_id)


def latest(session: Session, actor: Actor, limit: int = 20) -> list[AuditRun]:
    """The newest runs first."""
    require_auditor(actor)
    runs = list(session.scalars(select(AuditRun).order_by(AuditRun.at.desc(),
                                                          AuditRun.id.desc()).limit(limit)))
    session.rollback()
    return runs


def last_break(session: Session, actor: Actor) -> AuditRun | None:
    """The newest run that found a problem, if any."""
    require_auditor(actor)
    run = session.scalar(select(AuditRun).where(AuditRun.ok.is_(False))
                         .order_by(AuditRun.at.desc(), AuditRun.id.desc()).limit(1))
    session.rollback()
    return run
