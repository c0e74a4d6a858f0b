"""What the burden complaint plugs into the kernel: its forms (started by the public only,
through `workflows.complaints.filing`)."""

from __future__ import annotations

from workflows.complaints import forms as complaint_forms
from workflows.complaints import intake, retention, staff
from workflows.kernel import forms, registry
from workflows.kernel.ids import ComplaintTask, ProcessId

PROCESS = str(ProcessId.BURDEN_COMPLAINT)


def register() -> None:
    forms.register_process(
        PROCESS,
        # The public filing form (workflows.complaints.filing splits name and phone off
        # before the start).
        start=complaint_forms.ComplaintFilingSchema,
        tasks={
            ComplaintTask.INTAKE: complaint_forms.IntakeSchema,
            ComplaintTask.CORRECTION: complaint_forms.CorrectionSchema,
            ComplaintTask.REVIEW_EXTENSION: complaint_forms.ReviewExtensionSchema,
            ComplaintTask.VERIFICATION: complaint_forms.VerificationSchema,
            ComplaintTask.RETURN_VISIT: complaint_forms.ReturnVisitSchema,
            ComplaintTask.APPEAL_WINDOW: complaint_forms.AppealSchema,
        },
        checks={ComplaintTask.CORRECTION: complaint_forms.check_correction},
        public=True,
    )
    registry.add_public_voice(PROCESS, staff.public_voice)
    for task_id, hook in intake.HOOKS.items():
        registry.add_task_input_hook(PROCESS, task_id, hook)
    registry.add_batch_job(registry.BatchJob(
        "retention", settings=retention.RetentionSettings.from_env,
        run=retention.run_retention, every=retention.RUN_EVERY))
