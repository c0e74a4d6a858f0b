"""Open311 intake channels: one per partner system, authenticated by an API key.

Only the SHA-256 hex of the key is stored (the key is a high-entropy random token, so a
fast hash suffices as its verifier and as its lookup key).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ApiChannel(Base):
    __tablename__ = "api_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Appears in the case's `channel` as "open311:<name>".
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
