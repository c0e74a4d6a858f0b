"""Approved village work, paid and unpaid, folded from the case events (public entry point
for the village burden ledger, `workflows.inspections.ledger`).

- Work assignments (工作事项准入): every approved assignment gives one entry per village:
  paid when approved with a service purchase (its amount shared equally among its villages),
  unpaid when on the self-governance or assistance list.
- Inspections and meetings record the rule's check (`purchase_rule.check_request`) in their
  events as `work_check`; `paid_of(check)` reads it for the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from workflows.kernel import event_fold
from workflows.kernel.ids import ProcessId, WorkTask

ASSIGNMENT = str(ProcessId.WORK_ASSIGNMENT)
APPROVED = "approved"


@dataclass(frozen=True)
class WorkEntry:
    village_id: int
    case_id: int
    title: str
    start: date
    end: date
    paid: bool
    amount: float  # this village's share of the purchase, yuan (0 when unpaid)


def _entries(case: event_fold.FoldedCase) -> list[WorkEntry]:
    if not case.ever(APPROVED):
        return []
    data = case.data
    approval = next((c.data for c in reversed(case.completions)
                     if c.task_id == WorkTask.APPROVE_ASSIGNMENT), {})
    claim = approval.get("purchase_claim") or {}
    villages = data.get("villages") or []
    try:
        start, end = date.fromisoformat(data["start_on"]), date.fromisoformat(data["end_on"])
    except (KeyError, TypeError, ValueError):
        return []
    share = round(float(claim.get("amount") or 0) / len(villages), 2) if villages else 0.0
    return [WorkEntry(int(v["unit_id"]), case.case_id, str(data.get("task_title") or case.title),
                      start, end, bool(claim), share if claim else 0.0) for v in villages]


def assignment_entries(session: Session, as_of: datetime | None = None) -> list[WorkEntry]:
    """Every approved work assignment's entries, per village, from the events."""
    folded = event_fold.fold_all(session, as_of=as_of, case_types=[ASSIGNMENT])
    out: list[WorkEntry] = []
    for case in folded.values():
        out.extend(_entries(case))
    return sorted(out, key=lambda e: (e.village_id, e.start, e.case_id))


def paid_of(check: dict[str, Any] | None) -> str:
    """How a request's recorded `work_check` counts: "paid", "unpaid" (on a list, or no list
    in force) or "" (no check recorded)."""
    if not check:
        return ""
    return "paid" if check.get("result") == "purchased" else "unpaid"
