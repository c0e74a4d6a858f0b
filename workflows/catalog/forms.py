"""Forms of the assessment item approval (docs/assessment_items.md): the proposal's start
form and the schemas of its user tasks (the unit head's sign-off reuses
`workflows.kernel.forms.SignOffSchema`), the item field codes, and the checks that need the case
data (TASK_CHECKS in `workflows.kernel.forms`).

`workflows.kernel.forms` registers these; this module imports nothing from it (no import cycle).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

CHANGE_KINDS: tuple[str, ...] = ("new", "change", "retire")
TARGETS: tuple[str, ...] = ("villages", "towns", "both")
METHODS: tuple[str, ...] = ("on_site", "materials", "online")
FREQUENCIES: tuple[str, ...] = ("once", "yearly", "half_yearly", "quarterly", "monthly")
# When in the year the assessment happens; the months each covers give the same-period signal.
PERIODS: tuple[str, ...] = (
    "all_year", "q1", "q2", "q3", "q4", "h1", "h2", "year_end",
)
PERIOD_MONTHS: dict[str, frozenset[int]] = {
    "all_year": frozenset(range(1, 13)),
    "q1": frozenset({1, 2, 3}),
    "q2": frozenset({4, 5, 6}),
    "q3": frozenset({7, 8, 9}),
    "q4": frozenset({10, 11, 12}),
    "h1": frozenset(range(1, 7)),
    "h2": frozenset(range(7, 13)),
    "year_end": frozenset({11, 12}),
}
MAX_WEIGHT = 100  # points in the consolidated annual assessment (out of 100)
# The fields of one catalog version, as the draft form has them (and the catalog stores them).
ITEM_FIELDS: tuple[str, ...] = (
    "name", "target", "content", "criteria", "method", "frequency", "period", "weight",
    "legal_basis", "effective_date",
)


class ItemSchema(Schema):
    """Unknown keys are refused, not ignored (as `workflows.kernel.forms.StrictSchema`)."""

    class Meta:
        unknown = RAISE


def _iso_date(value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError as err:
        raise ValidationError("a date as YYYY-MM-DD") from err


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _reason(data: dict[str, Any], decision_field: str, approve: str, field_name: str) -> None:
    if data.get(decision_field) != approve and _blank(data.get(field_name)):
        raise ValidationError("a reason is required when not approving", field_name)


class ItemProposalSchema(ItemSchema):
    """Starting a proposal: a new item, or a change or retirement of one of the unit's items."""

    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    change_kind = fields.String(required=True, validate=validate.OneOf(CHANGE_KINDS))
    item_id = fields.Integer(load_default=None, allow_none=True,
                             validate=validate.Range(min=1, max=2**31 - 1))

    @validates_schema
    def item_named(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("change_kind") in ("change", "retire") and data.get("item_id") is None:
            raise ValidationError("required for a change or a retirement", "item_id")
        if data.get("change_kind") == "new" and data.get("item_id") is not None:
            raise ValidationError("a new item has no item number yet", "item_id")


class DraftItemSchema(ItemSchema):
    """填写考核项目申请 (clerk of the owner department)."""

    name = fields.String(required=True, validate=validate.Length(min=4, max=100))
    target = fields.String(required=True, validate=validate.OneOf(TARGETS))
    content = fields.String(required=True, validate=validate.Length(min=10, max=2000))
    criteria = fields.String(required=True, validate=validate.Length(min=4, max=2000))
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    period = fields.String(required=True, validate=validate.OneOf(PERIODS))
    weight = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_WEIGHT))
    legal_basis = fields.String(required=True, validate=validate.Length(min=4, max=500))
    effective_date = fields.String(required=True,
                                   validate=[validate.Length(equal=10), _iso_date])
    change_note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReviewItemSchema(ItemSchema):
    """区委农办审核: forward to the joint sign-off, return for revision, or reject."""

    review_decision = fields.String(
        required=True, validate=validate.OneOf(["forward", "return", "reject"])
    )
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    # Why the item goes forward although the check found likely duplicates (TASK_CHECKS).
    duplicate_reason = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason(data, "review_decision", "forward", "comment")


class OfficeSignOffSchema(ItemSchema):
    """区委办公室 / 区政府办公室会签: both must approve; either may return."""

    office_decision = fields.String(
        required=True, validate=validate.OneOf(["approve", "return"])
    )
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason(data, "office_decision", "approve", "comment")


# ---------------------------------------------------------------- checks on the case data


def check_draft(fields_: dict[str, Any], case_data: dict[str, Any]) -> None:
    """A change or a retirement says why; a change changes something."""
    kind = case_data.get("change_kind")
    if kind in ("change", "retire") and _blank(fields_.get("change_note")):
        raise ValidationError("say why the item is changed or retired", "change_note")
    current = case_data.get("current")
    if kind == "change" and isinstance(current, dict):
        same = all(fields_.get(k) == current.get(k) for k in ITEM_FIELDS if k != "effective_date")
        if same:
            raise ValidationError("the change does not change any field of the item", "name")


def check_review(fields_: dict[str, Any], case_data: dict[str, Any]) -> None:
    """Forwarding an item with likely duplicates needs a written reason."""
    if (
        fields_.get("review_decision") == "forward"
        and case_data.get("likely_duplicates")
        and len(str(fields_.get("duplicate_reason") or "").strip()) < 4
    ):
        raise ValidationError(
            "the check found likely duplicates: say why this item is not one",
            "duplicate_reason",
        )
