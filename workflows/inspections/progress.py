"""Where an inspection or meeting request stands, as its clerk reads it (issue 19, item 4).

The processes set `case_status` at their milestones; between two of them a task may be open
that the stored status does not name: the clerk choosing to join or reschedule after the
overlap check (still "head_review"), 区委农办 deciding on an urgent meeting (still
"drafting"). `shown_status` names those moments from the open tasks, for display only: the
stored status, the events and replay are untouched.

`latest_return` is why the request came back to the draft: the last entry the process
appended to `returns` (the head's comment, the automatic check's reason, the towns'
objections, the approver's comment, the meeting's length limit).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workflows.kernel.ids import InspectionTask, MeetingTask, ProcessId

INSPECTION = str(ProcessId.INSPECTION_REQUEST)
MEETING = str(ProcessId.MEETING_REQUEST)
OVERLAP_PENDING = "overlap_pending"
URGENT_REVIEW = "urgent_review"
DRAFT_TASKS = frozenset({str(InspectionTask.DRAFT_REQUEST), str(MeetingTask.DRAFT_MEETING)})


def shown_status(case_type: str, status: str, open_task_ids: Iterable[str]) -> str:
    """The status to show: the stored one, or what an open task says is happening."""
    open_ids = {str(t) for t in open_task_ids}
    if case_type == INSPECTION and str(InspectionTask.RESOLVE_OVERLAP) in open_ids:
        return OVERLAP_PENDING
    if case_type == MEETING and str(MeetingTask.APPROVE_URGENT) in open_ids:
        return URGENT_REVIEW
    return status


def latest_return(case_type: str, status: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The last return ({stage, reason, at}) while the request waits for its draft again."""
    if case_type not in (INSPECTION, MEETING) or status != "returned":
        return None
    returns = [r for r in data.get("returns") or [] if isinstance(r, dict)]
    return returns[-1] if returns else None
