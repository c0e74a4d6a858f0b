"""What the supervision review plugs into the kernel: its forms (started only by a sampling
draw, `workflows.supervision.sampling`)."""

from __future__ import annotations

from workflows.kernel import forms
from workflows.kernel.ids import SupervisionTask
from workflows.supervision import forms as supervision_forms


def register() -> None:
    forms.register_process(
        supervision_forms.PROCESS, start=supervision_forms.ReviewStartSchema,
        checks={SupervisionTask.REVIEW_CASE: supervision_forms.check_review}, public=True)
    forms.register_task_forms(supervision_forms.TASK_FORMS)
