"""The auditor's way in (issue 18, item 9): every case, searchable by its number or title and
filtered by process and status, newest first, each leading to its audit views (history,
time travel, certificate). Auditors and 区委督查办 only (`require_auditor`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Case, OrgUnit
from workflows.kernel.access import Actor, require_auditor

PER_PAGE = 50


@dataclass(frozen=True)
class CaseRow:
    id: int
    title: str
    case_type: str
    status: str
    unit: str | None  # the unit the case belongs to
    events: int
    started_at: datetime
    updated_at: datetime


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    session: Session, actor: Actor, *, q: str = "", case_type: str = "", status: str = "",
    page: int = 1, per_page: int = PER_PAGE,
) -> tuple[list[CaseRow], int]:
    """One page of cases matching the filters, newest first; and how many match."""
    require_auditor(actor)
    where = []
    q = q.strip()[:100]
    if q:
        number = q.lstrip("#")
        pattern = f"%{_escape_like(q)}%"
        text = Case.title.ilike(pattern, escape="\\")
        where.append(or_(text, Case.id == int(number)) if number.isdigit() and len(number) < 10
                     else text)
    if case_type:
        where.append(Case.case_type == case_type)
    if status:
        where.append(Case.status == status)
    total = int(session.scalar(select(func.count()).select_from(Case).where(*where)) or 0)
    rows = session.execute(
        select(Case.id, Case.title, Case.case_type, Case.status, OrgUnit.name, Case.version,
               Case.created_at, Case.updated_at)
        .outerjoin(OrgUnit, OrgUnit.id == Case.scope_org_unit_id)
        .where(*where).order_by(Case.id.desc())
        .offset((max(page, 1) - 1) * per_page).limit(per_page))
    return [CaseRow(*row) for row in rows], total


def filters(session: Session, actor: Actor) -> tuple[list[str], list[str]]:
    """The processes and statuses there are cases of (the page's two selects)."""
    require_auditor(actor)
    types = sorted(session.scalars(select(Case.case_type).distinct()))
    statuses = sorted(session.scalars(select(Case.status).distinct()))
    return types, statuses
