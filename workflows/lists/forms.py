"""Forms of the list change, plaque change and work assignment processes (docs/lists.md), the
field codes, and the checks that need the case data (TASK_CHECKS in `workflows.kernel.forms`).
This module imports nothing from the kernel's forms (no import cycle)."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

LIST_KINDS: tuple[str, ...] = ("self_governance", "assistance", "certificate", "plaque")
# The lists a village's work is matched against (measure 6).
WORK_LISTS: tuple[str, ...] = ("self_governance", "assistance")
CHANGE_KINDS: tuple[str, ...] = ("add", "amend", "remove")
PLAQUE_CHANGES: tuple[str, ...] = ("add", "merge", "remove")
ENTRY_FIELDS: tuple[str, ...] = (
    "title", "entry_description", "legal_basis", "unit_id", "in_force_from", "in_force_to",
)
PURCHASE_FIELDS: tuple[str, ...] = (
    "paying_unit_id", "amount", "budget_line", "agreement_ref", "payment_schedule",
)
ID_RANGE = validate.Range(min=1, max=2**31 - 1)
MAX_VILLAGES = 200
MAX_AMOUNT = 100_000_000  # yuan


class _Strict(Schema):
    """Unknown keys are refused, not ignored."""

    class Meta:
        unknown = RAISE


def _iso_date(value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError as err:
        raise ValidationError("a date as YYYY-MM-DD") from err


def _optional_date(value: str) -> None:
    if value:
        _iso_date(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _reason(data: dict[str, Any], decision_field: str, approve: str) -> None:
    if data.get(decision_field) != approve and _blank(data.get("comment")):
        raise ValidationError("a reason is required when not approving", "comment")


# ---------------------------------------------------------------- list changes


class ListProposalSchema(_Strict):
    """Starting a change of a list: add an entry, or amend or remove one."""

    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    list_kind = fields.String(required=True, validate=validate.OneOf(LIST_KINDS))
    change_kind = fields.String(required=True, validate=validate.OneOf(CHANGE_KINDS))
    entry_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)

    @validates_schema
    def entry_named(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("change_kind") in ("amend", "remove") and data.get("entry_id") is None:
            raise ValidationError("required to amend or remove an entry", "entry_id")
        if data.get("change_kind") == "add" and data.get("entry_id") is not None:
            raise ValidationError("a new entry has no number yet", "entry_id")


class DraftEntrySchema(_Strict):
    """填写清单事项 (the proposing clerk)."""

    title = fields.String(required=True, validate=validate.Length(min=2, max=100))
    entry_description = fields.String(required=True, validate=validate.Length(min=4, max=2000))
    legal_basis = fields.String(required=True, validate=validate.Length(min=2, max=600))
    # The department the entry serves.
    unit_id = fields.Integer(required=True, validate=ID_RANGE,
                             metadata={"widget": "unit", "role": "clerk"})
    in_force_from = fields.String(required=True,
                                  validate=[validate.Length(equal=10), _iso_date])
    in_force_to = fields.String(load_default="", validate=[validate.Length(max=10),
                                                           _optional_date])
    change_note = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        end = data.get("in_force_to") or ""
        if end and end < str(data.get("in_force_from") or ""):
            raise ValidationError("the end of force is before its start", "in_force_to")


class ReviewEntrySchema(_Strict):
    """区委农办审核: forward to 区政府办公室, return for revision, or reject."""

    review_decision = fields.String(required=True,
                                    validate=validate.OneOf(["forward", "return", "reject"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    duplicate_reason = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason(data, "review_decision", "forward")


class SignOffEntrySchema(_Strict):
    """区政府办公室签发: publish, or return."""

    office_decision = fields.String(required=True,
                                    validate=validate.OneOf(["approve", "return"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason(data, "office_decision", "approve")


def check_draft_entry(fields_: dict[str, Any], case_data: dict[str, Any]) -> None:
    """An amendment or removal says why; an amendment changes something."""
    kind = case_data.get("change_kind")
    if kind in ("amend", "remove") and _blank(fields_.get("change_note")):
        raise ValidationError("say why the entry is amended or removed", "change_note")
    current = case_data.get("current")
    if kind == "amend" and isinstance(current, dict) and all(
            fields_.get(k) == current.get(k) for k in ENTRY_FIELDS):
        raise ValidationError("the amendment does not change any field", "title")


def check_review_entry(fields_: dict[str, Any], case_data: dict[str, Any]) -> None:
    """Forwarding an entry with likely duplicates on its list needs a written reason."""
    if (fields_.get("review_decision") == "forward" and case_data.get("likely_duplicates")
            and len(str(fields_.get("duplicate_reason") or "").strip()) < 4):
        raise ValidationError("the check found likely duplicates: say why this entry is "
                              "not one", "duplicate_reason")


# ---------------------------------------------------------------- plaques


class PlaqueChangeSchema(_Strict):
    """A town's clerk asks to hang a plaque in one of its villages (gated), or records that
    two plaques were merged or one removed."""

    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    change_kind = fields.String(required=True, validate=validate.OneOf(PLAQUE_CHANGES))
    village_id = fields.Integer(required=True, validate=ID_RANGE)
    # add: the plaque list entry that allows the plaque
    entry_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    # merge / remove: the hanging plaque; merge: the plaque it is merged into
    plaque_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    merge_into_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    note = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def named(self, data: dict[str, Any], **_: Any) -> None:
        kind = data.get("change_kind")
        if kind == "add" and data.get("entry_id") is None:
            raise ValidationError("choose the plaque from the plaque list", "entry_id")
        if kind in ("merge", "remove") and data.get("plaque_id") is None:
            raise ValidationError("choose the hanging plaque", "plaque_id")
        if kind == "merge" and data.get("merge_into_id") is None:
            raise ValidationError("choose the plaque it is merged into", "merge_into_id")
        if kind in ("merge", "remove") and _blank(data.get("note")):
            raise ValidationError("say why", "note")


class ReviewPlaqueSchema(_Strict):
    """区委农办审核挂牌."""

    review_decision = fields.String(required=True,
                                    validate=validate.OneOf(["approve", "reject"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason(data, "review_decision", "approve")


# ---------------------------------------------------------------- work assignments


class WorkStartSchema(_Strict):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))


class DraftAssignmentSchema(_Strict):
    """填写工作事项: the task, the villages, and (for work on neither list) the
    service-purchase record."""

    task_title = fields.String(required=True, validate=validate.Length(min=4, max=100))
    task_description = fields.String(required=True,
                                     validate=validate.Length(min=10, max=2000))
    village_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=list,
                              validate=validate.Length(max=MAX_VILLAGES),
                              metadata={"widget": "villages"})
    town_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=list,
                           validate=validate.Length(max=50), metadata={"widget": "towns"})
    start_on = fields.String(required=True, validate=[validate.Length(equal=10), _iso_date])
    end_on = fields.String(required=True, validate=[validate.Length(equal=10), _iso_date])
    paying_unit_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE,
                                    metadata={"widget": "unit", "role": "clerk"})
    amount = fields.Float(load_default=None, allow_none=True,
                          validate=validate.Range(min=0, max=MAX_AMOUNT),
                          metadata={"step": "0.01"})
    budget_line = fields.String(load_default="", validate=validate.Length(max=100))
    agreement_ref = fields.String(load_default="", validate=validate.Length(max=60))
    payment_schedule = fields.String(load_default="", validate=validate.Length(max=1000))

    @validates_schema
    def checks(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("village_ids") and not data.get("town_ids"):
            raise ValidationError("choose at least one village or town", "village_ids")
        if str(data.get("end_on") or "") < str(data.get("start_on") or ""):
            raise ValidationError("the end is before the start", "end_on")
        given = [f for f in PURCHASE_FIELDS if not _blank(data.get(f))]
        if given and len(given) < len(PURCHASE_FIELDS):
            missing = next(f for f in PURCHASE_FIELDS if f not in given)
            raise ValidationError("a service-purchase record needs every field", missing)
        if given and not float(data.get("amount") or 0) > 0:
            raise ValidationError("the amount must be more than 0", "amount")


def purchase_recorded(data: dict[str, Any]) -> bool:
    """True when the draft carries a complete service-purchase record."""
    return all(not _blank(data.get(f)) for f in PURCHASE_FIELDS) and float(
        data.get("amount") or 0) > 0


class ReviewAssignmentSchema(_Strict):
    """区委农办审核: is the work on the self-governance or assistance list (which entry)."""

    review_decision = fields.String(required=True,
                                    validate=validate.OneOf(["forward", "return", "reject"]))
    list_finding = fields.String(required=True,
                                 validate=validate.OneOf(["on_list", "off_list"]))
    list_entry_code = fields.String(load_default="", validate=validate.Length(max=20))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason(data, "review_decision", "forward")
        if data.get("list_finding") == "on_list" and _blank(data.get("list_entry_code")):
            raise ValidationError("name the list entry the work is on", "list_entry_code")


class ApproveAssignmentSchema(_Strict):
    """区政府办公室审批."""

    approval_decision = fields.String(required=True,
                                      validate=validate.OneOf(["approve", "return"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason(data, "approval_decision", "approve")
