"""Task form schemas: each BPMN user task (and each process start) maps to a marshmallow
schema; unknown keys are refused, not ignored (DESIGN §2 step 3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflows import (
    complaint_forms,
    form_hash,
    inspection_forms,
    item_forms,
    supervision_forms,
)
from workflows.errors import ValidationFailedError
from workflows.ids import ComplaintTask, ItemTask, ProcessId, ReportFormTask, SupervisionTask

REPORT_FORM = ProcessId.REPORT_FORM_APPROVAL
BURDEN_COMPLAINT = ProcessId.BURDEN_COMPLAINT
ITEM_APPROVAL = ProcessId.ASSESSMENT_ITEM_APPROVAL


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


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


def _reason_needed(data: dict[str, Any], decision_field: str, approve: str = "approve") -> None:
    if data.get(decision_field) != approve and not (data.get("comment") or "").strip():
        raise ValidationError("a reason is required when not approving", "comment")


class SignOffSchema(StrictSchema):
    head_decision = fields.String(required=True, validate=validate.OneOf(["approve", "return"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    allows_bulk = True

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason_needed(data, "head_decision")


class ReviewFormSchema(StrictSchema):
    review_decision = fields.String(
        required=True, validate=validate.OneOf(["approve", "return", "reject"])
    )
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason_needed(data, "review_decision")


START_FORMS: dict[str, type[Schema]] = {
    REPORT_FORM: ReportFormStartSchema,
    # The public filing form (workflows.complaints splits name and phone off before start).
    BURDEN_COMPLAINT: complaint_forms.ComplaintFilingSchema,
    ITEM_APPROVAL: item_forms.ItemProposalSchema,
}
# Processes the public files through their own service (workflows.complaints), never
# started by a clerk through cases.start_case or the staff "new case" page.
PUBLIC_STARTS: frozenset[str] = frozenset({BURDEN_COMPLAINT})
TASK_FORMS: dict[tuple[str, str], type[Schema]] = {
    (REPORT_FORM, ReportFormTask.DRAFT_FORM): DraftReportFormSchema,
    (REPORT_FORM, ReportFormTask.SIGN_OFF): SignOffSchema,
    (REPORT_FORM, ReportFormTask.REVIEW_FORM): ReviewFormSchema,
    (BURDEN_COMPLAINT, ComplaintTask.INTAKE): complaint_forms.IntakeSchema,
    (BURDEN_COMPLAINT, ComplaintTask.CORRECTION): complaint_forms.CorrectionSchema,
    (BURDEN_COMPLAINT, ComplaintTask.REVIEW_EXTENSION): complaint_forms.ReviewExtensionSchema,
    (BURDEN_COMPLAINT, ComplaintTask.VERIFICATION): complaint_forms.VerificationSchema,
    (BURDEN_COMPLAINT, ComplaintTask.RETURN_VISIT): complaint_forms.ReturnVisitSchema,
    (BURDEN_COMPLAINT, ComplaintTask.APPEAL_WINDOW): complaint_forms.AppealSchema,
    (ITEM_APPROVAL, ItemTask.DRAFT_ITEM): item_forms.DraftItemSchema,
    (ITEM_APPROVAL, ItemTask.SIGN_OFF): SignOffSchema,
    (ITEM_APPROVAL, ItemTask.REVIEW_ITEM): item_forms.ReviewItemSchema,
    (ITEM_APPROVAL, ItemTask.PARTY_OFFICE_SIGN_OFF): item_forms.OfficeSignOffSchema,
    (ITEM_APPROVAL, ItemTask.GOVERNMENT_OFFICE_SIGN_OFF): item_forms.OfficeSignOffSchema,
}

TaskCheck = Callable[[dict[str, Any], dict[str, Any]], None]
# Checks that need the case data as well as the form: called with (validated fields, case
# data); they raise marshmallow ValidationError naming the field.
TASK_CHECKS: dict[tuple[str, str], TaskCheck] = {
    (BURDEN_COMPLAINT, ComplaintTask.CORRECTION): complaint_forms.check_correction,
    (ITEM_APPROVAL, ItemTask.DRAFT_ITEM): item_forms.check_draft,
    (ITEM_APPROVAL, ItemTask.REVIEW_ITEM): item_forms.check_review,
}

# The supervision review (issue 7): started only by a sampling draw (workflows.supervision).
SUPERVISION_REVIEW = ProcessId.SUPERVISION_REVIEW
START_FORMS[SUPERVISION_REVIEW] = supervision_forms.ReviewStartSchema
PUBLIC_STARTS = PUBLIC_STARTS | {SUPERVISION_REVIEW}
TASK_FORMS.update(supervision_forms.TASK_FORMS)
TASK_CHECKS[(SUPERVISION_REVIEW, SupervisionTask.REVIEW_CASE)] = supervision_forms.check_review

# The inspection request (issue 6, docs/inspections.md).
START_FORMS[inspection_forms.PROCESS] = inspection_forms.InspectionStartSchema
START_FORMS[inspection_forms.MEETING] = inspection_forms.MeetingStartSchema
TASK_FORMS.update(inspection_forms.TASK_FORMS)
TASK_CHECKS[(inspection_forms.PROCESS, inspection_forms.T.RESOLVE_OVERLAP)] = (
    inspection_forms.check_overlap
)


def _flat(messages: Any) -> list[str]:
    """The messages of one field; a list field's are keyed by position ({0: [...]}), a nested
    schema's by its fields: flattened, each once, so the form shows them by the field."""
    if isinstance(messages, dict):
        found = [m for v in messages.values() for m in _flat(v)]
        return list(dict.fromkeys(found))
    if isinstance(messages, list):
        return [m for v in messages for m in _flat(v)]
    return [str(messages)]


def _failed(err: ValidationError) -> ValidationFailedError:
    # A check's error is keyed by its field_name; a schema's errors are already a dict.
    messages: Any = err.normalized_messages()  # type: ignore[no-untyped-call]
    return ValidationFailedError({str(k): _flat(v) for k, v in messages.items()})


def _load(schema_cls: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = schema_cls().load(data)
    except ValidationError as err:
        raise _failed(err) from err
    return loaded


def validate_start(process_id: str, data: dict[str, Any]) -> dict[str, Any]:
    schema = START_FORMS.get(process_id)
    if schema is None:
        raise ValidationFailedError({"process_id": [f"unknown process {process_id}"]})
    return _load(schema, data)


def validate_task(
    process_id: str,
    task_id: str,
    data: dict[str, Any],
    case_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The validated fields of a task form; `case_data` (the case's current data) lets a
    check in TASK_CHECKS refuse what the form alone cannot see (e.g. a second extension)."""
    schema = TASK_FORMS.get((process_id, task_id))
    if schema is None:
        raise ValidationFailedError({"task": [f"no form registered for {task_id}"]})
    loaded = _load(schema, data)
    check = TASK_CHECKS.get((process_id, task_id))
    if check is not None:
        try:
            check(loaded, case_data or {})
        except ValidationError as err:
            raise _failed(err) from err
    return loaded


def form_schema(process_id: str, task_id: str) -> type[Schema] | None:
    return TASK_FORMS.get((process_id, task_id))


def schema_hash(process_id: str, task_id: str) -> str | None:
    """The content hash of a task's form schema (`workflows.form_hash`), recorded with every
    completion so an auditor can tell which form validated it."""
    schema = form_schema(process_id, task_id)
    return None if schema is None else form_hash.form_hash(schema)
