"""Issue 7 item 4: recorded verifications (the audit page's "last verification and any
break found"): by the page, by `jianfu audit verify` and periodically by the worker; with
the Ed25519 signature of every signed checkpoint checked against the configured key."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from models import AuditRun, CaseEvent, LogCheckpoint, User
from webapp.cli.main import main
from workflows.kernel import access, audit_runs, worker
from workflows.kernel.audit_export import Signer, sign_checkpoints
from workflows.kernel.errors import NotFoundError


def actor(session: Session, username: str) -> access.Actor:
    uid = session.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return access.load_actor(session, uid)


def test_a_clean_run_counts_what_it_checked(demo_world: sessionmaker[Session]) -> None:
    signer, _ = Signer.generate()
    with demo_world() as session:
        signed = sign_checkpoints(session, signer)
        assert signed >= 1
        run = audit_runs.verify_now(session, actor(session, "auditor"), signer.public_hex)
        events = len(list(session.scalars(select(CaseEvent.id))))
        checkpoints = len(list(session.scalars(select(LogCheckpoint.id))))
    assert run.ok and run.problems == [] and run.source == "web"
    assert (run.events_checked, run.checkpoints_checked, run.signatures_checked) == (
        events, checkpoints, signed)
    assert run.triggered_by is not None
    # Without a key nothing is said about signatures.
    with demo_world() as session:
        assert audit_runs.record(session, source="cli").signatures_checked == 0


@pytest.mark.tampers
def test_a_forged_signature_or_another_key_is_a_break(demo_world: sessionmaker[Session]) -> None:
    signer, _ = Signer.generate()
    other, _ = Signer.generate()
    with demo_world() as session:
        sign_checkpoints(session, signer)
        wrong = audit_runs.record(session, source="cli", public_key=other.public_hex)
        assert not wrong.ok and {p["kind"] for p in wrong.problems} == {"signature"}
        session.execute(text("UPDATE log_checkpoint SET signature = :s"), {"s": "00" * 64})
        session.commit()
        forged = audit_runs.record(session, source="cli", public_key=signer.public_hex)
        assert not forged.ok and forged.problems[0]["kind"] == "signature"
        dc = actor(session, "dc_staff")
        assert audit_runs.last_break(session, dc) is not None
        assert [r.id for r in audit_runs.latest(session, dc)][:2] == [forged.id, wrong.id]


def test_only_auditors_and_the_supervision_office(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        for name in ("nb_staff", "mz_clerk", "admin", "office_qw"):
            with pytest.raises(NotFoundError):
                audit_runs.verify_now(session, actor(session, name))
            with pytest.raises(NotFoundError):
                audit_runs.latest(session, actor(session, name))
        assert session.scalar(select(AuditRun)) is None


def test_the_cli_records_its_verification(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "--database-url", db_url]).exit_code == 0
    _, seed = Signer.generate()
    result = runner.invoke(main, ["audit", "sign", "--database-url", db_url],
                           env={"JIANFU_AUDIT_KEY": seed})
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["audit", "verify", "--database-url", db_url],
                           env={"JIANFU_AUDIT_KEY": seed})
    assert result.exit_code == 0 and "audit ok" in result.output, result.output
    from models.db import make_engine, make_sessionmaker

    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        run = session.scalar(select(AuditRun))
        assert run is not None and run.ok and run.source == "cli"
        assert run.signatures_checked >= 1 and run.triggered_by is None
    engine.dispose()


def test_the_worker_verifies_periodically(demo_world: sessionmaker[Session]) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(demo_world,), kwargs={
        "poll": 0.02, "stop": stop, "verify_every": 0.05}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    runs: list[AuditRun] = []
    try:
        while time.monotonic() < deadline and len(runs) < 2:
            time.sleep(0.05)
            with demo_world() as session:
                runs = list(session.scalars(select(AuditRun)))
    finally:
        stop.set()
        thread.join(10)
    assert len(runs) >= 2 and all(r.ok and r.source == "worker" for r in runs)
