"""Signed checkpoints and a self-contained audit export that verifies with no database.

The signing key is an Ed25519 seed from configuration (`JIANFU_AUDIT_KEY`, hex); the web
and CLI layers read it and pass a `Signer` in. An export holds every event, every case's
tip, the log head, the signed checkpoints and the public key; `verify_export` recomputes
every chain with the same checks as `audit.verify` and checks each signature against the
key the auditor trusts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, LogCheckpoint, LogHead, utcnow
from models.db import begin_write
from workflows.kernel import audit
from workflows.kernel.history import GENESIS, canonical, iso

FORMAT = "jianfu-audit-export/1"


class Signer:
    """Ed25519 signing of checkpoint statements."""

    def __init__(self, seed_hex: str) -> None:
        try:
            self._key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex.strip()))
        except ValueError as err:
            raise ValueError("JIANFU_AUDIT_KEY must be 64 hex digits (an Ed25519 seed)") from err

    @classmethod
    def generate(cls) -> tuple[Signer, str]:
        seed = Ed25519PrivateKey.generate().private_bytes_raw().hex()
        return cls(seed), seed

    @property
    def public_hex(self) -> str:
        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def sign(self, statement: str) -> str:
        return self._key.sign(statement.encode("utf-8")).hex()


def statement(size: int, log_hash: str, at: datetime) -> str:
    """What a checkpoint signature covers."""
    return canonical({"format": FORMAT, "size": size, "hash": log_hash, "at": iso(at)})


def signature_ok(public_hex: str, cp: dict[str, Any]) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(
            bytes.fromhex(cp["signature"] or ""),
            statement(cp["size"], cp["hash"], datetime.fromisoformat(cp["at"])).encode(),
        )
    except (InvalidSignature, ValueError, TypeError, KeyError):
        return False
    return True


def sign_checkpoints(session: Session, signer: Signer) -> int:
    """Checkpoint the current tip, then sign every unsigned checkpoint; returns how many."""
    audit.checkpoint(session)
    begin_write(session)
    rows = list(session.scalars(select(LogCheckpoint).where(LogCheckpoint.signature.is_(None))))
    for cp in rows:
        cp.signature = signer.sign(statement(cp.size, cp.hash, cp.at))
    session.commit()
    return len(rows)


def event_dict(ev: CaseEvent) -> dict[str, Any]:
    return {
        "case_id": ev.case_id,
        "seq": ev.seq,
        "global_seq": ev.global_seq,
        "type": ev.type,
        "actor_id": ev.actor_id,
        "actor_role": ev.actor_role,
        "at": iso(ev.at),
        "task_uuid": ev.task_uuid,
        "task_id": ev.task_id,
        "inputs": ev.inputs,
        "diff": ev.diff,
        "prev_hash": ev.prev_hash,
        "hash": ev.hash,
        "global_prev_hash": ev.global_prev_hash,
        "global_hash": ev.global_hash,
    }


def export(session: Session, signer: Signer, path: Path) -> dict[str, int]:
    """Write the whole history, signed at its current tip, to `path` (JSON)."""
    sign_checkpoints(session, signer)
    events = session.scalars(select(CaseEvent).order_by(CaseEvent.global_seq))
    head = session.get(LogHead, 1, populate_existing=True)
    doc = {
        "format": FORMAT,
        "exported_at": iso(utcnow()),
        "public_key": signer.public_hex,
        "cases": [
            {"id": c.id, "version": c.version, "last_event_hash": c.last_event_hash}
            for c in session.scalars(select(Case).order_by(Case.id))
        ],
        "events": [event_dict(ev) for ev in events],
        "log_head": {"size": head.size if head else 0, "hash": head.hash if head else GENESIS},
        "checkpoints": [
            {"size": cp.size, "hash": cp.hash, "at": iso(cp.at), "signature": cp.signature}
            for cp in session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.size))
        ],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return {
        "cases": len(doc["cases"]),
        "events": len(doc["events"]),
        "checkpoints": len(doc["checkpoints"]),
    }


@dataclass
class Record:
    """An attribute view of one exported record (what audit.check_history reads)."""

    values: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError as err:
            raise AttributeError(name) from err


def verify_export(path: Path, trusted_public_key: str | None = None) -> list[audit.Problem]:
    """Every problem in an export file; no database is used. Without a trusted key the
    file's own key is used, which proves integrity but not who signed."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            return [audit.Problem("format", f"not a {FORMAT} file")]
        events = [Record({**e, "at": datetime.fromisoformat(e["at"])}) for e in doc["events"]]
        cases = [Record(c) for c in doc["cases"]]
        checkpoints = list(doc["checkpoints"])
        head = doc["log_head"]
        key = doc["public_key"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        return [audit.Problem("format", f"unreadable export: {err}")]
    problems = audit.check_history(
        cases,
        events,
        head["size"],
        head["hash"],
        [Record(cp) for cp in checkpoints],
    )
    if trusted_public_key is not None and trusted_public_key.lower() != key.lower():
        problems.append(
            audit.Problem("key", "the file is signed with another key than the one you trust")
        )
    for cp in checkpoints:
        if not signature_ok(key, cp):
            problems.append(
                audit.Problem(
                    "signature",
                    "checkpoint signature is missing or invalid",
                    global_seq=cp.get("size"),
                )
            )
    if not checkpoints or max(cp["size"] for cp in checkpoints) != head["size"]:
        problems.append(
            audit.Problem("unsigned-tip", "no signed checkpoint covers the end of the log")
        )
    return problems
