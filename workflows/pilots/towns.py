"""The towns of measures 7 and 8: which unit a start is for, and the demonstration towns the
policy names (南川委农办〔2021〕6号, measure 8)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgKind, OrgUnit
from workflows.kernel.errors import ValidationFailedError

# 乡村振兴示范镇: the towns the policy encourages to try new ways (and that may run variants).
DEMONSTRATION_TOWNS: tuple[str, ...] = ("大观镇", "木凉镇", "兴隆镇", "河图镇")


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def town_of_start(session: Session, data: Mapping[str, Any], org_unit_id: int | None) -> int | None:
    """The town a new case is for: its `town_id`, else its `village_id`'s town, else the
    town of the unit it starts for (a town, or a village of it); None: no single town."""
    town_id = _int(data.get("town_id"))
    if town_id is not None:
        return town_id
    for candidate in (_int(data.get("village_id")), org_unit_id):
        if candidate is None:
            continue
        unit = session.get(OrgUnit, candidate)
        if unit is None:
            continue
        if unit.kind == OrgKind.TOWN:
            return unit.id
        if unit.kind == OrgKind.VILLAGE:
            return unit.parent_id
    return None


def require_town(session: Session, unit_id: object, field: str = "town_id") -> OrgUnit:
    unit = session.get(OrgUnit, unit_id) if isinstance(unit_id, int) else None
    if unit is None or unit.kind != OrgKind.TOWN:
        raise ValidationFailedError({field: ["choose a town"]})
    return unit


def require_demonstration_town(session: Session, unit_id: object) -> OrgUnit:
    town = require_town(session, unit_id)
    if town.name not in DEMONSTRATION_TOWNS:
        raise ValidationFailedError({"town_id": [
            "only a demonstration town (大观镇, 木凉镇, 兴隆镇, 河图镇) may run a variant"]})
    return town


def towns(session: Session) -> list[OrgUnit]:
    return list(session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.TOWN)
                                .order_by(OrgUnit.id)))
