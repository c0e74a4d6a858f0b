"""The worker: claims due jobs with a lease and fires each as a command, exactly once.

Claiming: PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`, SQLite a conditional UPDATE
(SQLite writers are serialized anyway). Firing runs the timer command; inside its
transaction a conditional UPDATE marks the job done only if it is still pending and still
leased to this worker, so a second worker or a re-run after a crash cannot fire it again.

When SMTP is configured (`outbox.MailSettings.from_env`: JIANFU_SMTP_HOST ...), each run also
queues the notification digests that are due and sends a batch of the outbox.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import Case, DueJob, utcnow
from models.db import begin_write
from workflows import audit_runs
from workflows.access import SYSTEM
from workflows.audit_export import Signer, sign_checkpoints
from workflows.commands import run_command
from workflows.errors import CaseError, ConflictError
from workflows.notification_mail import queue_digests
from workflows.outbox import MailSettings, send_outbox
from workflows.state import TIMER_FIRED, TIMER_JOB, CaseState, EventDraft
from workflows.store import load_state

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
SIGN_EVERY = 300.0  # seconds between signed checkpoints of the global log
# Seconds between recorded verifications of the history (the audit page shows the last).
VERIFY_EVERY = 3600.0
MAX_ATTEMPTS = 3
MAIL_EVERY = 15.0  # seconds between mail passes of run_forever
FROM_ENV: Literal["env"] = "env"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim(
    session: Session, owner: str, now: datetime, limit: int = 50, lease: timedelta = LEASE
) -> list[int]:
    """Lease up to `limit` due jobs to `owner`; returns their ids (committed)."""
    begin_write(session)
    free = or_(DueJob.lease_until.is_(None), DueJob.lease_until < now)
    query = (
        select(DueJob.id)
        .where(DueJob.state == "pending", DueJob.due_at < now, free)
        .order_by(DueJob.due_at, DueJob.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(DueJob)
            .where(DueJob.id.in_(ids), DueJob.state == "pending", free)
            .values(lease_owner=owner, lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return ids


def fire(session: Session, job_id: int, owner: str, now: datetime | None = None) -> bool:
    """Fire one leased job as a command. True when this call recorded its effect."""
    job = session.get(DueJob, job_id, populate_existing=True)
    if job is None or job.state != "pending" or job.lease_owner != owner:
        session.rollback()
        return False
    case_id, due_at, kind, key = job.case_id, job.due_at, job.kind, job.key
    session.rollback()

    def load() -> tuple[Case, CaseState | None]:
        case = session.get(Case, case_id, populate_existing=True)
        assert case is not None
        return case, load_state(session, case)

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        at = max(now or utcnow(), due_at + timedelta(microseconds=1), case.updated_at)
        if kind != TIMER_JOB:
            raise CaseError(f"unknown job kind {kind}")
        return EventDraft(
            TIMER_FIRED, at=at, actor_role=SYSTEM, inputs={"job": {"kind": kind, "key": key}}
        )

    def mark_done(case: Case, draft: EventDraft) -> None:
        done = session.execute(
            update(DueJob)
            .where(DueJob.id == job_id, DueJob.state == "pending", DueJob.lease_owner == owner)
            .values(attempts=DueJob.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError("job already fired or re-leased")

    try:
        run_command(session, load=load, decide=decide, before_write=mark_done)
    except ConflictError:
        return False
    except CaseError as err:
        _record_failure(session, job_id, owner, str(err))
        return False
    return True


def _record_failure(session: Session, job_id: int, owner: str, message: str) -> None:
    begin_write(session)
    job = session.get(DueJob, job_id, populate_existing=True)
    if job is None or job.lease_owner != owner:
        session.rollback()
        return
    job.attempts += 1
    job.last_error = message[:500]
    job.lease_owner, job.lease_until = None, None
    if job.attempts >= MAX_ATTEMPTS:
        job.state = "failed"
        logger.error("job %s failed %s times, now an incident: %s", job_id, job.attempts, message)
    session.commit()


def run_mail(
    make_session: sessionmaker[Session], settings: MailSettings, owner: str, now: datetime
) -> None:
    """Queue the digests that are due, then send one batch of the outbox."""
    with make_session() as session:
        queue_digests(session, now, budget_per_day=settings.budget_per_day,
                      digest_after=settings.digest_after, base_url=settings.base_url)
        send_outbox(session, settings.smtp, now, owner)


def run_once(
    make_session: sessionmaker[Session],
    owner: str | None = None,
    clock: Callable[[], datetime] = utcnow,
    limit: int = 50,
    lease: timedelta = LEASE,
    mail: MailSettings | Literal["env"] | None = FROM_ENV,
) -> int:
    """Claim and fire one batch; returns how many jobs this call fired. Then, with `mail`
    (by default from the environment; None = no mail), queue digests and send mail."""
    owner = owner or worker_name()
    fired = 0
    with make_session() as session:
        for job_id in claim(session, owner, clock(), limit, lease):
            if fire(session, job_id, owner, clock()):
                fired += 1
    settings = MailSettings.from_env(os.environ) if mail == FROM_ENV else mail
    if isinstance(settings, MailSettings):
        try:
            run_mail(make_session, settings, owner, clock())
        except Exception:  # mail trouble must not hide (or stop) the timers fired above
            logger.exception("mail batch failed")
    return fired


def run_forever(
    make_session: sessionmaker[Session],
    *,
    poll: float = 1.0,
    stop: threading.Event | None = None,
    owner: str | None = None,
    limit: int = 50,
    lease: timedelta = LEASE,
    signer: Signer | None = None,
    sign_every: float = SIGN_EVERY,
    # Verify the history and record the run (audit_runs) this often; None or 0: never.
    verify_every: float | None = VERIFY_EVERY,
    mail: MailSettings | Literal["env"] | None = FROM_ENV,
    mail_every: float = MAIL_EVERY,
) -> None:
    """Fire due jobs until `stop` is set; with a `signer`, also checkpoint and sign the
    global log every `sign_every` seconds; with mail settings (by default from the
    environment), queue digests and send mail every `mail_every` seconds."""
    stop = stop or threading.Event()
    owner = owner or worker_name()
    settings = MailSettings.from_env(os.environ) if mail == FROM_ENV else mail
    logger.info("worker %s started (poll %.1fs, mail %s)", owner, poll,
                f"via {settings.smtp.host}" if isinstance(settings, MailSettings) else "off")
    next_sign = next_mail = time.monotonic()
    next_verify = time.monotonic() + (verify_every or 0.0)
    while not stop.is_set():
        try:
            mail_now = settings if time.monotonic() >= next_mail else None
            if mail_now is not None:
                next_mail = time.monotonic() + mail_every
            fired = run_once(make_session, owner, limit=limit, lease=lease, mail=mail_now)
            if signer is not None and time.monotonic() >= next_sign:
                with make_session() as session:
                    sign_checkpoints(session, signer)
                next_sign = time.monotonic() + sign_every
            if verify_every and time.monotonic() >= next_verify:
                with make_session() as session:
                    audit_runs.record(session, source="worker",
                                      public_key=signer.public_hex if signer else None)
                next_verify = time.monotonic() + verify_every
        except Exception:  # a worker must outlive a bad batch; the lease frees the jobs
            logger.exception("worker batch failed")
            fired = 0
        if not fired:
            stop.wait(poll)


def start_in_process(
    make_session: sessionmaker[Session], poll: float = 1.0, signer: Signer | None = None,
    verify_every: float | None = VERIFY_EVERY,
) -> threading.Event:
    """The embedded worker for `make run`: a daemon thread; set the returned event to stop."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(make_session,),
        kwargs={"poll": poll, "stop": stop, "signer": signer, "verify_every": verify_every},
        daemon=True,
        name="jianfu-worker",
    )
    thread.start()
    time.sleep(0)
    return stop
