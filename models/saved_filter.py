"""Saved inbox filters: a name, the inbox tab and filter parameters, optionally shared with
every member of the owner's org unit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class SavedFilter(Base):
    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    # The unit it is shared with (one of the owner's units when saved).
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The inbox query as {parameter: value} strings (tab, process, due, q, ...).
    params: Mapped[dict[str, str]] = mapped_column(JSON)
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
