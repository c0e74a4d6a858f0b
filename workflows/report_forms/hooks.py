"""What the report form approval plugs into the kernel: its forms."""

from __future__ import annotations

from workflows.kernel import forms, registry
from workflows.report_forms import forms as report_forms


def register() -> None:
    forms.register_process(report_forms.PROCESS, start=report_forms.ReportFormStartSchema,
                           tasks=dict(report_forms.TASK_FORMS))
    # 区委农办 is reminded after 5 working days of review.
    registry.add_default_settings(report_forms.PROCESS, {"review_reminder_days": 5})
