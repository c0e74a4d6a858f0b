"""The list change process in the command layer (docs/lists.md).

- `start_data`: a clerk of a district department (区委农办 included) proposes a new entry on
  a list; an amendment or removal only for an active entry that serves the clerk's department
  (区委农办 may change any) and has no unfinished proposal. Adds the lane scope of
  区政府办公室 and, for an amendment or removal, the entry's current version (the draft is
  prefilled from it).
- `draft_inputs`: the duplicate check of the draft against the same list (the assessment
  catalog's Chinese matching), recorded in the event as `duplicate_check`, so the engine
  never reads the lists and replay needs no database. Removals are not checked.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, EntryStatus, ListEntry, ListEntryVersion, OrgKind, OrgUnit
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import CaseState
from workflows.lists import matching

PROCESS = str(ProcessId.LIST_CHANGE)
GOVERNMENT_OFFICE_CODE = "qzfbgs"  # 区政府办公室
BURDEN_OFFICE_CODE = "qwnb"  # 区委农办
FINAL_STATUSES = frozenset({"published", "rejected"})


def unit_by_code(session: Session, code: str) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFoundError(f"org unit {code} is not configured")
    return unit


def version_fields(version: ListEntryVersion) -> dict[str, Any]:
    """The fields of a list version as the draft form has them."""
    return {
        "title": version.title, "entry_description": version.description,
        "legal_basis": version.legal_basis, "unit_id": version.unit_id,
        "in_force_from": version.in_force_from.isoformat(),
        "in_force_to": version.in_force_to.isoformat() if version.in_force_to else "",
    }


def current_version(session: Session, entry: ListEntry) -> ListEntryVersion:
    version = session.scalar(select(ListEntryVersion).where(
        ListEntryVersion.entry_id == entry.id,
        ListEntryVersion.version == entry.current_version))
    if version is None:  # pragma: no cover - the projection writes both in one transaction
        raise NotFoundError("the entry has no current version")
    return version


def open_proposal_for(session: Session, entry_id: int) -> int | None:
    rows = session.execute(select(Case.id, Case.data).where(
        Case.case_type == PROCESS, Case.status.notin_(sorted(FINAL_STATUSES))))
    for case_id, data in rows:
        if json.loads(data or "{}").get("entry_id") == entry_id:
            return int(case_id)
    return None


def start_data(session: Session, actor: Actor, org_unit_id: int, data: dict[str, Any]
               ) -> dict[str, Any]:
    """The start data of a proposal by a clerk of `org_unit_id`.

    :raise NotAllowedError: the unit is no district department, or the entry serves another
    :raise ValidationFailedError: no such active entry, or it already has an open proposal
    """
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or unit.kind != OrgKind.DEPARTMENT:
        raise NotAllowedError("only a district department proposes list changes")
    out = dict(data)
    out["proposer_unit_id"] = org_unit_id
    out["lane_scopes"] = {**out.get("lane_scopes", {}),
                          access.GOVERNMENT_OFFICE: unit_by_code(
                              session, GOVERNMENT_OFFICE_CODE).id}
    if out.get("change_kind") == "add":
        out["unit_id"] = org_unit_id
        return out
    entry_id = int(out["entry_id"])
    entry = session.get(ListEntry, entry_id)
    if (entry is None or entry.status != EntryStatus.ACTIVE
            or entry.list_kind != out.get("list_kind")):
        raise ValidationFailedError({"entry_id": ["no active entry with this number on "
                                                  "this list"]})
    if entry.unit_id != org_unit_id and unit.code != BURDEN_OFFICE_CODE:
        raise NotAllowedError("only the department an entry serves, or 区委农办, changes it")
    pending = open_proposal_for(session, entry_id)
    if pending is not None:
        raise ValidationFailedError(
            {"entry_id": [f"this entry already has an unfinished proposal (case {pending})"]})
    current = version_fields(current_version(session, entry))
    out.update({"entry_code": entry.code, "base_version": entry.current_version,
                "current": current, **current})
    return out


def draft_inputs(session: Session, case: Case, state: CaseState, data: dict[str, Any]
                 ) -> dict[str, Any]:
    """The draft plus the duplicate check against the same list (not for a removal)."""
    proposal = state.data
    unit = session.get(OrgUnit, int(data["unit_id"]))
    if unit is None or unit.kind != OrgKind.DEPARTMENT:
        raise ValidationFailedError({"unit_id": ["choose a district department"]})
    if proposal.get("change_kind") == "remove":
        check: dict[str, Any] = {"threshold": matching.THRESHOLD, "compared": 0,
                                 "matches": [], "skipped": "removal"}
    else:
        entry_id = proposal.get("entry_id")
        check = matching.match(
            session, {"name": data["title"], "content": data["entry_description"]},
            [str(proposal["list_kind"])], exclude_entry_id=int(entry_id) if entry_id else None)
    return {**data, "duplicate_check": check}
