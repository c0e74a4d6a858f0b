"""The registry of government apps and work groups demanded of villages (政务APP / 工作群).

Rows are a projection of the app request cases (`workflows.apps.projection`): the command
that publishes a request (new, merge or retire) writes them in the same transaction as its
event, and `workflows.apps.registry.rebuild` recomputes them from the events. Only an
active row is a legitimate demand on a village; nobody edits rows directly.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class AppStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"
    RETIRED = "retired"


class GovApp(Base):
    """An app or work group as it stands now; `current_version` points into its versions."""

    __tablename__ = "gov_app"

    # The id of the request case that registered it (the same when rebuilt from events).
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Human-facing number, YY-<year>-<nnn> by registration order within the year.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # app | wechat_group | dingtalk_group
    name: Mapped[str] = mapped_column(String(100))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    current_version: Mapped[int]
    # Set when merged: the app or group that took over its villages.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("gov_app.id"))


class GovAppVersion(Base):
    """One published version: every field as approved, and which case published it."""

    __tablename__ = "gov_app_version"
    __table_args__ = (UniqueConstraint("app_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("gov_app.id"), index=True)
    version: Mapped[int]
    change_kind: Mapped[str] = mapped_column(String(20))  # new | merge | absorb | retire
    name: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(Text)
    # JSON list of what it demands: install, login, daily_checkin, photo_upload, data_entry
    demands: Mapped[str] = mapped_column(Text)
    checkins_per_week: Mapped[int]
    minutes_per_checkin: Mapped[int]
    # JSON list of the village ids it is demanded of in this version
    village_ids: Mapped[str] = mapped_column(Text)
    change_note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class GovAppVillage(Base):
    """A village an active app or group is demanded of (what a village page lists)."""

    __tablename__ = "gov_app_village"

    app_id: Mapped[int] = mapped_column(ForeignKey("gov_app.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True,
                                            index=True)
