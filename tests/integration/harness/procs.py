"""Subprocess entry points for the race, idempotency and timer tests.

Each function runs in a fresh child process, builds its own engine from `url`, and reports
plain data back through a multiprocessing queue.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from models import Case, utcnow
from tests.integration.harness import PROCESS, actors, draft_fields, open_sessions
from workflows.kernel import cases, processes, worker
from workflows.kernel.commands import Idempotency
from workflows.kernel.errors import ConflictError, InvalidTransitionError

BARRIER_TIMEOUT = 120


def _outcome(call: Any) -> tuple[str, Any]:
    """('ok', result) | ('invalid', None) | ('conflict', None) | ('other', repr)."""
    try:
        return "ok", call()
    except InvalidTransitionError:
        return "invalid", None
    except ConflictError:
        return "conflict", None
    except Exception as err:
        return "other", f"{type(err).__name__}: {err}"[:300]


def _warm(sessions: Any, username: str, case_id: int) -> Any:
    """Load the actor and parse the process definition before the barrier."""
    with sessions() as s:
        actor = actors(s, username)[username]
        case = s.get(Case, case_id)
        assert case is not None
        processes.definition(s, case.process_version_id)
    return actor


def stampede(url: str, case_id: int, task_uuid: str, attempts: list[int], barrier: Any,
             out: Any) -> None:
    """len(attempts) threads; thread i makes attempts[i] completion calls after the barrier."""
    sessions = open_sessions(url)
    head = _warm(sessions, "mz_head", case_id)
    counts: Counter[str] = Counter()
    others: list[str] = []
    lock = threading.Lock()

    def attempt() -> Any:
        with sessions() as s:
            return cases.complete_task(s, head, case_id, task_uuid, {"head_decision": "approve"})

    def run(n: int) -> None:
        barrier.wait(BARRIER_TIMEOUT)
        for _ in range(n):
            kind, detail = _outcome(attempt)
            with lock:
                counts[kind] += 1
                if kind == "other":
                    others.append(detail)

    threads = [threading.Thread(target=run, args=(n,)) for n in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put({"counts": dict(counts), "others": others[:20]})


def pair_racer(url: str, username: str, targets: list[tuple[int, str]], barrier: Any,
               out: Any) -> None:
    """Race on each (case, task) in turn; both racers are released together per task."""
    sessions = open_sessions(url)
    actor = _warm(sessions, username, targets[0][0])
    results: list[tuple[int, str, str | None]] = []
    for case_id, task_uuid in targets:
        barrier.wait(BARRIER_TIMEOUT)
        with sessions() as s:
            kind, detail = _outcome(lambda s=s, c=case_id, t=task_uuid: cases.complete_task(
                s, actor, c, t, draft_fields(f"race {c}")))
        results.append((case_id, kind, detail if kind == "other" else None))
    out.put(results)


def idempotent_sender(url: str, key: str, title: str, threads: int, barrier: Any,
                      out: Any) -> None:
    """`threads` concurrent start_case calls that all carry the same idempotency key."""
    sessions = open_sessions(url)
    with sessions() as s:
        clerk = actors(s, "mz_clerk")["mz_clerk"]
        processes.definition(s, processes.latest(s, PROCESS).id)
    idem = Idempotency(scope=f"user:{clerk.user_id}", key=key, body={"title": title})
    results: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def send() -> None:
        barrier.wait(BARRIER_TIMEOUT)
        with sessions() as s:
            kind, detail = _outcome(lambda: cases.start_case(
                s, clerk, PROCESS, {"title": title}, idempotency=idem).as_dict())
        with lock:
            results.append((kind, detail))

    pool = [threading.Thread(target=send) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put(results)


def timer_worker(url: str, poll: float, lease_seconds: float, limit: int) -> None:
    """`worker.run_once` with a short lease (so jobs of a SIGKILLed worker come back fast):
    claim a batch, fire each job, sleep `poll` when there was nothing to do. Runs until
    killed."""
    sessions = open_sessions(url)
    owner = worker.worker_name()
    lease = timedelta(seconds=lease_seconds)
    while True:
        ids: list[int] = []
        try:
            with sessions() as session:
                ids = worker.claim(session, owner, utcnow(), limit, lease=lease)
                for job_id in ids:
                    worker.fire(session, job_id, owner)
        except Exception:  # as run_forever: outlive a bad batch, the lease frees the jobs
            logging.getLogger(__name__).exception("harness worker batch failed")
        if not ids:
            time.sleep(poll)
