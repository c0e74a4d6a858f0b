"""The inspection request in the command layer (docs/inspections.md).

- `start_data`: only a clerk of a district department asks; adds the supervision office's
  lane scope (区委督查办 approves supervisions, 区委农办 everything else).
- `draft_inputs`: the villages picked one by one or by town, resolved to
  `villages` [{unit_id, name, town_id}] and `towns` [{unit_id, name, village_ids}]: the
  parallel town review and village rating run one instance per entry.
- `head_review_inputs`: when the head approves, the command computes the facts the decision
  table decides on (`check_facts`): visits per village in the quarter and the year counting
  this one, approved inspections overlapping in time on the same villages, catalog items
  not referenceable on the first day. Recorded in the event: the engine never reads the
  database and replay needs none.

All three are registered in `workflows.kernel.registry`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AssessmentItem, Case, OrgKind, OrgUnit
from workflows.catalog import browse as catalog
from workflows.inspections import dates
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import CaseState

PROCESS = str(ProcessId.INSPECTION_REQUEST)
SUPERVISION_OFFICE_CODE = "qwdcb"  # 区委督查办
# Case statuses of an approved inspection (it occupies the villages' calendars).
APPROVED_STATUSES = frozenset({"scheduled", "rating", "closed"})


def start_data(
    session: Session, actor: Actor, org_unit_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or unit.kind != OrgKind.DEPARTMENT.value:
        raise NotAllowedError("only a district department asks to inspect villages")
    office = session.scalar(select(OrgUnit).where(OrgUnit.code == SUPERVISION_OFFICE_CODE))
    if office is None:
        raise NotFoundError(f"org unit {SUPERVISION_OFFICE_CODE} is not configured")
    scopes = dict(data.get("lane_scopes") or {})
    scopes[access.SUPERVISOR] = office.id
    return {**data, "lane_scopes": scopes, "owner_unit_id": org_unit_id}


def resolve_villages(
    session: Session, village_ids: list[int], town_ids: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(villages, towns) of a request; unknown or wrong-kind units are refused."""
    chosen: dict[int, OrgUnit] = {}
    for vid in village_ids:
        unit = session.get(OrgUnit, vid)
        if unit is None or unit.kind != OrgKind.VILLAGE.value:
            raise ValidationFailedError({"village_ids": [f"{vid} is not a village"]})
        chosen[unit.id] = unit
    for tid in town_ids:
        town = session.get(OrgUnit, tid)
        if town is None or town.kind != OrgKind.TOWN.value:
            raise ValidationFailedError({"town_ids": [f"{tid} is not a town"]})
        for unit in session.scalars(
            select(OrgUnit).where(OrgUnit.parent_id == tid, OrgUnit.kind == OrgKind.VILLAGE.value)
        ):
            chosen[unit.id] = unit
    if not chosen:
        raise ValidationFailedError({"village_ids": ["no village chosen"]})
    units = sorted(chosen.values(), key=lambda u: u.id)
    villages: list[dict[str, Any]] = [
        {"unit_id": u.id, "name": u.name, "town_id": u.parent_id} for u in units
    ]
    towns: list[dict[str, Any]] = []
    for tid in sorted({u.parent_id for u in units if u.parent_id is not None}):
        town = session.get(OrgUnit, tid)
        assert town is not None
        towns.append(
            {
                "unit_id": tid,
                "name": town.name,
                "village_ids": [v["unit_id"] for v in villages if v["town_id"] == tid],
            }
        )
    return villages, towns


def draft_inputs(
    session: Session, case: Case, state: CaseState, data: dict[str, Any]
) -> dict[str, Any]:
    dates.refuse_past(data, dates.MEETING_DATES if case.case_type != PROCESS
                      else dates.INSPECTION_DATES)
    villages, towns = resolve_villages(
        session, list(data.get("village_ids") or []), list(data.get("town_ids") or [])
    )
    return {**data, "villages": villages, "towns": towns}


@dataclass(frozen=True)
class Approved:
    """An approved inspection as the checks and the calendar see it."""

    case_id: int
    title: str
    owner_unit_id: int | None
    inspection_type: str
    start: date
    end: date
    village_ids: frozenset[int]


def approved_inspections(session: Session, exclude: int | None = None) -> list[Approved]:
    """Every approved inspection (from the cases' data), but `exclude`."""
    out = []
    rows = session.execute(
        select(Case.id, Case.title, Case.data).where(
            Case.case_type == PROCESS, Case.status.in_(sorted(APPROVED_STATUSES))
        )
    )
    for case_id, title, raw in rows:
        if case_id == exclude:
            continue
        data = json.loads(raw or "{}")
        try:
            start = date.fromisoformat(data["window_start"])
            end = date.fromisoformat(data["window_end"])
        except (KeyError, TypeError, ValueError):
            continue
        out.append(
            Approved(
                case_id,
                title,
                data.get("owner_unit_id"),
                str(data.get("inspection_type", "")),
                start,
                end,
                frozenset(int(v["unit_id"]) for v in data.get("villages", [])),
            )
        )
    return out


def _quarter(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3


def check_facts(
    session: Session, case_id: int | None, data: dict[str, Any]
) -> dict[str, Any]:
    """The facts the decision table `inspection_check` decides on."""
    start = date.fromisoformat(data["window_start"])
    end = date.fromisoformat(data["window_end"])
    villages = {int(v["unit_id"]): str(v["name"]) for v in data.get("villages", [])}
    others = approved_inspections(session, exclude=case_id)
    counts: list[dict[str, Any]] = []
    for vid, name in sorted(villages.items()):
        # Counted by the kind of inspection: each type has its own quota (the DMN).
        same_kind = [
            o for o in others
            if vid in o.village_ids and o.inspection_type == data.get("inspection_type")
        ]
        quarter = 1 + sum(1 for o in same_kind if _quarter(o.start) == _quarter(start))
        year = 1 + sum(1 for o in same_kind if o.start.year == start.year)
        counts.append({"village_id": vid, "name": name, "quarter": quarter, "year": year})
    quarter_count = max((int(c["quarter"]) for c in counts), default=1)
    year_count = max((int(c["year"]) for c in counts), default=1)
    busiest = [str(c["name"]) for c in counts if c["quarter"] == quarter_count]
    overlaps = []
    for o in others:
        shared = sorted(o.village_ids & villages.keys())
        if shared and o.start <= end and start <= o.end:
            overlaps.append(
                {
                    "case_id": o.case_id,
                    "title": o.title,
                    "owner_unit_id": o.owner_unit_id,
                    "inspection_type": o.inspection_type,
                    "window_start": o.start.isoformat(),
                    "window_end": o.end.isoformat(),
                    "villages": [villages[v] for v in shared],
                }
            )
    invalid = []
    for item_id in data.get("item_ids") or []:
        if not catalog.referenceable(session, int(item_id), start):
            item = session.get(AssessmentItem, int(item_id))
            invalid.append(item.code if item is not None else f"#{item_id}")
    return {
        "items_ok": not invalid,
        "invalid_items": invalid,
        "village_counts": counts,
        "quarter_count": quarter_count,
        "year_count": year_count,
        "busiest": "、".join(busiest),
        "overlap_count": len(overlaps),
        "overlaps": overlaps,
    }


def head_review_inputs(
    session: Session, case: Case, state: CaseState, data: dict[str, Any]
) -> dict[str, Any]:
    if data.get("head_decision") != "approve":
        return data
    return {**data, "check_facts": check_facts(session, case.id, state.data)}
