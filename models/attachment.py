"""An uploaded file: the sealed original kept as evidence and the scrubbed copy staff see.

There is deliberately no column for the client's file name (it often carries a name or a
phone number); the type comes from the content, never from the name or the browser.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Attachment(Base):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    # The case event that brought the file in (None until that event is written).
    event_seq: Mapped[int | None]
    mime: Mapped[str] = mapped_column(String(64))
    # Size of the original in bytes.
    size: Mapped[int]
    # SHA-256 hex of the original bytes, also recorded in the case event.
    original_sha256: Mapped[str] = mapped_column(String(64))
    # nonce + AES-GCM ciphertext of the original; associated data
    # b"attachment:<case_id>:<original_sha256>" (workflows.kernel.uploads.attachment_aad).
    original_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # Metadata-free derivative (re-encoded image / cleaned PDF), what departments see.
    scrubbed: Mapped[bytes] = mapped_column(LargeBinary)
    scrubbed_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
