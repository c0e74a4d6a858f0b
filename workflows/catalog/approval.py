"""The assessment item approval in the command layer (docs/assessment_items.md).

- `start_data`: what `cases.start_case` adds when a department clerk proposes a new item, a
  change or a retirement: the owner unit, the two offices' lane scopes, and for a change or
  retirement the item's current version (the draft form is prefilled from it).
- `sign_off_inputs`: when the unit head approves, the command runs the duplicate check
  against the active catalog and passes the result in as task data (`duplicate_check`),
  so the engine never reads the catalog and replay needs no database.

Both are registered in `workflows.kernel.registry`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AssessmentItem, AssessmentItemVersion, Case, ItemStatus, OrgKind, OrgUnit
from workflows.catalog import duplicates as item_duplicates
from workflows.catalog.forms import ITEM_FIELDS
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import CaseState

PROCESS = str(ProcessId.ASSESSMENT_ITEM_APPROVAL)
PARTY_OFFICE_CODE = "qwbgs"  # 区委办公室
GOVERNMENT_OFFICE_CODE = "qzfbgs"  # 区政府办公室
REVIEW_REMINDER_DAYS = 5
# Case statuses after which a proposal no longer holds its item.
FINAL_STATUSES = frozenset({"published", "rejected"})
# Prefilled for a change or retirement; a new effective date is always chosen anew.
PREFILLED = tuple(f for f in ITEM_FIELDS if f != "effective_date")


def _office(session: Session, code: str) -> int:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFoundError(f"org unit {code} is not configured")
    return unit.id


def version_fields(version: AssessmentItemVersion) -> dict[str, Any]:
    """The fields of a catalog version as the draft form has them."""
    return {
        "name": version.name,
        "target": version.target,
        "content": version.content,
        "criteria": version.criteria,
        "method": version.method,
        "frequency": version.frequency,
        "period": version.period,
        "weight": version.weight,
        "legal_basis": version.legal_basis,
        "effective_date": version.effective_date.isoformat(),
    }


def current_version(session: Session, item: AssessmentItem) -> AssessmentItemVersion:
    version = session.scalar(
        select(AssessmentItemVersion).where(
            AssessmentItemVersion.item_id == item.id,
            AssessmentItemVersion.version == item.current_version,
        )
    )
    if version is None:  # pragma: no cover - the projection writes both in one transaction
        raise NotFoundError("the item has no current version")
    return version


def open_proposal_for(session: Session, item_id: int) -> int | None:
    """The id of an unfinished proposal that changes or retires `item_id`, if any."""
    rows = session.execute(
        select(Case.id, Case.data).where(
            Case.case_type == PROCESS, Case.status.notin_(sorted(FINAL_STATUSES))
        )
    )
    for case_id, data in rows:
        if json.loads(data or "{}").get("item_id") == item_id:
            return int(case_id)
    return None


def start_data(
    session: Session, actor: Actor, org_unit_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """The start data of a proposal by a clerk of `org_unit_id` (see the module docstring).

    :raise NotAllowedError: the unit is no district department, or the item is another's
    :raise ValidationFailedError: no such active item, or it already has an open proposal
    """
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or unit.kind != OrgKind.DEPARTMENT:
        raise NotAllowedError("only a district department proposes assessment items")
    out = dict(data)
    out["owner_unit_id"] = org_unit_id
    out.setdefault("review_reminder_days", REVIEW_REMINDER_DAYS)
    out["lane_scopes"] = {
        **out.get("lane_scopes", {}),
        access.PARTY_OFFICE: _office(session, PARTY_OFFICE_CODE),
        access.GOVERNMENT_OFFICE: _office(session, GOVERNMENT_OFFICE_CODE),
    }
    if out.get("change_kind") == "new":
        return out
    item_id = int(out["item_id"])
    item = session.get(AssessmentItem, item_id)
    if item is None or item.status != ItemStatus.ACTIVE:
        raise ValidationFailedError({"item_id": ["no active item with this number"]})
    if item.owner_unit_id != org_unit_id:
        raise NotAllowedError("only the owner department may change or retire its item")
    pending = open_proposal_for(session, item_id)
    if pending is not None:
        raise ValidationFailedError(
            {"item_id": [f"this item already has an unfinished proposal (case {pending})"]}
        )
    current = version_fields(current_version(session, item))
    out["item_code"] = item.code
    out["base_version"] = item.current_version
    out["current"] = current
    out.update({k: current[k] for k in PREFILLED})
    return out


def sign_off_inputs(
    session: Session, case: Case, state: CaseState, data: dict[str, Any]
) -> dict[str, Any]:
    """The unit head's form plus, on approval, the duplicate check of the proposal."""
    if data.get("head_decision") != "approve":
        return data
    proposal = state.data
    if proposal.get("change_kind") == "retire":
        check: dict[str, Any] = {
            "threshold": item_duplicates.THRESHOLD, "compared": 0, "matches": [],
            "skipped": "retirement",
        }
    else:
        item_id = proposal.get("item_id")
        check = item_duplicates.check(
            session, proposal, exclude_item_id=int(item_id) if item_id else None
        )
    return {**data, "duplicate_check": check}
