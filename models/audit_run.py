"""Audit verification runs: when the history was last verified and every break found.

The worker records one periodically, `jianfu audit verify` and the audit page's "verify
now" button one each; the audit page lists the latest (`workflows.kernel.audit_runs`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class AuditRun(Base):
    __tablename__ = "audit_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ok: Mapped[bool]
    # Every problem found: [{kind, message, case_id, seq, global_seq}]
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    events_checked: Mapped[int]
    checkpoints_checked: Mapped[int]
    signatures_checked: Mapped[int]
    # Who asked for it (None: the worker or the command line, see `source`).
    triggered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    source: Mapped[str] = mapped_column(String(20))  # web | worker | cli
