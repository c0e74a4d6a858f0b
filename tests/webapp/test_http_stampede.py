"""T1.1 over HTTP: 1,000 barrier-released attempts to complete one task from 2 client
processes x 8 threads against a real threaded server -> 1 success, 999 conflicts (409),
0 server errors, exactly 1 completion event."""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import threading
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from models import Case, CaseEvent, HumanTask
from webapp import create_app
from workflows.demo.loader import DEMO_PASSWORD as PASSWORD
from workflows.kernel import audit, replay

PROCESSES, THREADS, ATTEMPTS = 2, 8, 1000
SIGN_OFF_CASE = "村级低保台账季报（演示）"  # demo case waiting for mz_head


def _login(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/api/v1/login",
                 json.dumps({"username": "mz_head", "password": PASSWORD}),
                 {"Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 200
    return (resp.getheader("Set-Cookie") or "").split(";", 1)[0]


def _client_process(port: int, path: str, attempts: int, barrier: object, out: object) -> None:
    cookie = _login(port)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    per_thread = [attempts // THREADS + (1 if i < attempts % THREADS else 0)
                  for i in range(THREADS)]

    def fire(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = json.dumps({"fields": {"head_decision": "approve"}})
        headers = {"Content-Type": "application/json", "Cookie": cookie}
        mine: Counter[int] = Counter()
        barrier.wait()  # type: ignore[attr-defined]
        for _ in range(n):
            conn.request("POST", path, body, headers)
            resp = conn.getresponse()
            resp.read()
            mine[resp.status] += 1
        with lock:
            statuses.update(mine)

    threads = [threading.Thread(target=fire, args=(n,)) for n in per_thread]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(dict(statuses))  # type: ignore[attr-defined]


def test_one_winner_among_1000_http_attempts(demo_world: sessionmaker[Session],
                                             db_url: str) -> None:
    """Runs on the suite's database (SQLite, or PostgreSQL when DATABASE_URL says so)."""
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "stampede"})
    db = demo_world()
    case = db.scalar(select(Case).where(Case.title == SIGN_OFF_CASE))
    assert case is not None
    task = db.scalar(select(HumanTask).where(HumanTask.case_id == case.id,
                                             HumanTask.state == "open"))
    assert task is not None and task.task_id == "sign_off"
    version_before = case.version
    db.rollback()  # end this session's read transaction: the server writes meanwhile
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(PROCESSES * THREADS)
    out = ctx.Queue()
    path = f"/api/v1/cases/{case.id}/tasks/{task.task_uuid}/complete"
    procs = [ctx.Process(target=_client_process,
                         args=(server.server_port, path, ATTEMPTS // PROCESSES, barrier, out))
             for _ in range(PROCESSES)]
    try:
        for p in procs:
            p.start()
        totals: Counter[int] = Counter()
        for _ in procs:
            totals.update(out.get(timeout=300))
        for p in procs:
            p.join(timeout=60)
    finally:
        server.shutdown()
    assert sum(totals.values()) == ATTEMPTS
    assert totals[200] == 1, totals
    assert totals[409] == ATTEMPTS - 1, totals
    assert not [s for s in totals if s >= 500]
    db.rollback()  # a fresh snapshot, after the writers
    completions = db.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.task_uuid == task.task_uuid,
        CaseEvent.type == "task_completed"))
    assert completions == 1
    assert db.get(Case, case.id, populate_existing=True).version == version_before + 1  # type: ignore[union-attr]
    assert audit.verify(db) == []
    assert replay.replay_case(db, case.id).ok
    db.close()
    app.extensions["jianfu.db"].engine.dispose()
