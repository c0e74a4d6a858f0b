"""The replay certificate as a document that verifies offline (issue 18, item 10): the case's
chain, its place in the global log up to the signed checkpoint, and the signature, checked
from the file alone; every kind of tampering with the file is caught, and so is a file that
no signed checkpoint covers yet."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, User
from webapp.cli.main import main
from workflows.kernel import access
from workflows.kernel.audit_export import Signer, sign_checkpoints
from workflows.supervision import certificate_doc


def _doc(session: Session, title: str, signer: Signer | None) -> dict[str, Any]:
    if signer is not None:
        sign_checkpoints(session, signer)
    auditor = access.load_actor(session, session.scalars(
        select(User.id).where(User.username == "auditor")).one())
    case_id = session.scalars(select(Case.id).where(Case.title == title)).one()
    built = certificate_doc.document(session, auditor, case_id,
                                     signer.public_hex if signer else None)
    assert built.title == title and built.issued_by == "审计员（演示）"
    return json.loads(json.dumps(built.as_json()))  # as downloaded


def kinds(doc: dict[str, Any], key: str | None = None) -> set[str]:
    return {p.kind for p in certificate_doc.verify(doc, key)}


def test_a_signed_certificate_verifies_and_every_tampering_is_caught(
        demo_world: sessionmaker[Session]) -> None:
    signer, _seed = Signer.generate()
    with demo_world() as session:
        doc = _doc(session, "社会救助月报（演示）", signer)
    assert doc["replay"]["ok"] and doc["case"]["status"] == "published"
    assert certificate_doc.verify(doc, signer.public_hex) == []
    assert len(doc["proof"]["log_stretch"]["entries"]) >= doc["replay"]["events"]

    edited = copy.deepcopy(doc)
    edited["proof"]["events"][1]["inputs"]["data"]["review_decision"] = "reject"
    assert "edited" in kinds(edited)
    dropped = copy.deepcopy(doc)
    del dropped["proof"]["log_stretch"]["entries"][-1]
    assert "checkpoint" in kinds(dropped)
    moved = copy.deepcopy(doc)
    entries = moved["proof"]["log_stretch"]["entries"]
    entries[0][1], entries[1][1] = entries[1][1], entries[0][1]
    assert kinds(moved) & {"log-chain", "checkpoint"}
    forged = copy.deepcopy(doc)
    forged["proof"]["checkpoint"]["hash"] = "f" * 64
    assert {"checkpoint", "signature"} <= kinds(forged)
    other, _ = Signer.generate()
    assert "key" in kinds(doc, other.public_hex)
    claimed = copy.deepcopy(doc)
    claimed["replay"]["events"] += 1
    assert "claim" in kinds(claimed)
    assert kinds({"format": "something else"}) == {"format"}


def test_without_a_signed_checkpoint_the_file_says_what_it_cannot_prove(
        demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        doc = _doc(session, "社会救助月报（演示）", None)
    assert doc["proof"]["checkpoint"] is None
    assert kinds(doc) == {"unsigned"}


def test_the_cli_checks_a_downloaded_certificate(demo_world: sessionmaker[Session],
                                                 tmp_path: Path) -> None:
    signer, _seed = Signer.generate()
    with demo_world() as session:
        doc = _doc(session, "养老服务统计表（演示）", signer)
    path = tmp_path / "certificate.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    good = runner.invoke(main, ["audit", "verify-case", str(path), "--public-key",
                                signer.public_hex])
    assert good.exit_code == 0, good.output
    assert "certificate ok" in good.output
    doc["proof"]["events"][0]["actor_id"] = 999
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    bad = runner.invoke(main, ["audit", "verify-case", str(path)])
    assert bad.exit_code == 1 and "FAILED" in bad.output


@pytest.mark.parametrize("username", ["mz_clerk", "nb_staff", "admin"])
def test_only_auditors_get_a_certificate(demo_world: sessionmaker[Session],
                                         username: str) -> None:
    from workflows.kernel.errors import NotFoundError

    with demo_world() as session:
        someone = access.load_actor(session, session.scalars(
            select(User.id).where(User.username == username)).one())
        with pytest.raises(NotFoundError):
            certificate_doc.document(session, someone, 1, None)
