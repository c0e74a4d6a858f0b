"""A case: one BPMN process instance plus the link to its business record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Case(Base):
    __tablename__ = "case_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    # Compare-and-set counter: the number of events the case has.
    version: Mapped[int] = mapped_column(default=0)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    scope_org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    # Workflow state as canonical JSON, without the process spec (re-attached from the cache).
    snapshot: Mapped[str] = mapped_column(Text)
    # Field-level view of the case data after the last command (what diffs are taken against).
    data: Mapped[str] = mapped_column(Text, default="{}")
    business_type: Mapped[str | None] = mapped_column(String(80))
    business_id: Mapped[int | None]
    last_event_hash: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
