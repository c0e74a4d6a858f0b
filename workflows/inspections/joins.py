"""Joining an overlapping inspection (issue 19, item 3).

When the automatic check finds approved inspections sharing a village and days with a request
(`check_facts.overlaps`), the clerk either reschedules or joins one of them (`resolve_overlap`,
"merge"): the request then ends "merged" and its team goes along on the host's visit. Joining is
not a way around the rules of a visit:

- `join_inputs` (task-input hook of `resolve_overlap`): the host must still be approved; the
  joining team visits the villages both requests share (the others are left out: a request
  for them is filed on its own); the quota of the request's type is counted again for those
  villages and the period of the host's first day, as at an approval (`quota.claims_for`),
  and a breach refuses the join on `merge_with`. Recorded in the event: `join` (the host's
  case, title, department and window, the shared villages, the joining team's people and
  days) and `quota_slots` (inserted by `quota.project`, rebuilt from the events).
- Who hears of it (`workflows.notifications.notify`): the host department's clerks and head
  and the cadres of the shared villages.
- The calendar and the ledger (`ledger.inspection_entries`) list the joining team in each
  shared village on the host's dates; the joining department may open the inspection it
  joined (`may_read`; `webapp/inspections/joined.py`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, OrgKind, OrgUnit
from workflows.inspections import quota
from workflows.inspections import requests as inspections
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.state import CaseState

MERGED = "merged"
READERS = frozenset({access.CLERK, access.UNIT_HEAD})


def join_inputs(
    session: Session, case: Case, state: CaseState, data: dict[str, Any]
) -> dict[str, Any]:
    if data.get("overlap_decision") != "merge":
        return data
    host_id = data.get("merge_with")
    host = next((a for a in inspections.approved_inspections(session, exclude=case.id)
                 if a.case_id == host_id), None)
    if host is None:
        raise ValidationFailedError({"merge_with": ["that inspection is no longer approved"]})
    own = state.data
    shared = [v for v in own.get("villages") or [] if int(v["unit_id"]) in host.village_ids]
    if not shared:
        raise ValidationFailedError({"merge_with": ["it visits none of these villages"]})
    claims, breaches = quota.claims_for(
        session, {**own, "villages": shared, "window_start": host.start.isoformat()})
    if breaches:
        raise ValidationFailedError({"merge_with": breaches})
    unit = session.get(OrgUnit, host.owner_unit_id) if host.owner_unit_id else None
    joining = session.get(OrgUnit, case.scope_org_unit_id) if case.scope_org_unit_id else None
    join = {
        "case_id": host.case_id, "title": host.title, "unit_id": host.owner_unit_id,
        "unit_name": unit.name if unit is not None else "",
        "by_unit_id": case.scope_org_unit_id,
        "by_unit_name": joining.name if joining is not None else "",
        "inspection_type": host.inspection_type,
        "window_start": host.start.isoformat(), "window_end": host.end.isoformat(),
        "villages": shared, "people": int(own.get("people") or 0),
        "days": int(own.get("days") or 0),
    }
    return {**data, "join": join, "quota_slots": claims}


def joined_by(session: Session, host_case_id: int) -> list[tuple[int, dict[str, Any]]]:
    """(case id, join) of every request that joined this inspection."""
    out = []
    rows = session.execute(select(Case.id, Case.data).where(
        Case.case_type == inspections.PROCESS, Case.status == MERGED))
    for case_id, raw in rows:
        join = json.loads(raw or "{}").get("join")
        if isinstance(join, dict) and join.get("case_id") == host_case_id:
            out.append((case_id, join))
    return out


def may_read(session: Session, actor: Actor, case: Case) -> bool:
    """A clerk or head of a department whose request joined this inspection may open it."""
    if case.case_type != inspections.PROCESS:
        return False
    units = {unit for role, unit, _ in actor.roles if role in READERS}
    if not units:
        return False
    for joined_id, _join in joined_by(session, case.id):
        joining = session.get(Case, joined_id)
        if joining is not None and joining.scope_org_unit_id in units:
            unit = session.get(OrgUnit, joining.scope_org_unit_id)
            if unit is not None and unit.kind == OrgKind.DEPARTMENT.value:
                return True
    return False
