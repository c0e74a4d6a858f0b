"""What inspections and meetings plug into the kernel: their forms, the start data, the facts
computed at the draft, the head's review and the approval (quota re-check), and the quota
slots an approval takes."""

from __future__ import annotations

from workflows.inspections import forms as inspection_forms
from workflows.inspections import join_notices, joins, meetings, quota, visits
from workflows.inspections import requests as inspections
from workflows.kernel import forms, registry
from workflows.kernel.ids import InspectionTask, MeetingTask

INSPECTION = inspection_forms.PROCESS
MEETING = inspection_forms.MEETING


def register() -> None:
    forms.register_process(INSPECTION, start=inspection_forms.InspectionStartSchema,
                           checks={InspectionTask.RESOLVE_OVERLAP: inspection_forms.check_overlap})
    forms.register_process(MEETING, start=inspection_forms.MeetingStartSchema)
    forms.register_task_forms(inspection_forms.TASK_FORMS)
    registry.add_start_hook(INSPECTION, inspections.start_data)
    registry.add_start_hook(MEETING, meetings.start_data)
    for task_id, hook in (
        (InspectionTask.DRAFT_REQUEST, inspections.draft_inputs),
        (InspectionTask.HEAD_REVIEW, inspections.head_review_inputs),
        (InspectionTask.APPROVE_REQUEST, quota.approval_inputs),
        (InspectionTask.APPROVE_SUPERVISION, quota.approval_inputs),
        (InspectionTask.RESOLVE_OVERLAP, joins.join_inputs),
        (InspectionTask.RECORD_OUTCOME, visits.outcome_inputs),
    ):
        registry.add_task_input_hook(INSPECTION, task_id, hook)
    registry.add_task_input_hook(MEETING, MeetingTask.DRAFT_MEETING, meetings.draft_inputs)
    # An approved inspection takes its villages' quota slots.
    registry.add_projection("inspection_quota", quota.project, order=20)
    # A request that joined an overlapping inspection: the host department and the villages.
    registry.add_projection("inspection_join_notices", join_notices.project, order=21)
