"""The org tree: district -> departments / towns -> villages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgKind, OrgUnit
from workflows.kernel.errors import ValidationFailedError


def add_unit(
    session: Session,
    code: str,
    name: str,
    kind: OrgKind,
    parent: OrgUnit | None = None,
    *,
    is_demo: bool = False,
) -> OrgUnit:
    if session.scalar(select(OrgUnit).where(OrgUnit.code == code)):
        raise ValidationFailedError({"code": [f"org unit code {code} exists"]})
    unit = OrgUnit(
        code=code,
        name=name,
        kind=kind.value,
        parent_id=parent.id if parent else None,
        is_demo=is_demo,
        path="/",
    )
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    session.flush()
    return unit


def by_code(session: Session, code: str) -> OrgUnit | None:
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))
