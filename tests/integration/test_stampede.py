"""T1.1 — same-task stampede: 2 processes x 8 threads, released by one barrier, make 1,000
attempts to complete one open task through `cases.complete_task`.

Pass: exactly 1 success, 999 conflicts (ConflictError, InvalidTransitionError included),
0 other errors, 1 task_completed event, case version +1, audit and replay clean.
"""

from __future__ import annotations

from models import Case
from tests.integration.harness import (
    count_events,
    fresh_definition_cache,  # noqa: F401
    history_problems,
    mp_context,
    new_case,
)
from tests.integration.harness.procs import stampede
from workflows.kernel.state import TASK_COMPLETED

PROCESSES, THREADS, ATTEMPTS = 2, 8, 1000


def test_one_winner_among_1000_attempts(demo_world, db_url):
    with demo_world() as s:
        case_id, task_uuid = new_case(s, until="sign_off", title="stampede")
        version_before = s.get(Case, case_id).version

    per_thread = [ATTEMPTS // (PROCESSES * THREADS)] * (PROCESSES * THREADS)
    for i in range(ATTEMPTS - sum(per_thread)):
        per_thread[i] += 1
    ctx = mp_context()
    barrier, out = ctx.Barrier(PROCESSES * THREADS), ctx.Queue()
    procs = [ctx.Process(target=stampede, args=(db_url, case_id, task_uuid,
                                                per_thread[p * THREADS:(p + 1) * THREADS],
                                                barrier, out))
             for p in range(PROCESSES)]
    for p in procs:
        p.start()
    reports = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(10)
        assert p.exitcode == 0

    counts = {k: sum(r["counts"].get(k, 0) for r in reports)
              for k in ("ok", "invalid", "conflict", "other")}
    others = [o for r in reports for o in r["others"]]
    assert sum(counts.values()) == ATTEMPTS
    assert counts["other"] == 0, others
    assert counts["ok"] == 1, counts
    assert counts["invalid"] + counts["conflict"] == ATTEMPTS - 1, counts

    with demo_world() as s:
        assert count_events(s, case_id=case_id, task_uuid=task_uuid, type=TASK_COMPLETED) == 1
        assert s.get(Case, case_id).version == version_before + 1
        assert history_problems(s, [case_id]) == []
