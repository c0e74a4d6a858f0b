"""Quota slots of approved inspections: one row per village, inspection type, period and
slot number (1 .. the quota), claimed by the approval event that recorded it.

The unique constraint is what makes two concurrent approvals of the same village's last
slot impossible: the second insert fails and the command becomes a conflict (409); on retry
the approval check sees the slot taken (`workflows.inspections.quota`). A projection of the
events, rebuilt from them by `inspection_quota.rebuild`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class InspectionSlot(Base):
    __tablename__ = "inspection_slot"
    __table_args__ = (
        UniqueConstraint("village_id", "inspection_type", "period", "slot"),
        UniqueConstraint("case_id", "village_id", "period"),
        Index("ix_inspection_slot_usage", "village_id", "inspection_type", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    inspection_type: Mapped[str] = mapped_column(String(30))
    # "2026" (the year's quota) or "2026-Q2" (the quarter's)
    period: Mapped[str] = mapped_column(String(7))
    slot: Mapped[int]
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
