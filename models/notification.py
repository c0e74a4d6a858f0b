"""Notifications (in-app, a projection of case events) and the outbox of e-mails the worker
sends. Neither is history: no notification is hashed or replayed.

A notification stores a text key and its parameters, translated when shown, and never any
personal data of complainants (task names, stages and ids only).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_mail_pending", "emailed_at", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    # task_assigned | task_available | deadline_warning | deadline_breach | comment | case_closed
    kind: Mapped[str] = mapped_column(String(40))
    text_key: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The time of the event that caused it (not the wall clock).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When it went into a digest mail (stays NULL for people without an e-mail address).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMail(Base):
    """One e-mail to send; claimed by a worker with a lease, like a due job."""

    __tablename__ = "outbox_mail"
    __table_args__ = (
        Index("ix_outbox_mail_pending", "state", "next_attempt_at"),
        Index("ix_outbox_mail_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Not before this moment (back-off after a failed attempt); NULL = at once.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
