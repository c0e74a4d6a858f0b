"""When an inspection's outcome may be recorded (issue 19, item 6).

What actually happened on site is recorded once the visit has ended: from process version 2 on,
`bpmn/inspection_request.bpmn` waits at the timer `wait_visit_end` until `visit_ends_at` (the
window's last day, 18:00 China time) before it opens `record_outcome`, whose deadline then
counts from the visit's end. Cases pinned to the first version open `record_outcome` at
approval; for them, and for any version:

- `outcome_inputs` (task-input hook of `record_outcome`) refuses dates that have not come yet
  (the local day of the command), so that nothing on the calendar is "实际发生" before it did.
- `end_visit` fires a case's due timers at a given moment, as the worker would: the demo and
  the tests use it to reach the visit's end without running a worker.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Case, DueJob
from workflows.kernel import registry, worker
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.state import CaseState

OUTCOME_DATES = ("actual_start", "actual_end")
OWNER = "inspections.end_visit"


def outcome_inputs(
    session: Session, case: Case, state: CaseState, data: dict[str, Any]
) -> dict[str, Any]:
    now = registry.command_now()
    if now is None:
        return data
    today = WorkCalendar.local_date(now)
    errors: dict[str, list[str]] = {}
    for name in OUTCOME_DATES:
        try:
            day = date.fromisoformat(str(data.get(name) or ""))
        except ValueError:
            continue  # the schema already refused it
        if day > today:
            errors[name] = [f"{day.isoformat()} has not come yet (today is {today.isoformat()})"]
    if errors:
        raise ValidationFailedError(errors)
    return data


def end_visit(session: Session, case_id: int, at: datetime) -> int:
    """Fire every timer of the case due by `at` (at its due time or `at`, whichever is later
    for the case); returns how many fired."""
    ids = list(session.scalars(
        select(DueJob.id).where(DueJob.case_id == case_id, DueJob.state == "pending",
                                DueJob.due_at < at + timedelta(microseconds=1))
        .order_by(DueJob.due_at, DueJob.id)))
    if not ids:
        return 0
    session.execute(update(DueJob).where(DueJob.id.in_(ids))
                    .values(lease_owner=OWNER, lease_until=at + worker.LEASE)
                    .execution_options(synchronize_session=False))
    session.commit()
    return sum(1 for job_id in ids if worker.fire(session, job_id, OWNER, at))


def visit_end(case_data: dict[str, Any]) -> datetime | None:
    """The moment the case's visit ends (None before approval or on the first version)."""
    try:
        return datetime.fromisoformat(str(case_data["visit_ends_at"]))
    except (KeyError, ValueError):
        return None
