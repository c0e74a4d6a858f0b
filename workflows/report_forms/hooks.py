"""What the report forms plug into the kernel: the approval's forms, its start data, the
field check at the draft, and the registry and village value projections."""

from __future__ import annotations

from marshmallow import fields, validate

from workflows.kernel import forms, registry
from workflows.kernel.ids import ReportFormTask
from workflows.report_forms import approval, values
from workflows.report_forms import forms as report_forms
from workflows.report_forms import registry as form_registry


class RecordStartSchema(forms.StrictSchema):
    """The village data record's start form: only `workflows.report_forms.values` starts one
    (public: never a clerk through the staff pages)."""

    title = fields.String(required=True, validate=validate.Length(min=2, max=200))


def register() -> None:
    forms.register_process(values.PROCESS, start=RecordStartSchema, public=True)
    forms.register_process(report_forms.PROCESS, start=report_forms.ReportFormStartSchema,
                           tasks=dict(report_forms.TASK_FORMS),
                           checks=dict(report_forms.TASK_CHECKS))
    # 区委农办 is reminded after 5 working days of review.
    registry.add_default_settings(report_forms.PROCESS, {"review_reminder_days": 5})
    registry.add_start_hook(report_forms.PROCESS, approval.start_data)
    registry.add_task_input_hook(report_forms.PROCESS, ReportFormTask.DRAFT_FORM,
                                 approval.draft_inputs)
    # A finished proposal writes the registry; an entered value writes the village's values.
    registry.add_projection("report_form_registry", form_registry.project, order=12)
    registry.add_projection("village_values", values.project, order=13)
