"""What a complaint keeps apart from its case: the sealed identity and the receipt lookup key.

Neither table holds a secret in the clear. `ComplaintIdentity.sealed` is the complainant's
name and phone, AES-GCM sealed with the vault key (`workflows.kernel.vault`); `ComplaintReceipt`
holds only Argon2id(code, system salt) (`workflows.complaints.receipts`), never the 16-digit code.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ComplaintIdentity(Base):
    """Name and phone of a named complaint, sealed; read only after an approved unseal."""

    __tablename__ = "complaint_identity"

    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), primary_key=True)
    # nonce (12 bytes) + AES-GCM ciphertext and tag; associated data b"identity:<case_id>".
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # Which vault key sealed it (key rotation).
    key_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ComplaintReceipt(Base):
    """The complainant's receipt as a lookup key: Argon2id hex of the code, unique."""

    __tablename__ = "complaint_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), unique=True)
    code_hash: Mapped[str] = mapped_column(String(128), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
