"""Who follows which case: the inbox's *following* tab. Personal, not case history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class CaseFollow(Base):
    __tablename__ = "case_follow"
    __table_args__ = (UniqueConstraint("user_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
