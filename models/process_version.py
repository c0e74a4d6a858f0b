"""Deployed process versions: the BPMN/DMN sources, keyed by their content hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ProcessVersion(Base):
    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # {file name: file text}; the .bpmn of the process plus the .dmn files it may call.
    sources: Mapped[dict[str, str]] = mapped_column(JSON)
    spiff_version: Mapped[str] = mapped_column(String(20))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who deployed it from the administration pages; None for `jianfu deploy`.
    deployed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # A variant bound to one org unit (e.g. a pilot town's own version of a process): never
    # the newest version for everyone; a case starts on it only when a feature's version
    # chooser picks it (`workflows.kernel.processes.for_start`). None: the standard version.
    bound_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
