"""The assessment item catalog (考核评比项目目录): one row per item and its full version history.

Rows are a projection of the approval cases (`workflows.catalog.projection`): the command
that publishes a case writes them in the same transaction as its event, and
`workflows.catalog.browse.rebuild` recomputes them from the events. Nobody edits them directly.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ItemStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class AssessmentItem(Base):
    """An item as it stands now; `current_version` points into its versions."""

    __tablename__ = "assessment_item"

    # The id of the approval case that created the item: stable, and the same when the
    # catalog is recomputed from the events.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Human-facing number, KH-<year>-<nnn> by publication order within the year.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    current_version: Mapped[int]
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # First day the item may be assessed (of its first version).
    effective_date: Mapped[date] = mapped_column(Date)
    # First day it may no longer be referenced (set by a published retirement).
    retired_on: Mapped[date | None] = mapped_column(Date)


class AssessmentItemVersion(Base):
    """One published version of an item: every field as approved, and who published it."""

    __tablename__ = "assessment_item_version"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_item.id"), index=True)
    version: Mapped[int]
    change_kind: Mapped[str] = mapped_column(String(20))  # new | change | retire
    name: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(20))  # villages | towns | both
    content: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(20))  # on_site | materials | online
    frequency: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(20))
    weight: Mapped[int]  # points out of 100 in the consolidated annual assessment
    legal_basis: Mapped[str] = mapped_column(Text)
    effective_date: Mapped[date] = mapped_column(Date)
    change_note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The approval case whose final event published this version.
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
