"""What the app and work group request plugs into the kernel: its forms, the start data, the
villages and duplicate check at the draft, and the registry projection."""

from __future__ import annotations

from workflows.apps import approval, projection
from workflows.apps import forms as app_forms
from workflows.kernel import forms, registry
from workflows.kernel.ids import AppTask

PROCESS = app_forms.PROCESS


def register() -> None:
    forms.register_process(
        PROCESS,
        start=app_forms.AppStartSchema,
        tasks=dict(app_forms.TASK_FORMS),
        checks={AppTask.DRAFT_APP: app_forms.check_draft,
                AppTask.BURDEN_REVIEW: app_forms.check_review},
    )
    registry.add_start_hook(PROCESS, approval.start_data)
    registry.add_task_input_hook(PROCESS, AppTask.DRAFT_APP, approval.draft_inputs)
    # Publishing a request writes the registry rows (and notifies the villages).
    registry.add_projection("app_registry", projection.project, order=12)
