"""Subprocess entry point of the quota race (tests/integration/test_inspection_quota_races.py)."""

from __future__ import annotations

from typing import Any

from tests.integration.harness import actors, open_sessions
from tests.integration.harness.procs import BARRIER_TIMEOUT, _warm
from workflows.kernel import cases
from workflows.kernel.errors import ConflictError, ValidationFailedError


def approval_racer(url: str, username: str, targets: list[tuple[int, str]], barrier: Any,
                   out: Any) -> None:
    """Approve each (case, task) in turn, released together with the other racer per pair.

    Reports (case_id, 'ok' | 'conflict' | 'refused' | 'other', detail) per target.
    """
    sessions = open_sessions(url)
    actor = _warm(sessions, username, targets[0][0])
    with sessions() as s:
        actors(s, username)  # the role lookups cached before the first barrier
    results: list[tuple[int, str, str | None]] = []
    for case_id, task_uuid in targets:
        barrier.wait(BARRIER_TIMEOUT)
        with sessions() as s:
            try:
                cases.complete_task(s, actor, case_id, task_uuid,
                                    {"approval_decision": "approve"})
                kind, detail = "ok", None
            except ConflictError:
                kind, detail = "conflict", None
            except ValidationFailedError as err:
                kind, detail = "refused", str(err.fields)
            except Exception as err:  # reported, and the test fails on any
                kind, detail = "other", f"{type(err).__name__}: {err}"[:300]
        results.append((case_id, kind, detail))
    out.put(results)
