"""Signed checkpoints and offline verification of an audit export (no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import LogCheckpoint
from webapp.cli.main import main
from workflows.kernel import audit_export
from workflows.kernel.audit_export import Signer


@pytest.fixture
def exported(demo_world: sessionmaker[Session], tmp_path: Path) -> tuple[Path, Signer]:
    signer, _ = Signer.generate()
    path = tmp_path / "audit.json"
    with demo_world() as session:
        counts = audit_export.export(session, signer, path)
        assert counts["events"] > 10 and counts["checkpoints"] >= 1
        unsigned = select(LogCheckpoint).where(LogCheckpoint.signature.is_(None))
        assert session.scalar(unsigned) is None
    return path, signer


def _edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_clean_export_verifies_offline_against_the_trusted_key(exported) -> None:  # type: ignore[no-untyped-def]
    path, signer = exported
    assert audit_export.verify_export(path, signer.public_hex) == []
    assert audit_export.verify_export(path) == []


def test_edited_event_in_the_file_is_named(exported) -> None:  # type: ignore[no-untyped-def]
    path, signer = exported
    _edit(path, lambda d: d["events"][4]["inputs"].update({"forged": True}))
    problems = audit_export.verify_export(path, signer.public_hex)
    ev = json.loads(path.read_text(encoding="utf-8"))["events"][4]
    assert any(p.kind == "edited" and p.case_id == ev["case_id"] and p.seq == ev["seq"]
               for p in problems), problems


def test_deleted_or_truncated_events_are_caught(exported) -> None:  # type: ignore[no-untyped-def]
    path, signer = exported
    _edit(path, lambda d: d["events"].pop(7))
    assert audit_export.verify_export(path, signer.public_hex)


def test_rehashed_truncation_is_caught_by_the_signed_checkpoint(exported) -> None:  # type: ignore[no-untyped-def]
    path, signer = exported

    def truncate(d: dict) -> None:  # type: ignore[type-arg]
        keep = d["events"][: len(d["events"]) // 2]
        d["events"] = keep
        d["log_head"] = {"size": len(keep), "hash": keep[-1]["global_hash"]}
        tips = {}
        for ev in keep:
            tips[ev["case_id"]] = ev
        d["cases"] = [{"id": c, "version": ev["seq"], "last_event_hash": ev["hash"]}
                      for c, ev in tips.items()]
        d["checkpoints"] = [cp for cp in d["checkpoints"] if cp["size"] <= len(keep)] + \
            [{"size": len(keep), "hash": keep[-1]["global_hash"], "at": keep[-1]["at"],
              "signature": "00" * 64}]

    _edit(path, truncate)
    kinds = {p.kind for p in audit_export.verify_export(path, signer.public_hex)}
    assert "signature" in kinds


def test_a_file_resigned_with_another_key_is_refused(exported) -> None:  # type: ignore[no-untyped-def]
    path, signer = exported
    other, _ = Signer.generate()
    _edit(path, lambda d: d.update(public_key=other.public_hex))
    kinds = {p.kind for p in audit_export.verify_export(path, signer.public_hex)}
    assert {"key", "signature"} <= kinds


def test_cli_keygen_export_and_offline_verify(demo_world: sessionmaker[Session], db_url: str,
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    keygen = runner.invoke(main, ["audit", "keygen"])
    seed = keygen.output.split("JIANFU_AUDIT_KEY=")[1].split()[0]
    public = keygen.output.split("public key: ")[1].split()[0]
    out = tmp_path / "export.json"
    missing = runner.invoke(main, ["audit", "export", "--database-url", db_url, "--file",
                                   str(out)])
    assert missing.exit_code == 2 and "JIANFU_AUDIT_KEY" in missing.output
    monkeypatch.setenv("JIANFU_AUDIT_KEY", seed)
    done = runner.invoke(main, ["audit", "export", "--database-url", db_url, "--file", str(out)])
    assert done.exit_code == 0, done.output
    ok = runner.invoke(main, ["audit", "verify", "--file", str(out), "--public-key", public])
    assert ok.exit_code == 0 and "export ok" in ok.output
    _edit(out, lambda d: d["events"][2].update(actor_id=None))
    bad = runner.invoke(main, ["audit", "verify", "--file", str(out), "--public-key", public])
    assert bad.exit_code == 1 and "edited" in bad.output


def test_worker_signs_checkpoints_periodically(demo_world: sessionmaker[Session]) -> None:
    import threading

    from workflows.kernel import worker

    signer, _ = Signer.generate()
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(demo_world,),
                              kwargs={"poll": 0.05, "stop": stop, "signer": signer,
                                      "sign_every": 0.05})
    thread.start()
    try:
        deadline = 200
        while deadline:
            with demo_world() as s:
                rows = list(s.scalars(select(LogCheckpoint)))
                if rows and all(r.signature for r in rows):
                    break
            stop.wait(0.05)
            deadline -= 1
    finally:
        stop.set()
        thread.join(10)
    assert rows and all(audit_export.signature_ok(signer.public_hex, {
        "size": r.size, "hash": r.hash, "at": r.at.isoformat(timespec="microseconds"),
        "signature": r.signature}) for r in rows)
