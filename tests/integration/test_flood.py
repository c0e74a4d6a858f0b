"""T2.6 — a flood of public filings against the real server (`jianfu serve`, gunicorn) on
127.0.0.1 while staff work: villagers, each from its own address behind a trusted proxy,
file complaints as fast as they can; 5 staff read their inboxes meanwhile.

Pass: complaints stored ≤ the global filing cap, 429s answered fast, staff p95 < 1 s,
no 5xx, and no client address stored anywhere. Size in `make test`: 20 villagers for 15 s
with a cap of 25 per hour; the catalogue's 100 for 120 s: JIANFU_FLOOD_USERS=100
JIANFU_FLOOD_SECONDS=120 (README, "Long harnesses").
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import MetaData, func, select
from sqlalchemy.orm import Session, sessionmaker

from models import ComplaintReceipt
from tests.integration.harness import flood_procs, mp_context
from tests.integration.test_serve import ROOT, call, free_port, wait_until
from workflows.complaints.filing import filing_options
from workflows.demo.loader import DEMO_PASSWORD

USERS = int(os.environ.get("JIANFU_FLOOD_USERS", "20"))
SECONDS = float(os.environ.get("JIANFU_FLOOD_SECONDS", "15"))
CAP = 25
STAFF = ["mz_clerk", "mz_head", "nb_staff", "nb_head", "dg_official"]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0


def stored_text(sessions: sessionmaker[Session]) -> str:
    """Every value of every row, as text (to look for client addresses)."""
    with sessions() as session:
        meta = MetaData()
        meta.reflect(session.connection())
        return "\n".join(repr(tuple(row)) for table in meta.sorted_tables
                         for row in session.execute(select(table)))


def test_a_flood_of_filings_is_capped_while_staff_keep_working(
        demo_world: sessionmaker[Session], db_url: str, tmp_path: Path) -> None:
    with demo_world() as session:
        towns = [t for t in filing_options(session).towns if t[2]]
        before = session.scalar(select(func.count()).select_from(ComplaintReceipt)) or 0
    fields = {"category": "too_many_forms", "town_id": str(towns[0][0]),
              "village_id": str(towns[0][2][0][0]), "responsible_unit_id": "",
              "anonymous": "1"}
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT),
           "JIANFU_TRUSTED_PROXIES": "1",
           "JIANFU_PUBLIC_FILING_GLOBAL_LIMIT": f"{CAP} per hour",
           # cheap receipt hashing: the flood measures throttling, not Argon2
           "JIANFU_RECEIPT_MEMORY_KIB": "1024", "JIANFU_RECEIPT_TIME_COST": "1"}
    for key in ("JIANFU_SECRET_KEY", "JIANFU_VAULT_KEY", "JIANFU_RECEIPT_SALT"):
        env.pop(key, None)
    log_file = tmp_path / "serve.log"
    with log_file.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", "from webapp.cli.main import main; main()", "serve",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "8"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: call(port, "GET", "/healthz")[0] == 200, timeout=60)
        ctx = mp_context()
        queue = ctx.Queue()
        clients = ctx.Process(target=flood_procs.run, args=(
            port, USERS, SECONDS, fields, [(u, DEMO_PASSWORD) for u in STAFF], queue))
        clients.start()
        log = queue.get(timeout=SECONDS + 240)
        clients.join(timeout=60)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    with demo_world() as session:
        after = session.scalar(select(func.count()).select_from(ComplaintReceipt)) or 0
    filed = [s for kind, s, _ in log if kind == "file" and s == 200]
    throttled = [t for kind, s, t in log if s == 429]
    staff = [t for kind, s, t in log if kind == "staff" and s == 200]
    summary = (f"{len(log)} requests, {len(filed)} filed, {len(throttled)} throttled, "
               f"staff {len(staff)} (p95 {p95(staff):.3f} s), 429 p95 "
               f"{p95(throttled):.3f} s; statuses {sorted({s for _, s, _ in log})}")
    print(f"flood: {USERS} villagers, {SECONDS:.0f} s: {summary}")  # the figures (-s)
    assert not [s for _, s, _ in log if s >= 500], summary
    assert not [k for k, s, _ in log if k == "staff-login"], summary
    assert 0 < after - before <= CAP, summary
    assert len(filed) == after - before, summary
    assert throttled, summary  # the flood went past the cap
    assert p95(throttled) < 0.5, summary
    assert len(staff) > 10 and p95(staff) < 1.0, summary
    assert "10.77." not in stored_text(demo_world)
    assert "10.77." not in log_file.read_text(errors="replace")
