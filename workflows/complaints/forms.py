"""Forms of the burden complaint (docs/complaints.md): the public filing form and one
schema per user task of bpmn/burden_complaint.bpmn, plus the category codes and the default
time limits.

`workflows.kernel.forms` registers these schemas (START_FORMS, TASK_FORMS, TASK_CHECKS); this
module imports nothing from it, so there is no import cycle.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from models import utcnow
from workflows.kernel.calendar import WorkCalendar

# Category codes (the Open311 service codes too) and their labels.
CATEGORIES: tuple[str, ...] = (
    "unapproved_inspection",
    "duplicate_assessment",
    "too_many_meetings",
    "too_many_forms",
    "apps_and_checkins",
    "plaques",
    "certificates",
    "unfunded_work",
    "other",
)
# The names staff and the public pages show (the app catalog's zh_CN labels), for the
# Open311 service list.
CATEGORY_LABELS: dict[str, str] = {
    "unapproved_inspection": "未经审批的检查考核",
    "duplicate_assessment": "同一事项重复考核",
    "too_many_meetings": "会议过多",
    "too_many_forms": "报表台账过多或重复填报",
    "apps_and_checkins": "政务APP、工作群、打卡和拍照留痕",
    "plaques": "挂牌过多",
    "certificates": "清单外证明事项",
    "unfunded_work": "清单外事项且无经费保障",
    "other": "其他",
}

# Working days per stage; `limits_by_category` in the start data holds one such dict per
# category (the process reads limits_by_category[category][stage]).
DEFAULT_LIMITS: dict[str, int] = {
    "intake": 2,
    "correction": 10,
    "verification": 3,
    "return_visit": 5,
}
STAGES: tuple[str, ...] = tuple(DEFAULT_LIMITS)
# The appeal window after closure (fixed in the BPMN: close_case sets appeal_due).
APPEAL_WORKING_DAYS = 15
MAX_EXTENSION_DAYS = 10

MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"\d[\d-]{5,18}\d")  # digits and dashes, 7..20 characters


class ComplaintSchema(Schema):
    """Unknown keys are refused, not ignored (as `workflows.kernel.forms.StrictSchema`)."""

    class Meta:
        unknown = RAISE


def _text(max_len: int, min_len: int = 0) -> list[Any]:
    return [validate.Length(min=min_len, max=max_len)]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _need(data: dict[str, Any], field_name: str, why: str) -> None:
    if _blank(data.get(field_name)):
        raise ValidationError(f"required {why}", field_name)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("may not be blank")


def _phone(value: str) -> None:
    phone = value.strip()
    if phone.isdigit() and len(phone) == 11 and phone.startswith("1"):
        if not MOBILE.fullmatch(phone):
            raise ValidationError("not a mainland mobile number (1[3-9] and 9 more digits)")
        return
    if not (MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone)):
        raise ValidationError(
            "a mobile number (11 digits) or a landline (7 to 20 digits and dashes)"
        )


def _description(value: str) -> None:
    if len(value.strip()) < 10:
        raise ValidationError("describe the burden in at least 10 characters")


# ---------------------------------------------------------------- the public filing form


OCCURRED_WITHIN_DAYS = 366


def _past_day(value: str) -> None:
    """A date (YYYY-MM-DD) in the last year, not after today in China."""
    try:
        day = date.fromisoformat(value)
    except ValueError as err:
        raise ValidationError("not a date (YYYY-MM-DD)") from err
    today = WorkCalendar.local_date(utcnow())
    if day > today:
        raise ValidationError("this date is in the future")
    if day < today - timedelta(days=OCCURRED_WITHIN_DAYS):
        raise ValidationError("more than a year ago")


class ComplaintFilingSchema(ComplaintSchema):
    """What the complainant (or staff on the hotline, or an Open311 client) files. `name`
    and `phone` never reach the case data: the service seals them apart from the case."""

    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    # Required on the portal and the hotline (workflows.complaints.filing checks them); an
    # Open311 request whose location the gazetteer cannot place leaves them to intake.
    town_id = fields.Integer(load_default=None, allow_none=True,
                             validate=validate.Range(min=1, max=2**31 - 1))
    village_id = fields.Integer(load_default=None, allow_none=True,
                                validate=validate.Range(min=1, max=2**31 - 1))
    responsible_unit_id = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1)
    )
    description = fields.String(required=True, validate=[*_text(4000, 10), _description])
    # The day it happened (optional): an "unapproved inspection" is checked against the
    # village's calendar around that day (workflows.complaints.calendar_check).
    occurred_on = fields.String(load_default=None, allow_none=True, validate=_past_day)
    anonymous = fields.Boolean(load_default=True)
    # The location an Open311 client sent (address, coordinates), kept as given for intake.
    reported_location = fields.String(load_default=None, allow_none=True, validate=_text(300))
    name = fields.String(validate=_text(50))
    phone = fields.String(validate=[*_text(20), _phone])

    @validates_schema
    def identity(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("anonymous", True):
            return
        errors: dict[str, list[str]] = {}
        for field_name in ("name", "phone"):
            if _blank(data.get(field_name)):
                errors[field_name] = ["required unless the complaint is anonymous"]
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------- the user tasks


class IntakeSchema(ComplaintSchema):
    """受理审核 (burden_office)."""

    intake_decision = fields.String(
        required=True, validate=validate.OneOf(["accept", "reject", "duplicate"])
    )
    # Pre-filled from what the complainant chose; the unit from a picker of the units that
    # can correct (metadata only: the form hash leaves it out).
    category = fields.String(validate=validate.OneOf(CATEGORIES), metadata={"prefill": True})
    responsible_unit_id = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"prefill": True, "widget": "unit", "role": "clerk"})
    reject_reason = fields.String(validate=_text(2000))
    duplicate_of = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    comment = fields.String(load_default="", validate=_text(2000))

    @validates_schema
    def conditional(self, data: dict[str, Any], **_: Any) -> None:
        decision = data.get("intake_decision")
        if decision == "accept":
            _need(data, "responsible_unit_id", "when accepting: the unit that corrects")
        elif decision == "reject":
            _need(data, "reject_reason", "when rejecting: the complainant sees it")
        elif decision == "duplicate":
            _need(data, "duplicate_of", "for a duplicate: the case it repeats")


class CorrectionSchema(ComplaintSchema):
    """整改落实 (clerk of the responsible unit)."""

    correction_outcome = fields.String(
        required=True, validate=validate.OneOf(["done", "request_extension"])
    )
    findings = fields.String(validate=_text(4000))
    actions_taken = fields.String(validate=_text(4000))
    evidence = fields.String(validate=_text(4000))
    extension_reason = fields.String(validate=_text(2000))
    extension_days = fields.Integer(validate=validate.Range(min=1, max=MAX_EXTENSION_DAYS))

    @validates_schema
    def conditional(self, data: dict[str, Any], **_: Any) -> None:
        needed: tuple[str, ...]
        if data.get("correction_outcome") == "done":
            needed = ("findings", "actions_taken", "evidence")
            why = "when the correction is done"
        else:
            needed = ("extension_reason", "extension_days")
            why = "when asking for an extension"
        errors = {name: [f"required {why}"] for name in needed if _blank(data.get(name))}
        if errors:
            raise ValidationError(errors)


def check_correction(loaded: dict[str, Any], case_data: dict[str, Any]) -> None:
    """An extension may be requested once per case (`extension_used`)."""
    if loaded.get("correction_outcome") == "request_extension" and case_data.get("extension_used"):
        raise ValidationError(
            "an extension has already been requested for this case (only once per case)",
            "correction_outcome",
        )


class ReviewExtensionSchema(ComplaintSchema):
    """延期审核 (burden_office): approve moves correction_due by extension_days."""

    extension_decision = fields.String(required=True, validate=validate.OneOf(["approve", "deny"]))
    comment = fields.String(load_default="", validate=_text(2000))


class VerificationSchema(ComplaintSchema):
    """核查验收 (verifier: 区委农办 or 区委督查办)."""

    verification_decision = fields.String(
        required=True, validate=validate.OneOf(["pass", "return"])
    )
    reasons = fields.String(validate=_text(4000))

    @validates_schema
    def conditional(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("verification_decision") == "return":
            _need(data, "reasons", "when returning the correction")


class ReturnVisitSchema(ComplaintSchema):
    """回访评价 (burden_office by phone, or the complainant through the receipt code)."""

    rating = fields.String(
        required=True, validate=validate.OneOf(["satisfied", "partly", "not_satisfied"])
    )
    comment = fields.String(load_default="", validate=_text(2000))
    visit_channel = fields.String(
        load_default="phone", validate=validate.OneOf(["complainant", "phone"])
    )


class AppealSchema(ComplaintSchema):
    """申诉期 (the complainant): an appeal reopens the case at verification."""

    appeal_reason = fields.String(required=True, validate=[*_text(2000, 2), _not_blank])
