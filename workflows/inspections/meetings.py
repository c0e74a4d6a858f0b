"""Meeting and activity requests in the command layer (docs/inspections.md, meetings).

- `start_data`: only a clerk of a district department asks for village attendance; adds
  `max_meeting_hours` (the length limit per meeting, a start setting, default 2 hours).
- `draft_inputs`: the villages picked one by one or by town, resolved as for inspections;
  a meeting longer than `max_meeting_hours` is refused at filing on its `hours` field with
  the limit (the process's own length check stays for drafts recorded before).

Both are registered in `workflows.kernel.registry`; the bundling into combined sessions is
`workflows.inspections.bundler`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models import Case
from workflows.inspections import requests as inspections
from workflows.kernel.access import Actor
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.state import CaseState
from workflows.lists import purchase_rule

MAX_MEETING_HOURS = 2.0


def start_data(
    session: Session, actor: Actor, org_unit_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    data = inspections.start_data(session, actor, org_unit_id, data)
    return {**data, "max_meeting_hours": float(data.get("max_meeting_hours", MAX_MEETING_HOURS))}


def draft_inputs(
    session: Session, case: Case, state: CaseState, data: dict[str, Any]
) -> dict[str, Any]:
    limit = float(state.data.get("max_meeting_hours") or MAX_MEETING_HOURS)
    if float(data.get("hours") or 0) > limit:
        raise ValidationFailedError({"hours": [f"a meeting lasts at most {limit:g} hours"]})
    out = inspections.draft_inputs(session, case, state, data)
    # Work outside the self-governance and assistance lists must be bought (issue 14).
    work = purchase_rule.check_request(session, case, str(data.get("purpose") or ""),
                                       date.fromisoformat(str(data["preferred_date"])))
    if purchase_rule.refusal(work):
        raise ValidationFailedError({"purpose": [str(purchase_rule.refusal(work))]})
    return {**out, "work_check": work}
