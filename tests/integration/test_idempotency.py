"""T1.8 — idempotent submission through `cases.start_case(..., idempotency=...)`.

Pass: 100 sequential retries with one key -> 1 case and 100 equal results; 20 concurrent
sends with one key (2 processes x 10 threads, one barrier) -> 1 case, every other send
returns the same CommandResult or a ConflictError; the same key with another body ->
IdempotencyMismatchError and nothing written.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Case, IdempotencyKey
from tests.integration.harness import (
    PROCESS,
    actors,
    fresh_definition_cache,  # noqa: F401
    history_problems,
    mp_context,
)
from tests.integration.harness.procs import idempotent_sender
from workflows.kernel import cases
from workflows.kernel.commands import Idempotency
from workflows.kernel.errors import IdempotencyMismatchError


def _cases_titled(session, title):
    return list(session.scalars(select(Case.id).where(Case.title == title)))


def test_sequential_retries_make_one_case(demo_world):
    with demo_world() as s:
        clerk = actors(s, "mz_clerk")["mz_clerk"]
    idem = Idempotency(scope=f"user:{clerk.user_id}", key="seq-retry-1", body={"title": "重试"})
    results = []
    for _ in range(100):
        with demo_world() as s:
            results.append(cases.start_case(s, clerk, PROCESS, {"title": "重试"},
                                            idempotency=idem))
    assert len(set(results)) == 1
    with demo_world() as s:
        assert _cases_titled(s, "重试") == [results[0].case_id]
        assert history_problems(s, [results[0].case_id]) == []


def test_concurrent_sends_make_one_case(demo_world, db_url):
    ctx = mp_context()
    barrier, out = ctx.Barrier(20), ctx.Queue()
    procs = [ctx.Process(target=idempotent_sender,
                         args=(db_url, "concurrent-1", "并发提交", 10, barrier, out))
             for _ in range(2)]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in out.get(timeout=120)]
    for p in procs:
        p.join(10)
        assert p.exitcode == 0

    assert len(results) == 20, results
    assert [r for r in results if r[0] not in ("ok", "conflict")] == []
    returned = {tuple(sorted(r[1].items())) for r in results if r[0] == "ok"}
    assert len(returned) == 1, f"all successful sends must return the same result: {returned}"
    with demo_world() as s:
        ids = _cases_titled(s, "并发提交")
        assert len(ids) == 1
        assert dict(next(iter(returned)))["case_id"] == ids[0]
        assert history_problems(s, ids) == []


def test_same_key_other_body_is_refused(demo_world):
    with demo_world() as s:
        clerk = actors(s, "mz_clerk")["mz_clerk"]
        scope = f"user:{clerk.user_id}"
        first = cases.start_case(s, clerk, PROCESS, {"title": "原件"},
                                 idempotency=Idempotency(scope, "k-mismatch", {"title": "原件"}))
        before = s.scalar(select(func.count()).select_from(Case))
        with pytest.raises(IdempotencyMismatchError):
            cases.start_case(s, clerk, PROCESS, {"title": "改过"},
                             idempotency=Idempotency(scope, "k-mismatch", {"title": "改过"}))
        assert s.scalar(select(func.count()).select_from(Case)) == before
        assert _cases_titled(s, "改过") == []
        assert s.scalar(select(func.count()).select_from(IdempotencyKey)
                        .where(IdempotencyKey.key == "k-mismatch")) == 1
        # the original body still gets the original result
        again = cases.start_case(s, clerk, PROCESS, {"title": "原件"},
                                 idempotency=Idempotency(scope, "k-mismatch", {"title": "原件"}))
        assert again == first
