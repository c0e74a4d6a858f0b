"""The report form approval in the command layer (docs/report_forms.md).

- `start_data`: what `cases.start_case` adds when a department clerk proposes a new form, a
  change or a retirement: the owner unit, and for a change or retirement the form's current
  version (the draft form is prefilled from it).
- `draft_inputs`: when the clerk sends the draft, the command matches every field against
  the "one form" (`workflows.report_forms.matching`) and passes the result in as task data
  (`field_check`, `all_fields_held`), so the engine never reads the dictionary and replay
  needs no database; the process ends "no new collection" when every field is held.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, FormStatus, OrgKind, OrgUnit, ReportForm, ReportFormVersion
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotAllowedError, ValidationFailedError
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import CaseState
from workflows.report_forms import matching
from workflows.report_forms.forms import parse_fields

PROCESS = str(ProcessId.REPORT_FORM_APPROVAL)
REVIEW_REMINDER_DAYS = 5
FINAL_STATUSES = frozenset({"published", "rejected", "all_held"})


def version_fields(version: ReportFormVersion) -> dict[str, Any]:
    """The fields of a registry version as the draft form has them."""
    towns = version.towns if isinstance(version.towns, list) else []
    lines = [
        f"{f['name']}（{f['unit']}）= {f['indicator'] or '新'}" if f.get("unit")
        else f"{f['name']} = {f['indicator'] or '新'}"
        for f in version.fields
    ]
    return {
        "form_name": version.name, "purpose": version.purpose,
        "legal_basis": version.legal_basis, "frequency": version.frequency,
        "due_day": version.due_day, "town_ids": list(towns), "submission": version.submission,
        "field_lines": lines,
    }


def current_version(session: Session, form: ReportForm) -> ReportFormVersion:
    found = session.scalar(select(ReportFormVersion).where(
        ReportFormVersion.form_id == form.id,
        ReportFormVersion.version == form.current_version))
    assert found is not None  # the projection writes both in one transaction
    return found


def open_proposal_for(session: Session, form_id: int) -> int | None:
    """The id of an unfinished proposal that changes or retires `form_id`, if any."""
    rows = session.execute(select(Case.id, Case.data).where(
        Case.case_type == PROCESS, Case.status.notin_(sorted(FINAL_STATUSES))))
    for case_id, data in rows:
        if json.loads(data or "{}").get("form_id") == form_id:
            return int(case_id)
    return None


def start_data(
    session: Session, actor: Actor, org_unit_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """The start data of a proposal by a clerk of `org_unit_id`.

    :raise NotAllowedError: the unit is no district department, or the form is another's
    :raise ValidationFailedError: no such form in force, or it has an open proposal already
    """
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or unit.kind != OrgKind.DEPARTMENT:
        raise NotAllowedError("only a district department proposes report forms")
    out = dict(data)
    out.setdefault("change_kind", "new")
    out["owner_unit_id"] = org_unit_id
    out.setdefault("review_reminder_days", REVIEW_REMINDER_DAYS)
    if out["change_kind"] == "new":
        return out
    form = session.get(ReportForm, int(out["form_id"]))
    if form is None or form.status != FormStatus.IN_FORCE:
        raise ValidationFailedError({"form_id": ["no form in force with this number"]})
    if form.owner_unit_id != org_unit_id:
        raise NotAllowedError("only the owner department may change or retire its form")
    pending = open_proposal_for(session, form.id)
    if pending is not None:
        raise ValidationFailedError(
            {"form_id": [f"this form already has an unfinished proposal (case {pending})"]})
    current = version_fields(current_version(session, form))
    out.update({"form_code": form.code, "base_version": form.current_version,
                "current": current, **current})
    return out


def field_check(lines: list[str]) -> dict[str, Any]:
    """Per field: the indicator it was mapped to, the best suggestions, and for a field
    declared new that the one form already holds, which indicator ("reuse it")."""
    rows = []
    for field in parse_fields(lines):
        suggestions = [s.as_dict() for s in matching.suggest(
            f"{field['name']}（{field['unit']}）" if field["unit"] else field["name"])]
        held_as = None
        if field["indicator"] is None and suggestions and suggestions[0]["likely"]:
            held_as = suggestions[0]["indicator"]
        rows.append({**field, "suggestions": suggestions, "held_as": held_as})
    mapped = sum(1 for r in rows if r["indicator"])
    return {
        "threshold": matching.THRESHOLD,
        "fields": rows,
        "mapped": mapped,
        "total": len(rows),
        "reusable": sum(1 for r in rows if r["held_as"]),
    }


def draft_inputs(
    session: Session, case: Case, state: CaseState, data: dict[str, Any]
) -> dict[str, Any]:
    """The clerk's draft plus the field check; a retirement collects nothing new."""
    if state.data.get("change_kind") == "retire":
        return {**data, "field_check": {}, "all_fields_held": False}
    check = field_check(list(data.get("field_lines") or []))
    return {**data, "field_check": check,
            "all_fields_held": check["total"] > 0 and check["mapped"] == check["total"]}
