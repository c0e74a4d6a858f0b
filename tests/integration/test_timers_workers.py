"""T1.5 (timers) — every due timer fires exactly once with 2 worker processes that are
SIGKILLed and restarted several times.

200 report-form cases wait at review_form, their non-interrupting reminder timer overdue
(the cases were driven there with command timestamps 30 days ago). The workers are
`worker.run_once` loops (harness/procs.timer_worker) with a 2 s lease, so jobs of a killed
worker come back quickly.
Pass: every job `done`, exactly 1 timer_fired event per job, audit and replay clean; and the
same exactly-once check catches a worker that fires without the lease/state check.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import Case, CaseEvent, DueJob, utcnow
from tests.integration.harness import (
    fresh_definition_cache,  # noqa: F401
    history_problems,
    mp_context,
    new_case,
)
from tests.integration.harness.procs import timer_worker
from workflows.kernel import worker
from workflows.kernel.access import SYSTEM
from workflows.kernel.commands import run_command
from workflows.kernel.errors import InvalidTransitionError
from workflows.kernel.state import TIMER_FIRED, EventDraft
from workflows.kernel.store import load_state

N, KILLS, POLL, LEASE = 200, 6, 0.1, 2.0


def _due_cases(sessions, n):
    """n cases at review_form whose reminder (1 working day) fell due weeks ago. (With
    review_reminder_days=0 the engine fires the reminder inside the sign-off command itself,
    so no job would be left for a worker.)"""
    past = utcnow() - timedelta(days=30)
    with sessions() as s:
        return [new_case(s, "review_form", f"timer {i}", settings={"review_reminder_days": 1},
                         now=past)[0]
                for i in range(n)]


def exactly_once_problems(session, case_ids):
    """Each timer job of `case_ids` is done and has exactly one timer_fired effect."""
    jobs = list(session.scalars(select(DueJob).where(DueJob.case_id.in_(case_ids))))
    effects = Counter(
        (ev.case_id, ev.inputs["job"]["key"]) for ev in session.scalars(
            select(CaseEvent).where(CaseEvent.case_id.in_(case_ids),
                                    CaseEvent.type == TIMER_FIRED)))
    problems = [f"job {j.id} is {j.state}" for j in jobs if j.state != "done"]
    problems += [f"job {j.id} has {effects[(j.case_id, j.key)]} timer_fired effects"
                 for j in jobs if effects[(j.case_id, j.key)] != 1]
    known = {(j.case_id, j.key) for j in jobs}
    problems += [f"timer_fired for unknown job {k}" for k in effects if k not in known]
    return problems


def test_timers_fire_exactly_once_through_worker_kills(demo_world, db_url):
    ids = _due_cases(demo_world, N)
    with demo_world() as s:
        assert s.scalar(select(func.count()).select_from(DueJob).where(
            DueJob.case_id.in_(ids), DueJob.state == "pending")) == N

    ctx = mp_context()
    rng = random.Random(1505)

    def start():
        p = ctx.Process(target=timer_worker, args=(db_url, POLL, LEASE, 10), daemon=True)
        p.start()
        return p

    workers, kills = [start(), start()], 0
    deadline = time.monotonic() + 120
    try:
        while True:
            time.sleep(rng.uniform(0.1, 0.5))
            if kills < KILLS:
                victim = rng.randrange(2)
                workers[victim].kill()
                workers[victim].join(10)
                workers[victim] = start()
                kills += 1
            with demo_world() as s:
                pending = s.scalar(select(func.count()).select_from(DueJob).where(
                    DueJob.case_id.in_(ids), DueJob.state != "done"))
            if pending == 0 and kills == KILLS:
                break
            assert time.monotonic() < deadline, f"{pending} jobs still not done"
    finally:
        for p in workers:
            p.kill()
            p.join(10)

    with demo_world() as s:
        assert exactly_once_problems(s, ids) == []
        assert history_problems(s, ids) == []


def _unsafe_fire(session, job_id, *, stale_state=True):
    """A broken worker: fires the job's timer command with no lease and no state check.

    With `stale_state` it also feeds the reducer a state in which the job is still pending
    (as a worker that cached the case would), so the reducer's own guard is bypassed too.
    """
    job = session.get(DueJob, job_id, populate_existing=True)
    case_id, kind, key = job.case_id, job.kind, job.key
    session.rollback()

    def load():
        case = session.get(Case, case_id, populate_existing=True)
        state = load_state(session, case)
        if stale_state:
            for job_view in state.jobs.values():
                job_view.state = "pending"
        return case, state

    def decide(case, state):
        return EventDraft(TIMER_FIRED, at=max(utcnow(), case.updated_at), actor_role=SYSTEM,
                          inputs={"job": {"kind": kind, "key": key}})

    run_command(session, load=load, decide=decide)


@pytest.mark.tampers
def test_exactly_once_check_catches_a_worker_without_lease_check(demo_world):
    ids = _due_cases(demo_world, 2)
    with demo_world() as s:
        good, bad = (s.scalar(select(DueJob.id).where(DueJob.case_id == cid)) for cid in ids)
        # the real worker path, twice for one job: the second call records nothing
        owner = "harness-worker"
        assert {good, bad} <= set(worker.claim(s, owner, utcnow()))
        assert worker.fire(s, good, owner) is True
        assert worker.fire(s, good, owner) is False
        assert exactly_once_problems(s, [ids[0]]) == []
        # without the worker's checks the reducer still refuses a second firing ...
        _unsafe_fire(s, bad, stale_state=False)
        with pytest.raises(InvalidTransitionError):
            _unsafe_fire(s, bad, stale_state=False)
        # ... and a worker that also bypasses that guard is caught by the harness
        _unsafe_fire(s, bad)
        problems = exactly_once_problems(s, ids)
    assert problems == [f"job {bad} has 2 timer_fired effects"], problems
