"""The forms of the report form approval (bpmn/report_form_approval.bpmn, 新增报表审批): a
department drafts the form it wants villages to fill, its head signs off, 区委农办 reviews."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate, validates_schema

from workflows.kernel.forms import SignOffSchema, StrictSchema
from workflows.kernel.forms import reason_needed as _reason_needed
from workflows.kernel.ids import ProcessId, ReportFormTask

PROCESS = str(ProcessId.REPORT_FORM_APPROVAL)


class ReportFormStartSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))


class DraftReportFormSchema(StrictSchema):
    form_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    purpose = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    field_count = fields.Integer(required=True, validate=validate.Range(min=1, max=500))
    frequency = fields.String(
        required=True, validate=validate.OneOf(["once", "monthly", "quarterly", "yearly"])
    )
    already_collected = fields.Boolean(load_default=False)


class ReviewFormSchema(StrictSchema):
    review_decision = fields.String(
        required=True, validate=validate.OneOf(["approve", "return", "reject"])
    )
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason_needed(data, "review_decision")


TASK_FORMS: dict[str, type[StrictSchema]] = {
    ReportFormTask.DRAFT_FORM: DraftReportFormSchema,
    ReportFormTask.SIGN_OFF: SignOffSchema,
    ReportFormTask.REVIEW_FORM: ReviewFormSchema,
}
