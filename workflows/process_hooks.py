"""What a process adds to the generic commands of `workflows.cases`.

- START_HOOKS: the start data a process needs beyond its start form (lane scopes of its own
  lanes, the record it changes); may refuse the start.
- TASK_INPUT_HOOKS: inputs the command computes from the database when a task completes
  (e.g. the duplicate check at an item's sign-off). They are recorded in the event with
  the form, so the engine never reads the database and replay needs none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from models import Case
from workflows import inspection_quota, inspections, item_approval, meetings
from workflows.access import Actor
from workflows.ids import InspectionTask, ItemTask, MeetingTask, ProcessId
from workflows.state import CaseState

StartHook = Callable[[Session, Actor, int, dict[str, Any]], dict[str, Any]]
TaskInputHook = Callable[[Session, Case, CaseState, dict[str, Any]], dict[str, Any]]

ITEM = str(ProcessId.ASSESSMENT_ITEM_APPROVAL)
INSPECTION = str(ProcessId.INSPECTION_REQUEST)
MEETING = str(ProcessId.MEETING_REQUEST)
START_HOOKS: dict[str, StartHook] = {
    ITEM: item_approval.start_data,
    INSPECTION: inspections.start_data,
    MEETING: meetings.start_data,
}
TASK_INPUT_HOOKS: dict[tuple[str, str], TaskInputHook] = {
    (ITEM, ItemTask.SIGN_OFF): item_approval.sign_off_inputs,
    (INSPECTION, InspectionTask.DRAFT_REQUEST): inspections.draft_inputs,
    (INSPECTION, InspectionTask.HEAD_REVIEW): inspections.head_review_inputs,
    (INSPECTION, InspectionTask.APPROVE_REQUEST): inspection_quota.approval_inputs,
    (INSPECTION, InspectionTask.APPROVE_SUPERVISION): inspection_quota.approval_inputs,
    (MEETING, MeetingTask.DRAFT_MEETING): meetings.draft_inputs,
}


def start_data(
    session: Session, actor: Actor, process_id: str, org_unit_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    hook = START_HOOKS.get(process_id)
    return hook(session, actor, org_unit_id, data) if hook is not None else data


def task_inputs(
    session: Session, case: Case, state: CaseState, task_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    hook = TASK_INPUT_HOOKS.get((case.case_type, task_id))
    return hook(session, case, state, data) if hook is not None else data
