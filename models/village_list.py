"""The village lists (measure 5): the self-governance list (自治清单), the assistance list
(协助清单), the certificate list (证明事项清单) and the plaques a village office may carry
(机构牌子); what plaques hang in each village now; and the service purchases (购买服务,
measure 6) approved work assignments carry.

Every row is a projection of approval cases (`workflows.lists.projection`): the command that
publishes or approves a case writes them in the same transaction as its event, and
`workflows.lists.rebuild` recomputes them from the events. Nobody edits them directly.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ListKind(StrEnum):
    SELF_GOVERNANCE = "self_governance"
    ASSISTANCE = "assistance"
    CERTIFICATE = "certificate"
    PLAQUE = "plaque"


class EntryStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


class ListEntry(Base):
    """An entry of one list as it stands now; `current_version` points into its versions."""

    __tablename__ = "list_entry"

    # The id of the approval case that added the entry (stable across a rebuild).
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    list_kind: Mapped[str] = mapped_column(String(20), index=True)
    # Human-facing number: ZZ-, XZ-, ZM- or PZ-<year>-<nnn> by publication order.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    current_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), index=True)
    # The department the entry serves (who may ask the village for it).
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    in_force_from: Mapped[date] = mapped_column(Date)
    in_force_to: Mapped[date | None] = mapped_column(Date)


class ListEntryVersion(Base):
    """One published version of an entry: every field as approved, and who published it."""

    __tablename__ = "list_entry_version"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entry.id"), index=True)
    version: Mapped[int]
    change_kind: Mapped[str] = mapped_column(String(20))  # add | amend | remove
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    in_force_from: Mapped[date] = mapped_column(Date)
    in_force_to: Mapped[date | None] = mapped_column(Date)
    change_note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class PlaqueStatus(StrEnum):
    HUNG = "hung"
    MERGED = "merged"
    REMOVED = "removed"


class VillagePlaque(Base):
    """A plaque hanging (or once hung) at a village office."""

    __tablename__ = "village_plaque"

    # The plaque change case that hung it.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    village_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The plaque list entry that allows it.
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entry.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    hung_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # A merged plaque's successor.
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("village_plaque.id"))
    # The case that merged or removed it.
    ended_by_case: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))


class ServicePurchase(Base):
    """The service-purchase record (购买服务) of an approved work assignment. One agreement
    pays for one assignment: the unique agreement reference is what makes two approvals
    racing on the same agreement impossible (the second becomes a conflict)."""

    __tablename__ = "service_purchase"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), unique=True)
    paying_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    budget_line: Mapped[str] = mapped_column(String(100))
    agreement_ref: Mapped[str] = mapped_column(String(60), unique=True)
    payment_schedule: Mapped[str] = mapped_column(Text)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())
