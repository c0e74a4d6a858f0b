"""Substitutes: while a user is away (a range of local dates, both ends included), a
colleague of the same unit and role sees and works the tasks that user holds.

Rows are never deleted: a cancelled substitution keeps its row with `cancelled_at`, so who
could act for whom, and when, stays on record.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Substitute(Base):
    __tablename__ = "substitute"
    __table_args__ = (Index("ix_substitute_substitute_dates", "substitute_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The person who is away.
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
