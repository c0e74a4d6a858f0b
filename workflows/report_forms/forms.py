"""The forms of the report form approval (bpmn/report_form_approval.bpmn, 新增报表审批): a
department proposes a new form, a change or a retirement of one of its forms and drafts it,
its head signs off, 区委农办 reviews (docs/report_forms.md).

The draft's `field_lines` are one line each: the field's name with its unit in brackets, then
"=" and either the "one form" indicator it is (`户籍人口（人）= POP_REG`) or "新" for a field
the form collects itself (`活动次数（次）= 新`; a line without "=" is new as well).
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from workflows.kernel.forms import SignOffSchema, StrictSchema, TaskCheck
from workflows.kernel.forms import reason_needed as _reason_needed
from workflows.kernel.ids import ProcessId, ReportFormTask
from workflows.report_forms import indicators
from workflows.report_forms.matching import split_unit

PROCESS = str(ProcessId.REPORT_FORM_APPROVAL)
CHANGE_KINDS: tuple[str, ...] = ("new", "change", "retire")
FREQUENCIES = indicators.FREQUENCIES
SUBMISSIONS: tuple[str, ...] = ("online", "paper", "both")
NEW_MARKS = frozenset({"", "新", "新增", "new"})
MAX_FIELDS = 60
# The fields of one registry version, as the draft form has them.
FORM_FIELDS: tuple[str, ...] = (
    "form_name", "purpose", "legal_basis", "frequency", "due_day", "town_ids", "submission",
    "field_lines",
)
ID_RANGE = validate.Range(min=1, max=2**31 - 1)


class ReportFormStartSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    change_kind = fields.String(load_default="new", validate=validate.OneOf(CHANGE_KINDS))
    form_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)

    @validates_schema
    def form_named(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("change_kind") in ("change", "retire") and data.get("form_id") is None:
            raise ValidationError("required for a change or a retirement", "form_id")
        if data.get("change_kind") == "new" and data.get("form_id") is not None:
            raise ValidationError("a new form has no number yet", "form_id")


def parse_field(line: str) -> dict[str, Any]:
    """One draft line as {"name", "unit", "indicator"}; ValueError says what is wrong."""
    text = line.replace("＝", "=").strip()
    label, _, mark = text.partition("=")
    name, unit = split_unit(label.strip())
    if not 1 <= len(name) <= 60:
        raise ValueError(f"「{line.strip()[:30]}」: a field needs a name of 1 to 60 characters")
    code = mark.strip()
    if code in NEW_MARKS:
        return {"name": name, "unit": unit, "indicator": None}
    found = indicators.get(code.upper())
    if found is None:
        raise ValueError(f"「{name}」: no indicator {code} in the one form (write 新 for a "
                         "new field)")
    return {"name": name, "unit": unit or found.unit, "indicator": found.code}


def parse_fields(lines: list[str]) -> list[dict[str, Any]]:
    """The draft's field lines as the registry stores them (keys f1, f2, ...)."""
    out: list[dict[str, Any]] = []
    for line in (x for x in lines if x.strip()):
        out.append({"key": f"f{len(out) + 1}", **parse_field(line)})
    return out


class Lines(fields.List[str]):
    """A list of text lines, posted either as a list or as one text (one entry per line: the
    page's textarea, `webapp.core.schema_form`)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = [line.strip() for line in value.splitlines() if line.strip()]
        return super()._deserialize(value, attr, data, **kwargs)


class DraftReportFormSchema(StrictSchema):
    form_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    purpose = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    legal_basis = fields.String(required=True, validate=validate.Length(min=2, max=1000))
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    due_day = fields.Integer(required=True, validate=validate.Range(min=1, max=28))
    # Empty: the villages of every town.
    town_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=list,
                           validate=validate.Length(max=50), metadata={"widget": "towns"})
    submission = fields.String(required=True, validate=validate.OneOf(SUBMISSIONS))
    field_lines = Lines(fields.String(validate=validate.Length(max=200)), required=True,
                        validate=validate.Length(min=1, max=MAX_FIELDS))
    change_note = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def fields_parse(self, data: dict[str, Any], **_: Any) -> None:
        lines = [x for x in data.get("field_lines") or [] if x.strip()]
        if not lines:
            raise ValidationError("list at least one field", "field_lines")
        try:
            parsed = parse_fields(lines)
        except ValueError as err:
            raise ValidationError(str(err), "field_lines") from err
        names = [f["name"] for f in parsed]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValidationError(f"listed twice: {'、'.join(twice)}", "field_lines")


class ReviewFormSchema(StrictSchema):
    review_decision = fields.String(
        required=True, validate=validate.OneOf(["approve", "return", "reject"])
    )
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    # Why new fields the check found already held are collected anyway (check_review).
    held_reason = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason_needed(data, "review_decision")


def check_draft(fields_: dict[str, Any], case_data: dict[str, Any]) -> None:
    """A change or retirement says why."""
    if case_data.get("change_kind") in ("change", "retire") and not str(
            fields_.get("change_note") or "").strip():
        raise ValidationError("say why the form is changed or retired", "change_note")


def check_review(fields_: dict[str, Any], case_data: dict[str, Any]) -> None:
    """Approving new fields that the one form already holds needs a written reason."""
    check = case_data.get("field_check") or {}
    if (fields_.get("review_decision") == "approve" and check.get("reusable")
            and len(str(fields_.get("held_reason") or "").strip()) < 4):
        raise ValidationError(
            "some new fields are already held in the one form: reuse them (return the form) "
            "or say why they are collected again", "held_reason")


TASK_FORMS: dict[str, type[StrictSchema]] = {
    ReportFormTask.DRAFT_FORM: DraftReportFormSchema,
    ReportFormTask.SIGN_OFF: SignOffSchema,
    ReportFormTask.REVIEW_FORM: ReviewFormSchema,
}
TASK_CHECKS: dict[str, TaskCheck] = {
    ReportFormTask.DRAFT_FORM: check_draft,
    ReportFormTask.REVIEW_FORM: check_review,
}
