"""Org units: district -> departments / towns -> villages, as a tree with a materialized path."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class OrgKind(StrEnum):
    DISTRICT = "district"
    DEPARTMENT = "department"
    TOWN = "town"
    VILLAGE = "village"


class OrgUnit(Base):
    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    # "/1/4/17/": ids from the root down to this unit, so "is X inside Y" is a prefix test.
    path: Mapped[str] = mapped_column(String(400), index=True, default="/")
    is_demo: Mapped[bool] = mapped_column(default=False)
    # The official code: the 12-digit administrative division code of a town or village, the
    # 18-character unified social credit code of a department where known (issue 20).
    official_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    # In force from / until (inclusive) local dates: a unit that left the tree is kept, with
    # its history, and marked inactive from `valid_to` on; None = open-ended.
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]

    def active_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))

    def contains(self, other: OrgUnit) -> bool:
        """True when `other` is this unit or lies below it."""
        return other.path.startswith(self.path)
