"""Forms of the supervision review (docs/supervision.md): the start data a sampling draw
records, and one schema per user task of bpmn/supervision_review.bpmn.

`workflows.kernel.forms` registers these (START_FORMS, TASK_FORMS, TASK_CHECKS, PUBLIC_STARTS);
this module imports nothing from it, so there is no import cycle.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflows.kernel.ids import ProcessId, SupervisionTask

ID_RANGE = validate.Range(min=1, max=2**31 - 1)  # a database integer id

PROCESS = str(ProcessId.SUPERVISION_REVIEW)
# What the reviewer may find wrong in a sampled case.
VIOLATION_KINDS: tuple[str, ...] = (
    "deadline",  # 超期办理
    "procedure",  # 程序不规范
    "substance",  # 问题未实质解决
    "records",  # 台账记录不实
    "other",
)
# The case types a draw may take its population from.
SAMPLED_TYPES: tuple[str, ...] = (
    str(ProcessId.BURDEN_COMPLAINT),
    str(ProcessId.REPORT_FORM_APPROVAL),
)
SEED_CHARS = 64


class SupervisionSchema(Schema):
    """Unknown keys are refused, not ignored (as `workflows.kernel.forms.StrictSchema`)."""

    class Meta:
        unknown = RAISE


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _need(data: dict[str, Any], names: tuple[str, ...], message: str) -> None:
    errors = {name: [message] for name in names if _blank(data.get(name))}
    if errors:
        raise ValidationError(errors)


class DrawSchema(SupervisionSchema):
    """The draw a review came from: enough to repeat it (docs/supervision.md)."""

    draw_id = fields.String(required=True, validate=validate.Length(equal=16))
    seed = fields.String(required=True, validate=validate.Length(min=1, max=SEED_CHARS))
    size = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    as_of = fields.String(required=True, validate=validate.Length(max=40))
    case_types = fields.List(fields.String(validate=validate.OneOf(SAMPLED_TYPES)),
                             required=True)
    population = fields.List(fields.Integer(validate=ID_RANGE), required=True)
    population_hash = fields.String(required=True, validate=validate.Length(equal=64))
    drawn = fields.List(fields.Integer(validate=ID_RANGE), required=True)
    drawn_by = fields.Integer(required=True)


class ReviewStartSchema(SupervisionSchema):
    """The case_started data of one review: the sampled case and the draw."""

    sampled_case_id = fields.Integer(required=True, validate=ID_RANGE)
    sampled_case_type = fields.String(required=True, validate=validate.OneOf(SAMPLED_TYPES))
    sampled_title = fields.String(load_default="", validate=validate.Length(max=300))
    # The unit that answers for the sampled case (its responsible or requesting unit).
    responsible_unit_id = fields.Integer(load_default=None, allow_none=True,
                                         validate=ID_RANGE)
    draw = fields.Nested(DrawSchema, required=True)


class ReviewCaseSchema(SupervisionSchema):
    """督查复查 (supervisor): the findings on the sampled case."""

    finding = fields.String(required=True, validate=validate.OneOf(["no_violation",
                                                                    "violation"]))
    findings = fields.String(required=True, validate=validate.Length(min=2, max=4000))
    violation_kind = fields.String(validate=validate.OneOf(VIOLATION_KINDS))
    correction_required = fields.String(validate=validate.Length(max=4000))
    # Another unit than the sampled case's own may be made to correct.
    responsible_unit_id = fields.Integer(validate=ID_RANGE)

    @validates_schema
    def conditional(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("finding") == "violation":
            _need(data, ("violation_kind", "correction_required"),
                  "required when there is a violation")


def check_review(loaded: dict[str, Any], case_data: dict[str, Any]) -> None:
    """A violation needs a unit to correct it: the form's or the sampled case's own."""
    if loaded.get("finding") != "violation":
        return
    if loaded.get("responsible_unit_id") is None and case_data.get("responsible_unit_id") is None:
        raise ValidationError("required when there is a violation: the unit that corrects",
                              "responsible_unit_id")


class CorrectViolationSchema(SupervisionSchema):
    """责任单位整改 (clerk of the responsible unit)."""

    actions_taken = fields.String(required=True, validate=validate.Length(min=2, max=4000))
    evidence = fields.String(required=True, validate=validate.Length(min=2, max=4000))


class CheckCorrectionSchema(SupervisionSchema):
    """督查办核查 (supervisor): pass ends the case, return sends it back to the unit."""

    check_decision = fields.String(required=True, validate=validate.OneOf(["pass", "return"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("check_decision") == "return":
            _need(data, ("comment",), "required when returning the correction")


TASK_FORMS: dict[tuple[str, str], type[Schema]] = {
    (PROCESS, SupervisionTask.REVIEW_CASE): ReviewCaseSchema,
    (PROCESS, SupervisionTask.CORRECT_VIOLATION): CorrectViolationSchema,
    (PROCESS, SupervisionTask.CHECK_CORRECTION): CheckCorrectionSchema,
}
