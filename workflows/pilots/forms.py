"""Forms of the five-year-plan check, the pilot variant approval and the innovation practice
(docs/pilots.md): their start forms and the schemas of their user tasks."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from workflows.kernel.forms import StrictSchema
from workflows.kernel.ids import PlanCheckTask, PracticeTask, ProcessId, VariantTask

PLAN_CHECK = str(ProcessId.FIVE_YEAR_PLAN_CHECK)
VARIANT_APPROVAL = str(ProcessId.PILOT_VARIANT_APPROVAL)
PRACTICE = str(ProcessId.INNOVATION_PRACTICE)

PLAN_DECISIONS = ("confirm", "return")
VARIANT_DECISIONS = ("approve", "reject")
PRACTICE_DECISIONS = ("adopt", "note")
SECTION_NEEDED = "name the section of the plan that names burden reduction"
REASON_NEEDED = "a reason is required when not approving"


def _text(low: int, high: int, *, required: bool = True) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(min=low, max=high))
    return fields.String(load_default="", validate=validate.Length(max=high))


class PlanFieldsSchema(StrictSchema):
    """What the town says about its plan (the start form and the revision)."""

    names_burden_reduction = fields.Boolean(required=True)
    section_reference = _text(0, 300, required=False)
    excerpt = _text(0, 2000, required=False)

    @validates_schema
    def section(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("names_burden_reduction") and not str(
                data.get("section_reference") or "").strip():
            raise ValidationError(SECTION_NEEDED, "section_reference")


class PlanStartSchema(PlanFieldsSchema):
    title = _text(2, 200)  # the plan's name


class RevisePlanSchema(PlanFieldsSchema):
    pass


class CheckPlanSchema(StrictSchema):
    plan_decision = fields.String(required=True, validate=validate.OneOf(PLAN_DECISIONS))
    comment = _text(0, 2000, required=False)

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("plan_decision") != "confirm" and not str(data.get("comment") or "").strip():
            raise ValidationError(REASON_NEEDED, "comment")


class VariantStartSchema(StrictSchema):
    """Started by `workflows.pilots.variants.deploy_variant` only (never a start page)."""

    title = _text(2, 200)
    summary = _text(2, 2000)


class ApproveVariantSchema(StrictSchema):
    variant_decision = fields.String(required=True, validate=validate.OneOf(VARIANT_DECISIONS))
    comment = _text(0, 2000, required=False)

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("variant_decision") != "approve" and not str(
                data.get("comment") or "").strip():
            raise ValidationError(REASON_NEEDED, "comment")


class PracticeStartSchema(StrictSchema):
    title = _text(2, 200)
    tried = _text(2, 4000)
    results = _text(2, 4000)
    evidence = _text(0, 2000, required=False)


class ReviewPracticeSchema(StrictSchema):
    practice_decision = fields.String(required=True,
                                      validate=validate.OneOf(PRACTICE_DECISIONS))
    comment = _text(0, 2000, required=False)


PLAN_TASKS: dict[str, type[StrictSchema]] = {
    PlanCheckTask.CHECK_PLAN: CheckPlanSchema,
    PlanCheckTask.REVISE_PLAN: RevisePlanSchema,
}
VARIANT_TASKS: dict[str, type[StrictSchema]] = {VariantTask.APPROVE_VARIANT: ApproveVariantSchema}
PRACTICE_TASKS: dict[str, type[StrictSchema]] = {
    PracticeTask.REVIEW_PRACTICE: ReviewPracticeSchema}
