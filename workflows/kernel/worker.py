"""The worker: claims due jobs with a lease and fires each as a command, exactly once.

Claiming: PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`, SQLite a conditional UPDATE
(SQLite writers are serialized anyway). Firing runs the timer command; inside its
transaction a conditional UPDATE marks the job done only if it is still pending and still
leased to this worker, so a second worker or a re-run after a crash cannot fire it again.

After the timers, each run does the batch jobs features registered
(`workflows.kernel.registry.BATCH_JOBS`), each configured from the environment unless the
caller gives its settings: e.g. the notification digests and the outbox when SMTP is set.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import Case, DueJob, utcnow
from models.db import begin_write
from workflows.kernel import audit_runs, registry
from workflows.kernel.access import SYSTEM
from workflows.kernel.audit_export import Signer, sign_checkpoints
from workflows.kernel.commands import run_command
from workflows.kernel.errors import CaseError, ConflictError
from workflows.kernel.state import TIMER_FIRED, TIMER_JOB, CaseState, EventDraft
from workflows.kernel.store import load_state

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
SIGN_EVERY = 300.0  # seconds between signed checkpoints of the global log
# Seconds between recorded verifications of the history (the audit page shows the last).
VERIFY_EVERY = 3600.0
MAX_ATTEMPTS = 3
FROM_ENV: Literal["env"] = "env"
# Settings per batch job by name (None: off); a job not named is configured from the
# environment (`BatchJob.settings`).
JobSettings = Mapping[str, object | None]


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
        return case, load_state(session, case, live=True)

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


def job_settings(jobs: JobSettings | Literal["env"] = FROM_ENV) -> dict[str, object]:
    """The registered batch jobs that are on, with their settings: those given in `jobs`,
    the rest read from the environment."""
    given = {} if jobs == FROM_ENV else dict(jobs)
    out: dict[str, object] = {}
    for name, job in registry.BATCH_JOBS.items():
        settings = given[name] if name in given else job.settings(os.environ)
        if settings is not None:
            out[name] = settings
    return out


def run_jobs(make_session: sessionmaker[Session], settings: Mapping[str, object], owner: str,
             now: datetime) -> None:
    """Run each batch job that is on; one job's trouble neither hides nor stops another's."""
    for name, value in settings.items():
        try:
            registry.BATCH_JOBS[name].run(make_session, value, owner, now)
        except Exception:
            logger.exception("batch job %s failed", name)


def run_once(
    make_session: sessionmaker[Session],
    owner: str | None = None,
    clock: Callable[[], datetime] = utcnow,
    limit: int = 50,
    lease: timedelta = LEASE,
    jobs: JobSettings | Literal["env"] = FROM_ENV,
) -> int:
    """Claim and fire one batch; returns how many jobs this call fired. Then run the batch
    jobs (`jobs`: settings by job name, None = off; by default all from the environment)."""
    owner = owner or worker_name()
    fired = 0
    with make_session() as session:
        for job_id in claim(session, owner, clock(), limit, lease):
            if fire(session, job_id, owner, clock()):
                fired += 1
    run_jobs(make_session, job_settings(jobs), owner, clock())
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
    jobs: JobSettings | Literal["env"] = FROM_ENV,
    job_every: Mapping[str, float] | None = None,
) -> None:
    """Fire due jobs until `stop` is set; with a `signer`, also checkpoint and sign the
    global log every `sign_every` seconds; run each batch job that is on (by default as
    the environment configures them) every `BatchJob.every` seconds (or `job_every[name]`)."""
    stop = stop or threading.Event()
    owner = owner or worker_name()
    settings = job_settings(jobs)
    logger.info("worker %s started (poll %.1fs, batch jobs: %s)", owner, poll,
                ", ".join(sorted(settings)) or "none")
    next_sign = time.monotonic()
    next_job = dict.fromkeys(settings, time.monotonic())
    next_verify = time.monotonic() + (verify_every or 0.0)
    while not stop.is_set():
        try:
            now = time.monotonic()
            due: dict[str, object | None] = dict.fromkeys(registry.BATCH_JOBS)
            for name, at in next_job.items():
                if now >= at:
                    due[name] = settings[name]
                    every = (job_every or {}).get(name, registry.BATCH_JOBS[name].every)
                    next_job[name] = now + every
            fired = run_once(make_session, owner, limit=limit, lease=lease, jobs=due)
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
