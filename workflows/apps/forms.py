"""Forms of the app and work group request (bpmn/app_request.bpmn, docs/apps.md): the start
form (a new app or group, the merging of one into another, or a retirement), the draft, the
department head's sign-off (`workflows.kernel.forms.SignOffSchema`), the review of 区委农办
and of 区委网信办, and the checks that need the case data (TASK_CHECKS).

`workflows.kernel.forms` registers these; this module imports nothing from it but the bases.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from workflows.kernel.forms import SignOffSchema, StrictSchema
from workflows.kernel.ids import AppTask, ProcessId

PROCESS = str(ProcessId.APP_REQUEST)
ID_RANGE = validate.Range(min=1, max=2**31 - 1)
CHANGE_KINDS: tuple[str, ...] = ("new", "merge", "retire")
# 政务APP, 微信工作群, 钉钉工作群
KINDS: tuple[str, ...] = ("app", "wechat_group", "dingtalk_group")
# What an app or group demands of a village cadre: each a box on the draft.
DEMANDS: tuple[str, ...] = (
    "demands_install", "demands_login", "demands_checkin", "demands_photos",
    "demands_data_entry",
)
MAX_CHECKINS_PER_WEEK = 70  # ten a day
MAX_MINUTES_PER_CHECKIN = 240
MAX_VILLAGES = 500
VILLAGES = {"widget": "villages"}
TOWNS = {"widget": "towns"}
# The fields of a registry version as the draft has them (and the registry stores them).
APP_FIELDS: tuple[str, ...] = (
    "app_name", "app_kind", "app_purpose", *DEMANDS, "checkins_per_week", "minutes_per_checkin",
)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _split_ids(data: Any) -> Any:
    """Id lists may arrive as text ("12, 13") from a client without the picker."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name in ("village_ids", "town_ids"):
        value = out.get(name)
        if isinstance(value, str):
            out[name] = [p.strip() for p in value.replace("，", ",").split(",") if p.strip()]
        elif isinstance(value, list):
            out[name] = [p.strip() if isinstance(p, str) else p for p in value]
    return out


class AppStartSchema(StrictSchema):
    """Starting a request: a new app or group, or merging / retiring one of the unit's."""

    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    app_change = fields.String(required=True, validate=validate.OneOf(CHANGE_KINDS))
    app_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    merge_into_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)

    @validates_schema
    def app_named(self, data: dict[str, Any], **_: Any) -> None:
        kind = data.get("app_change")
        if kind in ("merge", "retire") and data.get("app_id") is None:
            raise ValidationError("required to merge or retire an app or group", "app_id")
        if kind == "new" and data.get("app_id") is not None:
            raise ValidationError("a new app or group has no registry number yet", "app_id")
        if kind == "merge" and data.get("merge_into_id") is None:
            raise ValidationError("name the app or group it is merged into", "merge_into_id")
        if kind != "merge" and data.get("merge_into_id") is not None:
            raise ValidationError("only a merge names the app it goes into", "merge_into_id")
        if kind == "merge" and data.get("merge_into_id") == data.get("app_id"):
            raise ValidationError("an app cannot be merged into itself", "merge_into_id")


class DraftAppSchema(StrictSchema):
    """填写政务应用或工作群申请 (clerk of the owner department)."""

    @pre_load
    def _web_lists(self, data: Any, **_: Any) -> Any:
        return _split_ids(data)

    app_name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    app_kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    app_purpose = fields.String(required=True, validate=validate.Length(min=4, max=2000))
    demands_install = fields.Boolean(load_default=False)
    demands_login = fields.Boolean(load_default=False)
    demands_checkin = fields.Boolean(load_default=False)
    demands_photos = fields.Boolean(load_default=False)
    demands_data_entry = fields.Boolean(load_default=False)
    checkins_per_week = fields.Integer(
        required=True, validate=validate.Range(min=0, max=MAX_CHECKINS_PER_WEEK))
    minutes_per_checkin = fields.Integer(
        required=True, validate=validate.Range(min=0, max=MAX_MINUTES_PER_CHECKIN))
    village_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=list,
                              validate=validate.Length(max=MAX_VILLAGES), metadata=VILLAGES)
    town_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=list,
                           validate=validate.Length(max=50), metadata=TOWNS)
    change_note = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def consistent(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("village_ids") and not data.get("town_ids"):
            raise ValidationError("choose at least one village or town", "village_ids")
        if data.get("checkins_per_week") and not data.get("demands_checkin"):
            raise ValidationError("tick check-ins when it demands check-ins",
                                  "demands_checkin")
        if data.get("demands_checkin") and not data.get("checkins_per_week"):
            raise ValidationError("how many check-ins a week", "checkins_per_week")
        if not any(data.get(d) for d in DEMANDS):
            raise ValidationError("tick at least one thing it demands of villages",
                                  "demands_install")


class BurdenReviewSchema(StrictSchema):
    """区委农办审核: forward to 区委网信办, return for revision, or reject."""

    burden_decision = fields.String(
        required=True, validate=validate.OneOf(["to_cyberspace", "return", "reject"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    # Why it goes forward although the check found likely duplicates (TASK_CHECKS).
    similar_reason = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("burden_decision") != "to_cyberspace" and _blank(data.get("comment")):
            raise ValidationError("a reason is required when not approving", "comment")


class CyberspaceReviewSchema(StrictSchema):
    """区委网信办审核: approve into the registry, or return for revision."""

    cyberspace_decision = fields.String(
        required=True, validate=validate.OneOf(["approve", "return"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("cyberspace_decision") != "approve" and _blank(data.get("comment")):
            raise ValidationError("a reason is required when not approving", "comment")


TASK_FORMS: dict[str, type[StrictSchema]] = {
    AppTask.DRAFT_APP: DraftAppSchema,
    AppTask.SIGN_OFF: SignOffSchema,
    AppTask.BURDEN_REVIEW: BurdenReviewSchema,
    AppTask.CYBERSPACE_REVIEW: CyberspaceReviewSchema,
}


def check_draft(fields_: dict[str, Any], case_data: dict[str, Any]) -> None:
    """A merge or a retirement says why."""
    if case_data.get("app_change") in ("merge", "retire") and _blank(fields_.get("change_note")):
        raise ValidationError("say why the app or group is merged or retired", "change_note")


def check_review(fields_: dict[str, Any], case_data: dict[str, Any]) -> None:
    """Forwarding a new app with likely duplicates needs a written reason."""
    if (
        fields_.get("burden_decision") == "to_cyberspace"
        and case_data.get("likely_duplicates")
        and len(str(fields_.get("similar_reason") or "").strip()) < 4
    ):
        raise ValidationError(
            "the check found likely duplicates: say why this one is needed as well",
            "similar_reason",
        )
