"""The inbox projection: one row per user task a case has offered, open or finished."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class HumanTaskState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class HumanTask(Base):
    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("case_id", "task_uuid"),
        # A command reads a case's open tasks and the lanes it was ever offered to: both
        # through the index, so a case with many finished tasks costs no more (issue 15).
        Index("ix_human_task_case_open", "case_id", "state"),
        Index("ix_human_task_case_lane", "case_id", "role", "scope_org_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    task_uuid: Mapped[str] = mapped_column(String(36))
    task_id: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40), index=True)
    scope_org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    claimant_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
