"""The `jianfu` CLI on a demo database: init-db, demo, deploy, replay, audit."""

from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import text

from models.db import make_engine
from webapp.cli.main import main


def run(db_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args[:1], "--database-url", db_url, *args[1:]]
                                if args[0] != "audit" else
                                [args[0], args[1], "--database-url", db_url, *args[2:]])
    return result.exit_code, result.output


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for cmd in (["init-db"], ["demo"], ["deploy"], ["serve"], ["worker"], ["run"], ["replay"],
                ["audit", "verify"], ["audit", "checkpoint"]):
        result = runner.invoke(main, [*cmd, "--help"])
        assert result.exit_code == 0, cmd
        assert "Usage" in result.output


def test_demo_then_replay_and_audit(db_url: str) -> None:
    code, out = run(db_url, "init-db")
    assert code == 0, out
    code, out = run(db_url, "demo")
    assert code == 0 and "mz_clerk" in out, out
    assert len(re.findall(r"^  \d{4} \d{4} \d{4} \d{4}  ", out, re.M)) == 4, out  # receipts
    code, out = run(db_url, "deploy")
    assert code == 0 and "report_form_approval v1" in out, out  # unchanged files: same version
    code, out = run(db_url, "replay", "--all")
    # 7 report forms, 4 complaints and the demo catalog's item approvals
    assert code == 0 and re.search(r"\b(\d{2,}) of \1 cases replay identically", out), out
    code, out = run(db_url, "replay", "3")
    assert code == 0 and "identical" in out, out
    code, out = run(db_url, "audit", "verify")
    assert code == 0 and "audit ok" in out, out
    code, out = run(db_url, "audit", "checkpoint")
    assert code == 0 and "checkpoint at" in out, out


def test_tampering_makes_audit_and_replay_exit_non_zero(db_url: str) -> None:
    run(db_url, "demo")
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_event SET inputs = '{}' WHERE case_id = 2 AND seq = 2"))
    engine.dispose()
    code, out = run(db_url, "audit", "verify")
    assert code == 1
    assert "case 2" in out and "event 2" in out
    code, out = run(db_url, "replay", "2")
    assert code == 1 and "DIVERGES" in out


def test_replay_needs_a_case_or_all(db_url: str) -> None:
    run(db_url, "demo")
    code, out = run(db_url, "replay")
    assert code == 2 and "CASE_ID or --all" in out
