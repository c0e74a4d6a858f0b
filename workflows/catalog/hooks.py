"""What the assessment item approval plugs into the kernel: its forms, the start data and the
duplicate check at the head's sign-off, and the catalog projection."""

from __future__ import annotations

from workflows.catalog import approval as item_approval
from workflows.catalog import forms as item_forms
from workflows.catalog import projection
from workflows.kernel import forms, registry
from workflows.kernel.forms import SignOffSchema
from workflows.kernel.ids import ItemTask, ProcessId

PROCESS = str(ProcessId.ASSESSMENT_ITEM_APPROVAL)


def register() -> None:
    forms.register_process(
        PROCESS,
        start=item_forms.ItemProposalSchema,
        tasks={
            ItemTask.DRAFT_ITEM: item_forms.DraftItemSchema,
            ItemTask.SIGN_OFF: SignOffSchema,
            ItemTask.REVIEW_ITEM: item_forms.ReviewItemSchema,
            ItemTask.PARTY_OFFICE_SIGN_OFF: item_forms.OfficeSignOffSchema,
            ItemTask.GOVERNMENT_OFFICE_SIGN_OFF: item_forms.OfficeSignOffSchema,
        },
        checks={
            ItemTask.DRAFT_ITEM: item_forms.check_draft,
            ItemTask.REVIEW_ITEM: item_forms.check_review,
        },
    )
    registry.add_start_hook(PROCESS, item_approval.start_data)
    registry.add_task_input_hook(PROCESS, ItemTask.SIGN_OFF, item_approval.sign_off_inputs)
    # Publishing an assessment item writes the catalog rows.
    registry.add_projection("catalog", projection.project, order=10)
