"""The replay certificate as a document (issue 18, item 10): what the printable page and
the downloadable JSON say, and the offline check of a downloaded one.

The document names the case (number, title, process, status), the process version it is
pinned to (number and content hash), the replay verdict with its differences, who issued it
and when, and the signed checkpoint its history rests on; its `proof` part
(`workflows.kernel.case_proof`) lets anyone check the history offline:
`jianfu audit verify-case FILE --public-key KEY`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models import Case, User
from workflows.kernel import case_proof, engine, processes
from workflows.kernel.access import Actor
from workflows.kernel.audit import Problem
from workflows.kernel.history import iso
from workflows.supervision.audit_trail import Certificate, certificate

FORMAT = "jianfu-case-certificate/1"


@dataclass(frozen=True)
class CertificateDocument:
    cert: Certificate
    title: str
    status: str
    issued_by: str
    issued_role: str
    checkpoint: dict[str, Any] | None
    public_key: str | None
    proof: dict[str, Any]
    task_names: dict[str, str] = field(default_factory=dict)

    @property
    def checkpoint_at(self) -> datetime | None:
        return None if self.checkpoint is None else datetime.fromisoformat(
            str(self.checkpoint["at"]))

    def as_json(self) -> dict[str, Any]:
        c = self.cert
        return {
            "format": FORMAT,
            "case": {"id": c.case_id, "title": self.title, "process": c.case_type,
                     "status": self.status},
            "process_version": {"process_id": c.process_id, "version": c.process_version,
                                "content_hash": c.process_hash},
            "replay": {"ok": c.ok, "events": c.events, "final_hash": c.final_hash,
                       "differences": list(c.differences),
                       "form_schemas": {k: {"recorded": a, "now": b}
                                        for k, (a, b) in c.schemas.items()}},
            "issued": {"at": iso(c.issued_at), "by": self.issued_by, "role": self.issued_role},
            "public_key": self.public_key,
            "proof": self.proof,
        }


def document(session: Session, actor: Actor, case_id: int,
             public_key: str | None) -> CertificateDocument:
    """Replay the case (auditors and 区委督查办 only) and gather what the document names."""
    cert = certificate(session, actor, case_id)
    case = session.get(Case, case_id)
    assert case is not None
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    role = next((r for r in ("auditor", "supervisor") if r in actor.role_names()), "")
    proof = case_proof.build(session, case_id)
    defn = processes.definition(session, case.process_version_id)
    names = {t.task_id: t.name for t in engine.user_tasks(defn)}
    return CertificateDocument(cert, case.title, case.status,
                               user.display_name if user else "system", role,
                               proof["checkpoint"], public_key, proof, names)


def verify(doc: dict[str, Any], trusted_public_key: str | None = None) -> list[Problem]:
    """Every problem with a downloaded certificate, checked with no database: its proof
    (the case's chain, its place in the log, the checkpoint's signature), and that what the
    certificate states of the history (event count, final hash) is what the proof holds."""
    try:
        if doc.get("format") != FORMAT:
            return [Problem("format", f"not a {FORMAT} document")]
        proof = doc["proof"]
        problems = case_proof.verify(proof, doc.get("public_key"), trusted_public_key)
        replay, chain = doc["replay"], proof["case"]
        if replay["final_hash"] != chain["last_event_hash"] \
                or replay["events"] != len(proof["events"]) \
                or doc["case"]["id"] != chain["id"]:
            problems.append(Problem("claim", "the certificate does not state the history "
                                             "its proof holds"))
    except (KeyError, TypeError, AttributeError) as err:
        return [Problem("format", f"unreadable document: {err}")]
    return problems
