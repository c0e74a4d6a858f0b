"""A case's history as a document that verifies offline (issue 18, item 10).

`build` collects one case's events and the signed checkpoint its last event is covered by,
with the stretch of the global log between the case's first event and that checkpoint (each
entry's position and event hash only, never another case's content). `verify` checks such a
document with no database:

1. every event's content matches its hash, and the events chain from the genesis hash to
   the case's last event hash, as many as the case says it has;
2. walking the global chain over the stretch, from the global hash before the case's first
   event, reproduces every global hash the case's events carry and ends exactly on the
   checkpoint's hash: the case's events are in the log the checkpoint froze, in that order;
3. the checkpoint's Ed25519 signature verifies with the public key (the one the auditor
   trusts when given).

Without a signed checkpoint that covers the case (no `JIANFU_AUDIT_KEY` configured yet, or
the worker has not signed since), the document proves 1 only, and `verify` says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, LogCheckpoint
from workflows.kernel.audit import Problem, case_problems
from workflows.kernel.audit_export import Record, event_dict, signature_ok
from workflows.kernel.history import GENESIS, global_hash, iso

FORMAT = "jianfu-case-proof/1"


def build(session: Session, case_id: int) -> dict[str, Any]:
    """The proof part of a case's certificate (see the module docstring)."""
    case = session.get(Case, case_id)
    if case is None:
        raise ValueError(f"no case {case_id}")
    events = list(session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))
    last = max((ev.global_seq for ev in events), default=0)
    cp = session.scalar(select(LogCheckpoint).where(
        LogCheckpoint.size >= last, LogCheckpoint.signature.is_not(None))
        .order_by(LogCheckpoint.size).limit(1)) if events else None
    stretch: list[list[Any]] = []
    start = GENESIS
    if cp is not None and events:
        first = events[0].global_seq
        start = events[0].global_prev_hash
        stretch = [[g, h] for g, h in session.execute(
            select(CaseEvent.global_seq, CaseEvent.hash)
            .where(CaseEvent.global_seq >= first, CaseEvent.global_seq <= cp.size)
            .order_by(CaseEvent.global_seq))]
    return {
        "format": FORMAT,
        "case": {"id": case.id, "version": case.version,
                 "last_event_hash": case.last_event_hash},
        "events": [event_dict(ev) for ev in events],
        "checkpoint": None if cp is None else {
            "size": cp.size, "hash": cp.hash, "at": iso(cp.at), "signature": cp.signature},
        "log_stretch": {"start_hash": start, "entries": stretch},
    }


def _case_chain(doc: dict[str, Any]) -> list[Problem]:
    events = [Record({**e, "at": datetime.fromisoformat(e["at"])}) for e in doc["events"]]
    return list(case_problems(Record(doc["case"]), events))


def _stretch(doc: dict[str, Any]) -> list[Problem]:
    cp = doc["checkpoint"]
    stretch = doc["log_stretch"]
    own = {e["global_seq"]: e for e in doc["events"]}
    prev = str(stretch["start_hash"])
    expected = min(own) if own else 1
    seen = set()
    for position, event_hash in stretch["entries"]:
        if position != expected:
            return [Problem("log-gap", f"the log stretch skips entry {expected}")]
        expected += 1
        prev = global_hash(prev, position, event_hash)
        mine = own.get(position)
        if mine is not None:
            seen.add(position)
            if mine["hash"] != event_hash or mine["global_hash"] != prev:
                return [Problem("log-chain", "the case's event is not where the log says",
                                mine["case_id"], mine["seq"], position)]
    problems = []
    if seen != set(own):
        problems.append(Problem("log-chain", "events of the case are missing from the log"))
    if expected - 1 != cp["size"] or prev != cp["hash"]:
        problems.append(Problem("checkpoint", "the log stretch does not end on the checkpoint",
                                global_seq=cp["size"]))
    return problems


def verify(doc: dict[str, Any], public_key: str | None,
           trusted_public_key: str | None = None) -> list[Problem]:
    """Every problem with a case proof document; no database is used."""
    try:
        if doc.get("format") != FORMAT:
            return [Problem("format", f"not a {FORMAT} document")]
        problems = _case_chain(doc)
        cp = doc["checkpoint"]
        if cp is None:
            problems.append(Problem("unsigned", "no signed checkpoint covers this case yet: "
                                                "only the case's own chain is proven"))
            return problems
        problems.extend(_stretch(doc))
    except (KeyError, TypeError, ValueError) as err:
        return [Problem("format", f"unreadable document: {err}")]
    key = public_key or ""
    if trusted_public_key is not None and trusted_public_key.lower() != key.lower():
        problems.append(Problem("key", "signed with another key than the one you trust"))
    if not key or not signature_ok(key, cp):
        problems.append(Problem("signature", "the checkpoint's signature is missing or invalid",
                                global_seq=cp.get("size")))
    return problems
