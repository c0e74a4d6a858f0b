"""Form schemas of the inspection request (docs/inspections.md).

`workflows.kernel.forms` registers these; this module imports nothing from it (no import cycle).
Dates are ISO strings (YYYY-MM-DD) so that the task data stays JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from workflows.kernel.ids import InspectionTask, MeetingTask, ProcessId

ID_RANGE = validate.Range(min=1, max=2**31 - 1)  # a database integer id

PROCESS = str(ProcessId.INSPECTION_REQUEST)

# 考核评比, 督查, 执法检查, 业务检查, 调研
INSPECTION_TYPES = ("assessment", "supervision", "law_enforcement", "business", "research")
MAX_VILLAGES = 200


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _iso_date(value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError as err:
        raise ValidationError("not a date (YYYY-MM-DD)") from err


LIST_FIELDS = ("item_ids", "village_ids", "town_ids", "actual_materials")
ID_LIST_FIELDS = ("item_ids", "village_ids", "town_ids")
# Form widgets the web layer draws for a field (webapp/core/schema_form.py): the villages grouped
# by town, the whole-town boxes of that picker, the catalog items in force, material rows.
VILLAGES = {"widget": "villages"}
TOWNS = {"widget": "towns"}
CATALOG_ITEMS = {"widget": "catalog_items"}
MATERIALS = {"widget": "materials"}


def _split(value: str) -> list[str]:
    return [p for p in value.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
            if p.strip()]


def _lists_from_text(data: Any) -> Any:
    """Lists arrive as lists (JSON, or the checkboxes of a web form posting one value each)
    or as text: ids or names separated by commas (or lines); each material on its own line,
    "*" in front when the district already holds it. An id list may mix both."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name in LIST_FIELDS:
        if isinstance(out.get(name), str):
            out[name] = [p.strip() for p in _split(out[name])]
    for name in ID_LIST_FIELDS:
        if isinstance(out.get(name), list):
            out[name] = [part for v in out[name]
                         for part in ([p.strip() for p in _split(v)] if isinstance(v, str)
                                      else [v])]
    if isinstance(out.get("materials"), str):
        lines = [line.strip() for line in out["materials"].splitlines() if line.strip()]
        out["materials"] = [{"name": line.lstrip("*").strip(), "already_held": line[0] == "*"}
                            for line in lines]
    return out


def _date_field(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=[validate.Length(equal=10), _iso_date])


def _blank(value: Any) -> bool:
    return not (value or "").strip()


def _reason(data: dict[str, Any], decision_field: str, approve: str, field_name: str) -> None:
    if data.get(decision_field) != approve and _blank(data.get(field_name)):
        raise ValidationError("a reason is required", field_name)


class InspectionStartSchema(_Strict):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))


