"""What the village lists plug into the kernel: the forms of the list change, plaque change
and work assignment processes, their start data and task inputs (duplicate check, list match,
the service-purchase rule repeated at approval), and the projections (lists, plaques,
service purchases)."""

from __future__ import annotations

from workflows.kernel import forms, registry
from workflows.kernel.ids import ListTask, PlaqueTask, ProcessId, WorkTask
from workflows.lists import assignments, changes, plaques, projection
from workflows.lists import forms as list_forms

LIST_CHANGE = str(ProcessId.LIST_CHANGE)
PLAQUE_CHANGE = str(ProcessId.PLAQUE_CHANGE)
WORK_ASSIGNMENT = str(ProcessId.WORK_ASSIGNMENT)


def register() -> None:
    forms.register_process(
        LIST_CHANGE, start=list_forms.ListProposalSchema,
        tasks={ListTask.DRAFT_ENTRY: list_forms.DraftEntrySchema,
               ListTask.REVIEW_ENTRY: list_forms.ReviewEntrySchema,
               ListTask.SIGN_OFF_ENTRY: list_forms.SignOffEntrySchema},
        checks={ListTask.DRAFT_ENTRY: list_forms.check_draft_entry,
                ListTask.REVIEW_ENTRY: list_forms.check_review_entry})
    forms.register_process(
        PLAQUE_CHANGE, start=list_forms.PlaqueChangeSchema,
        tasks={PlaqueTask.REVIEW_PLAQUE: list_forms.ReviewPlaqueSchema})
    forms.register_process(
        WORK_ASSIGNMENT, start=list_forms.WorkStartSchema,
        tasks={WorkTask.DRAFT_ASSIGNMENT: list_forms.DraftAssignmentSchema,
               WorkTask.REVIEW_ASSIGNMENT: list_forms.ReviewAssignmentSchema,
               WorkTask.APPROVE_ASSIGNMENT: list_forms.ApproveAssignmentSchema})
    registry.add_start_hook(LIST_CHANGE, changes.start_data)
    registry.add_start_hook(PLAQUE_CHANGE, plaques.start_data)
    registry.add_start_hook(WORK_ASSIGNMENT, assignments.start_data)
    registry.add_task_input_hook(LIST_CHANGE, ListTask.DRAFT_ENTRY, changes.draft_inputs)
    registry.add_task_input_hook(WORK_ASSIGNMENT, WorkTask.DRAFT_ASSIGNMENT,
                                 assignments.draft_inputs)
    registry.add_task_input_hook(WORK_ASSIGNMENT, WorkTask.REVIEW_ASSIGNMENT,
                                 assignments.review_inputs)
    registry.add_task_input_hook(WORK_ASSIGNMENT, WorkTask.APPROVE_ASSIGNMENT,
                                 assignments.approval_inputs)
    # Publishing a list change writes the list rows; a plaque change the village's plaques;
    # an approved assignment with a purchase its service-purchase row.
    registry.add_projection("lists", projection.project, order=11)
    registry.add_projection("plaques", plaques.project, order=12)
    registry.add_projection("service_purchase", assignments.project, order=21)
