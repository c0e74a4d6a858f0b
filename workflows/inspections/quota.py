"""The quota re-checked at approval, and the slots that make it hold under concurrency.

The head's approval records `check_facts` (counts per village) and the decision table
refuses a request over quota; but between that check and the approval another inspection of
the same village may be approved. So the approval command counts again:

- `approval_inputs` (a task-input hook of `approve_request` / `approve_supervision`): when
  the decision is "approve", for every village of the request and for the quarter and the
  year of the window's first day, the slots already taken (`InspectionSlot` rows); if one
  more would exceed the quota of the latest check (`quarter_quota`, `year_quota` from
  `inspection_quota.dmn`), the approval is refused with the village, period and count (the
  approver returns or rejects the request instead). Otherwise the claims, each the next
  slot number, are recorded in the event (`quota_slots`): history says which slot each
  approval took.
- `project` (in `commands.AFTER_PROJECTIONS`): inserts the claimed slots in the command's
  transaction. Two approvals racing for the same last slot claim the same slot number; the
  unique constraint fails the second, which becomes a 409 conflict; on retry its check sees
  the slot taken. Neither the count nor the insert can be skipped: the check alone races,
  the insert alone cannot refuse (tests/integration/test_inspection_quota_races.py breaks each).
- `rebuild`: the slot table recomputed from the events (the recorded claims), as a
  projection must be.

A request that joins an overlapping inspection (`joins.join_inputs`) claims its slots the same
way, in the event that merges it.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, InspectionSlot
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.ids import InspectionTask, ProcessId
from workflows.kernel.state import TASK_COMPLETED, CaseState, EventDraft
from workflows.lists import purchase_rule

PROCESS = str(ProcessId.INSPECTION_REQUEST)
APPROVALS = frozenset({str(InspectionTask.APPROVE_REQUEST),
                       str(InspectionTask.APPROVE_SUPERVISION)})
SCHEDULED = "scheduled"
# Joining an overlapping inspection counts against the quota too (`joins.join_inputs`).
JOIN = str(InspectionTask.RESOLVE_OVERLAP)
MERGED = "merged"
CLAIMS = APPROVALS | {JOIN}


def periods(first_day: date) -> tuple[str, str]:
    """(year, quarter) period keys of a window's first day: ("2026", "2026-Q2")."""
    return str(first_day.year), f"{first_day.year}-Q{(first_day.month - 1) // 3 + 1}"


def _quota(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def claims_for(session: Session, data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """(the next slot of every village and period, the quota breaches as messages)."""
    kind = str(data.get("inspection_type", ""))
    year, quarter = periods(date.fromisoformat(str(data["window_start"])))
    limits = ((year, _quota(data, "year_quota")), (quarter, _quota(data, "quarter_quota")))
    claims: list[dict[str, Any]] = []
    breaches: list[str] = []
    for village in data.get("villages") or []:
        vid = int(village["unit_id"])
        for period, quota in limits:
            used, top = session.execute(
                select(func.count(), func.max(InspectionSlot.slot)).where(
                    InspectionSlot.village_id == vid,
                    InspectionSlot.inspection_type == kind,
                    InspectionSlot.period == period,
                )
            ).one()
            if quota is not None and used + 1 > quota:
                breaches.append(f"quota used up since the check: {village['name']}, {period} "
                                f"({used} of {quota} approved)")
            claims.append({"village_id": vid, "period": period, "slot": (top or 0) + 1})
    return claims, breaches


def approval_inputs(
    session: Session, case: Case, state: CaseState, data: dict[str, Any]
) -> dict[str, Any]:
    if data.get("approval_decision") != "approve":
        return data
    claims, breaches = claims_for(session, state.data)
    # Work outside the self-governance and assistance lists must be bought (issue 14).
    work = purchase_rule.check_request(session, case, str(state.data.get("purpose") or ""),
                                       date.fromisoformat(str(state.data["window_start"])))
    if purchase_rule.refusal(work):
        breaches.append(str(purchase_rule.refusal(work)))
    if breaches:
        raise ValidationFailedError({"approval_decision": breaches})
    return {**data, "quota_slots": claims, "work_check": work}


def _slots(case_id: int, kind: str, claims: list[dict[str, Any]], at: datetime
           ) -> list[InspectionSlot]:
    return [InspectionSlot(village_id=int(c["village_id"]), inspection_type=kind,
                           period=str(c["period"]), slot=int(c["slot"]), case_id=case_id,
                           claimed_at=at) for c in claims]


def project(session: Session, case: Case, draft: EventDraft, old: CaseState | None,
            new: CaseState) -> None:
    if case.case_type != PROCESS or draft.type != TASK_COMPLETED:
        return
    if not ((draft.task_id in APPROVALS and new.status == SCHEDULED)
            or (draft.task_id == JOIN and new.status == MERGED)):
        return
    claims = (draft.inputs.get("data") or {}).get("quota_slots") or []
    kind = str(new.data.get("inspection_type", ""))
    session.add_all(_slots(case.id, kind, claims, draft.at))
    # Flushed here so that a slot taken concurrently fails this command (a conflict).
    session.flush()


def rebuild(session: Session) -> int:
    """Recompute the slot table from the recorded claims; returns the number of slots."""
    session.execute(delete(InspectionSlot))
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.inputs, CaseEvent.at, Case.data)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(Case.case_type == PROCESS, CaseEvent.type == TASK_COMPLETED,
               CaseEvent.task_id.in_(sorted(CLAIMS)))
        .order_by(CaseEvent.global_seq)
    )
    count = 0
    for case_id, inputs, at, raw in rows:
        claims = (inputs.get("data") or {}).get("quota_slots") or []
        if not claims:
            continue
        kind = str(json.loads(raw or "{}").get("inspection_type", ""))
        session.add_all(_slots(case_id, kind, claims, at))
        count += len(claims)
    session.flush()
    return count
