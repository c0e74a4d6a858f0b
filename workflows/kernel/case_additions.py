"""What people add to a case besides completing its tasks: comments and files.

`store_files` is the one place attachments are written: the original sealed as evidence, a
scrubbed copy for staff (workflows.kernel.uploads), and what the event records of each.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models import Attachment, Case
from workflows.kernel import registry, uploads
from workflows.kernel.access import Actor
from workflows.kernel.cases import _load_visible, _now
from workflows.kernel.commands import CommandResult, Idempotency, run_command
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.kernel.state import ATTACHMENT_ADDED, COMMENT_ADDED, CaseState, EventDraft
from workflows.kernel.vault import Vault


def store_files(session: Session, case_id: int, seq: int, files: list[uploads.CheckedFile],
                vault: Vault, at: datetime) -> list[dict[str, Any]]:
    """Seal the originals, keep the scrubbed copies; return what the event records."""
    recorded = []
    for sealed in uploads.seal_all(files, vault, case_id):
        row = Attachment(
            case_id=case_id, event_seq=seq, mime=sealed.mime, size=sealed.size,
            original_sha256=sealed.original_sha256, original_sealed=sealed.original_sealed,
            scrubbed=sealed.scrubbed, scrubbed_sha256=sealed.scrubbed_sha256, created_at=at,
        )
        session.add(row)
        session.flush()
        recorded.append({"id": row.id, "mime": row.mime, "size": row.size,
                         "sha256": row.original_sha256,
                         "scrubbed_sha256": row.scrubbed_sha256})
    return recorded


UNREADABLE = "the text holds characters that are not text (a NUL byte or a lone surrogate)"


def not_text(text: str) -> bool:
    """True when `text` holds a NUL byte or a lone surrogate (no database or hash takes it)."""
    return "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text)

READ_ONLY = "auditors and administrators read cases: they add no comments or files"
NOT_PUBLIC = ("only the office handling this case may write to its complainant (public); "
              "leave public off for an internal comment")


def _load_writable(session: Session, actor: Actor, case_id: int) -> tuple[Case, CaseState]:
    """The case, when the actor sees it through a role that writes (not only as auditor or
    administrator, who read: 403)."""
    case, state = _load_visible(session, actor, case_id)
    writer = actor.writer()
    if writer is actor:
        return case, state
    try:
        _load_visible(session, writer, case_id)
    except NotFoundError:
        raise NotAllowedError(READ_ONLY) from None
    return case, state


def add_comment(
    session: Session,
    actor: Actor,
    case_id: int,
    text: str,
    *,
    public: bool = False,
    idempotency: Idempotency | None = None,
    now: datetime | None = None,
) -> CommandResult:
    """Record a comment on the case (internal by default)."""
    text = (text or "").strip()
    if not text or len(text) > 4000:
        raise ValidationFailedError({"text": ["a comment of 1 to 4000 characters is required"]})
    if not_text(text):
        raise ValidationFailedError({"text": [UNREADABLE]}, UNREADABLE)

    def load() -> tuple[Case, CaseState | None]:
        try:
            return _load_writable(session, actor, case_id)
        except NotAllowedError as err:
            raise NotAllowedError(str(err), {"public": [NOT_PUBLIC]} if public else {}) from None

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        inputs: dict[str, Any] = {"text": text, "public": public}
        if public:
            unit = registry.public_voice(session, actor.writer(), case)
            if unit is None:
                raise NotAllowedError(NOT_PUBLIC, {"public": [NOT_PUBLIC]})
            inputs["as_unit_id"] = unit  # who spoke, shown to the complainant
        return EventDraft(COMMENT_ADDED, at=_now(case, now), actor_id=actor.user_id,
                          inputs=inputs)

    return run_command(session, load=load, decide=decide, idempotency=idempotency)


def add_attachment(
    session: Session,
    actor: Actor,
    case_id: int,
    data: bytes,
    *,
    vault: Vault,
    idempotency: Idempotency | None = None,
    now: datetime | None = None,
) -> CommandResult:
    """Attach one file (JPEG, PNG or PDF) to a case the actor may see, recorded by an
    `attachment_added` event: the original sealed as evidence, a scrubbed copy for staff
    (workflows.kernel.uploads; a bad file is a ValidationFailedError on `attachments`)."""
    _load_writable(session, actor, case_id)  # refused before the (slow) scrub
    session.rollback()
    checked = uploads.check_all([data])  # decoding and scrubbing: before the write lock

    def load() -> tuple[Case, CaseState | None]:
        return _load_writable(session, actor, case_id)

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        at = _now(case, now)
        recorded = store_files(session, case.id, case.version + 1, checked, vault, at)
        return EventDraft(
            ATTACHMENT_ADDED, at=at, actor_id=actor.user_id, inputs={"attachments": recorded}
        )

    return run_command(session, load=load, decide=decide, idempotency=idempotency)
