"""T1.2 — paired races at volume: N open tasks, two processes (two clerks of the same unit)
race on each one, released together by a barrier per task.

N = 1,000, the catalogue figure (PAIRED_RACES_N changes it).
Pass: N wins, N conflicts, 0 other errors, exactly one completion event per task,
0 duplicate or lost events, every case replays.
"""

from __future__ import annotations

import os
from collections import Counter

from sqlalchemy import func, select

from models import Case, CaseEvent
from tests.integration.harness import (
    PROCESS,
    actors,
    fresh_definition_cache,  # noqa: F401
    history_problems,
    mp_context,
    open_task,
)
from tests.integration.harness.procs import pair_racer
from workflows.kernel import cases
from workflows.kernel.state import CASE_STARTED, TASK_COMPLETED

N = int(os.environ.get("PAIRED_RACES_N", "1000"))


def test_paired_races(demo_world, db_url):
    with demo_world() as s:
        clerk = actors(s, "mz_clerk")["mz_clerk"]
        ids = [cases.start_case(s, clerk, PROCESS, {"title": f"race {i}"}).case_id
               for i in range(N)]
        targets = [(cid, open_task(s, cid, "draft_form")) for cid in ids]

    ctx = mp_context()
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=pair_racer, args=(db_url, who, targets, barrier, out))
             for who in ("mz_clerk", "mz_clerk2")]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(10)
        assert p.exitcode == 0

    outcomes = [kind for r in results for _, kind, _ in r]
    others = [detail for r in results for _, kind, detail in r if kind == "other"]
    assert others == []
    wins = Counter(cid for r in results for cid, kind, _ in r if kind == "ok")
    assert len(outcomes) == 2 * N
    assert sum(wins.values()) == N and set(wins) == set(ids), "one winner per task"
    assert outcomes.count("conflict") + outcomes.count("invalid") == N

    with demo_world() as s:
        per_case = dict(s.execute(
            select(CaseEvent.case_id, func.count()).where(CaseEvent.case_id.in_(ids))
            .group_by(CaseEvent.case_id)).all())
        assert per_case == {cid: 2 for cid in ids}, "started + exactly one completion"
        for cid in ids:
            types = list(s.scalars(select(CaseEvent.type).where(CaseEvent.case_id == cid)
                                   .order_by(CaseEvent.seq)))
            assert types == [CASE_STARTED, TASK_COMPLETED]
            assert s.get(Case, cid).version == 2
        assert history_problems(s, ids) == []