class MaterialSchema(_Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    # Already held by the district (shared data): the village must not be asked again.
    already_held = fields.Boolean(load_default=False)


class DraftRequestSchema(_Strict):
    @pre_load
    def _web_lists(self, data: Any, **_: Any) -> Any:
        return _lists_from_text(data)

    inspection_type = fields.String(required=True, validate=validate.OneOf(INSPECTION_TYPES))
    purpose = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    # Catalog items assessed (required for an assessment) or the legal basis (law enforcement).
    item_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=list,
                           validate=validate.Length(max=20), metadata=CATALOG_ITEMS)
    legal_basis = fields.String(load_default="", validate=validate.Length(max=500))
    # Villages one by one and/or every village of some towns (resolved by the command).
    village_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=list,
                              validate=validate.Length(max=MAX_VILLAGES), metadata=VILLAGES)
    town_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=list,
                           validate=validate.Length(max=50), metadata=TOWNS)
    window_start = _date_field()
    window_end = _date_field()
    people = fields.Integer(required=True, validate=validate.Range(min=1, max=100))
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    materials = fields.List(fields.Nested(MaterialSchema), load_default=list,
                            validate=validate.Length(max=50), metadata=MATERIALS)

    @validates_schema
    def consistent(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("village_ids") and not data.get("town_ids"):
            raise ValidationError("choose at least one village or town", "village_ids")
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end < start:
            raise ValidationError("the window ends before it starts", "window_end")
        if start and end and "days" in data:
            span = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
            if data["days"] > span:
                raise ValidationError("more days on site than the window has", "days")
        kind = data.get("inspection_type")
        if kind == "assessment" and not data.get("item_ids"):
            raise ValidationError("an assessment names its catalog items", "item_ids")
        if kind == "law_enforcement" and _blank(data.get("legal_basis")):
            raise ValidationError("a law-enforcement inspection states its legal basis",
                                  "legal_basis")


class HeadReviewSchema(_Strict):
    head_decision = fields.String(required=True, validate=validate.OneOf(["approve", "return"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason(data, "head_decision", "approve", "comment")


class ResolveOverlapSchema(_Strict):
    # merge: join the approved inspection (a joint inspection); reschedule: another window.
    overlap_decision = fields.String(required=True,
                                     validate=validate.OneOf(["merge", "reschedule"]))
    merge_with = fields.Integer(load_default=None, allow_none=True,
                                validate=ID_RANGE)
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("overlap_decision") == "merge" and data.get("merge_with") is None:
            raise ValidationError("choose the inspection to join", "merge_with")
        _reason(data, "overlap_decision", "merge", "comment")


def check_overlap(fields_: dict[str, Any], case_data: dict[str, Any]) -> None:
    """Only an inspection the check found overlapping may be joined."""
    if fields_.get("overlap_decision") != "merge":
        return
    facts = case_data.get("check_facts") or {}
    allowed = {o.get("case_id") for o in facts.get("overlaps", [])}
    if fields_.get("merge_with") not in allowed:
        raise ValidationError("not one of the overlapping inspections", "merge_with")


class TownReviewSchema(_Strict):
    town_decision = fields.String(required=True, validate=validate.OneOf(["agree", "object"]))
    objection = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason(data, "town_decision", "agree", "objection")


class ApprovalSchema(_Strict):
    approval_decision = fields.String(
        required=True, validate=validate.OneOf(["approve", "return", "reject"])
    )
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason(data, "approval_decision", "approve", "comment")


class RecordOutcomeSchema(_Strict):
    """What actually happened on site (the ledger counts these, not the plan)."""
    @pre_load
    def _web_lists(self, data: Any, **_: Any) -> Any:
        return _lists_from_text(data)


    actual_start = _date_field()
    actual_end = _date_field()
    actual_people = fields.Integer(required=True,
                                   validate=validate.Range(min=0, max=100))
    actual_days = fields.Integer(required=True,
                                 validate=validate.Range(min=0, max=60))
    actual_materials = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                                   load_default=list, validate=validate.Length(max=50))
    outcome_note = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def consistent(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("actual_start"), data.get("actual_end")
        if start and end and end < start:
            raise ValidationError("the visit ends before it starts", "actual_end")


class RateBurdenSchema(_Strict):
    # 1 = hardly a burden ... 5 = a heavy burden on the village.
    burden_rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5),
                                   metadata={"widget": "scale"})
    rating_comment = fields.String(required=True, validate=validate.Length(min=2, max=1000))


T = InspectionTask
TASK_FORMS: dict[tuple[str, str], type[Schema]] = {
    (PROCESS, T.DRAFT_REQUEST): DraftRequestSchema,
    (PROCESS, T.HEAD_REVIEW): HeadReviewSchema,
    (PROCESS, T.RESOLVE_OVERLAP): ResolveOverlapSchema,
    (PROCESS, T.TOWN_REVIEW): TownReviewSchema,
    (PROCESS, T.APPROVE_REQUEST): ApprovalSchema,
    (PROCESS, T.APPROVE_SUPERVISION): ApprovalSchema,
    (PROCESS, T.RECORD_OUTCOME): RecordOutcomeSchema,
    (PROCESS, T.RATE_BURDEN): RateBurdenSchema,
}


# ------------------------------------------------------------------ meeting requests

MEETING = str(ProcessId.MEETING_REQUEST)
MEETING_MODES = ("on_site", "online")


class MeetingStartSchema(_Strict):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))


class DraftMeetingSchema(_Strict):
    @pre_load
    def _web_lists(self, data: Any, **_: Any) -> Any:
        return _lists_from_text(data)

    purpose = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    # Who must attend from each village (e.g. 村党支部书记、村委会主任).
    attendees = fields.String(required=True, validate=validate.Length(min=2, max=500))
    village_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=list,
                              validate=validate.Length(max=MAX_VILLAGES), metadata=VILLAGES)
    town_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=list,
                           validate=validate.Length(max=50), metadata=TOWNS)
    hours = fields.Float(required=True, validate=validate.Range(min=0.25, max=8),
                         metadata={"step": "0.25"})
    mode = fields.String(required=True, validate=validate.OneOf(MEETING_MODES))
    # The earliest day it is needed: the request joins the next combined session from then.
    preferred_date = _date_field()
    urgent = fields.Boolean(load_default=False)
    urgent_reason = fields.String(load_default="", validate=validate.Length(max=2000))
    urgent_date = fields.String(load_default="", validate=validate.Length(max=10))

    @validates_schema
    def consistent(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("village_ids") and not data.get("town_ids"):
            raise ValidationError("choose at least one village or town", "village_ids")
        if data.get("urgent"):
            if _blank(data.get("urgent_reason")):
                raise ValidationError("an urgent meeting states why it cannot wait",
                                      "urgent_reason")
            try:
                date.fromisoformat(data.get("urgent_date") or "")
            except ValueError as err:
                raise ValidationError("not a date (YYYY-MM-DD)", "urgent_date") from err


class ApproveUrgentSchema(_Strict):
    urgent_decision = fields.String(required=True, validate=validate.OneOf(["approve", "refuse"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason(data, "urgent_decision", "approve", "comment")


TASK_FORMS[(MEETING, MeetingTask.DRAFT_MEETING)] = DraftMeetingSchema
TASK_FORMS[(MEETING, MeetingTask.APPROVE_URGENT)] = ApproveUrgentSchema
