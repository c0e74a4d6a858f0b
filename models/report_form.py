"""The report form registry (报表台账目录) and the village values of the "one form" (一套表).

- `ReportForm` / `ReportFormVersion`: every form or ledger a department demands of villages,
  with its full version history. Rows are a projection of the report form approval cases
  (`workflows.report_forms.registry`), written in the transaction of the publishing event and
  recomputed from the events by `workflows.report_forms.registry.rebuild`.
- `IndicatorValue`: the value a village holds for one indicator (or one field a form declared
  new) in one period, with who entered it and when. Each entry is a `data_recorded` event of
  the village's data record (`workflows.report_forms.values`); the rows are its projection.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class FormStatus(StrEnum):
    IN_FORCE = "in_force"
    RETIRED = "retired"


class ReportForm(Base):
    """A form as it stands now; `current_version` points into its versions."""

    __tablename__ = "report_form"

    # The id of the approval case that created the form (stable across a rebuild).
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # BB-<year>-<nnn> by publication order within the year.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    current_version: Mapped[int]
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # "villages": villages fill it (pre-filled from their data); "shared": every field is
    # already held, so the department reads the shared data and villages fill nothing.
    collection: Mapped[str] = mapped_column(String(20))
    effective_date: Mapped[date] = mapped_column(Date)
    retired_on: Mapped[date | None] = mapped_column(Date)


class ReportFormVersion(Base):
    """One published version of a form: every field as approved, and who published it."""

    __tablename__ = "report_form_version"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("report_form.id"), index=True)
    version: Mapped[int]
    change_kind: Mapped[str] = mapped_column(String(20))  # new | change | retire
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    frequency: Mapped[str] = mapped_column(String(20))  # monthly | quarterly | yearly
    due_day: Mapped[int]  # day of the period's last month the form is due
    # "all" or a list of town ids whose villages fill the form
    towns: Mapped[list[int] | str] = mapped_column(JSON)
    submission: Mapped[str] = mapped_column(String(20))  # online | paper | both
    # [{"key": "f1", "name": "...", "indicator": "POP_REG" | None, "unit": "人"}]
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    effective_date: Mapped[date] = mapped_column(Date)
    change_note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class IndicatorValue(Base):
    """The latest value of one indicator (or form field) of one village for one period."""

    __tablename__ = "indicator_value"
    __table_args__ = (UniqueConstraint("village_id", "indicator", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    # A dictionary code ("POP_REG") or a form's own field ("F12.f3").
    indicator: Mapped[str] = mapped_column(String(40), index=True)
    period: Mapped[str] = mapped_column(String(10))  # 2026 | 2026-Q4 | 2026-12
    value: Mapped[str] = mapped_column(String(40))
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The data record case and the seq of the event that entered this value.
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))
    seq: Mapped[int]
