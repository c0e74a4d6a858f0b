"""Request and response bodies of the JSON API (marshmallow at the HTTP edge).

Request bodies refuse unknown keys. The task and start `fields` are validated further down
by the schemas of `workflows.kernel.forms`. The response schemas are not used to dump anything:
they describe what `webapp.cases.presenters` returns, for the OpenAPI document
(`webapp.cases.openapi`); tests/webapp/test_openapi.py holds the two together.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, validate
from marshmallow import fields as f

from workflows.kernel.errors import ValidationFailedError

# Ids are 32-bit integers in PostgreSQL: anything larger can name no row.
MAX_ID = 2**31 - 1
MAX_KEY = 200  # characters of an Idempotency-Key header
# Some character that is not whitespace (what `str.strip()` would leave).
NOT_BLANK = r"[\s\S]*\S"


class Body(Schema):
    class Meta:
        unknown = RAISE


class StrictBoolean(f.Boolean):
    """Only JSON true and false (marshmallow's Boolean also takes 1, "yes", "on"...)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _id(**kwargs: Any) -> f.Integer:
    return f.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class LoginBody(Body):
    username = f.String(required=True, validate=validate.Length(max=200))
    password = f.String(required=True, validate=validate.Length(max=1000))


class StartBody(Body):
    process_id = f.String(required=True, validate=validate.Length(min=1, max=80))
    form_fields = f.Dict(keys=f.String(), required=True, data_key="fields")
    org_unit_id = _id(load_default=None, allow_none=True)


class CompleteBody(Body):
    form_fields = f.Dict(keys=f.String(), required=True, data_key="fields")


class EmptyBody(Body):
    pass


class ReassignBody(Body):
    to_user_id = _id(required=True)


class CommentBody(Body):
    text = f.String(required=True, validate=[validate.Length(min=1, max=4000),
                                             validate.Regexp(NOT_BLANK)])
    public = StrictBoolean(load_default=False)


# ---------------------------------------------------------------- responses (document only)


class Out(Schema):
    class Meta:
        unknown = RAISE  # additionalProperties: false in the document


MOMENT = "ISO 8601 time; only the date (YYYY-MM-DD) on complaints for staff outside intake"


def _moment(**kwargs: Any) -> f.String:
    return f.String(required=True, metadata={"description": MOMENT}, **kwargs)


class ErrorBody(Out):
    error = f.String(required=True, metadata={"description": "machine-readable code"})
    message = f.String(required=True)
    field_messages = f.Dict(keys=f.String(), values=f.List(f.String()), required=True,
                            data_key="fields",
                            metadata={"description": "messages per invalid input field"})


class Role(Out):
    role = f.String(required=True)
    org_unit_id = f.Integer(required=True)
    org_unit = f.String(required=True)


class User(Out):
    id = f.Integer(required=True)
    username = f.String(required=True)
    display_name = f.String(required=True)
    roles = f.List(f.Nested(Role), required=True)


class UserBody(Out):
    user = f.Nested(User, required=True)


class LoggedOut(Out):
    status = f.String(required=True, validate=validate.OneOf(["logged_out"]))


class InboxRow(Out):
    case_id = f.Integer(required=True)
    case_title = f.String(required=True)
    case_type = f.String(required=True)
    task_uuid = f.String(required=True)
    task_id = f.String(required=True)
    name = f.String(required=True)
    role = f.String(required=True)
    claimant_id = f.Integer(required=True, allow_none=True)
    due_at = _moment(allow_none=True)
    case_version = f.Integer(required=True)


class Inbox(Out):
    tasks = f.List(f.Nested(InboxRow), required=True)


class Task(Out):
    task_uuid = f.String(required=True)
    task_id = f.String(required=True)
    name = f.String(required=True)
    role = f.String(required=True)
    scope_org_unit_id = f.Integer(required=True, allow_none=True)
    claimant_id = f.Integer(required=True, allow_none=True)
    due_at = _moment(allow_none=True)
    state = f.String(required=True)
    created_at = _moment()


class Event(Out):
    seq = f.Integer(required=True)
    type = f.String(required=True)
    actor_id = f.Integer(required=True, allow_none=True)
    actor_role = f.String(required=True, allow_none=True)
    at = _moment(allow_none=True)  # None: a village's rating, for the department it judges
    task_uuid = f.String(required=True, allow_none=True)
    task_id = f.String(required=True, allow_none=True)
    inputs = f.Dict(keys=f.String(), required=True)
    diff = f.Dict(keys=f.String(), required=True)


class CaseBody(Out):
    id = f.Integer(required=True)
    case_type = f.String(required=True)
    title = f.String(required=True)
    status = f.String(required=True)
    version = f.Integer(required=True)
    scope_org_unit_id = f.Integer(required=True, allow_none=True)
    created_at = _moment()
    updated_at = _moment()
    data = f.Dict(keys=f.String(), required=True)
    tasks = f.List(f.Nested(Task), required=True)
    events = f.List(f.Nested(Event), required=True)


class CommandResult(Out):
    """What every command answers (workflows.kernel.commands.CommandResult)."""

    case_id = f.Integer(required=True)
    version = f.Integer(required=True)
    status = f.String(required=True)
    seq = f.Integer(required=True)


def load(schema_cls: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    """Validate a request body; failures become a 422 naming each field."""
    try:
        loaded: dict[str, Any] = schema_cls().load(data)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_": err.messages}
        raise ValidationFailedError(
            {str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
             for k, v in messages.items()}) from err
    return loaded


# ================================================================ inbox and delegation
# (issue 4 item 2; webapp/inbox/api.py). Query parameters of GET /inbox, the body of
# POST /cases/{case_id}/tasks/{task_uuid}/delegate, and the inbox page answered.
# Kept as one block for the OpenAPI document (webapp/cases/openapi.py).

TEXT_PARAM = validate.Length(max=100)


class InboxQuery(Schema):
    """GET /inbox query parameters (all optional; a bad value is a 422 naming it, except
    `mine`, which keeps its 400)."""

    class Meta:
        unknown = "exclude"  # marshmallow.EXCLUDE

    tab = f.String(validate=validate.OneOf(["all", "mine", "groups", "following"]),
                   metadata={"description": "all (default): mine and my groups; mine: "
                             "claimed by or assigned to you (and tasks of people you stand "
                             "in for); groups: unclaimed in your roles and scope; following: "
                             "cases you follow"})
    mine = f.String(validate=validate.OneOf(["1", "true", "0", "false"]),
                    metadata={"description": "older spelling: 1 or true is tab=mine"})
    process = f.String(validate=TEXT_PARAM, metadata={"description": "case_type"})
    task = f.String(validate=TEXT_PARAM, metadata={"description": "task_id (BPMN id)"})
    status = f.String(validate=TEXT_PARAM, metadata={"description": "case status"})
    due = f.String(validate=validate.OneOf(["overdue", "today", "week"]))
    town = _id(metadata={"description": "org unit id of a town"})
    village = _id(metadata={"description": "org unit id of a village"})
    unit = _id(metadata={"description": "org unit id (case, task or responsible unit)"})
    category = f.String(validate=TEXT_PARAM, metadata={"description": "complaint category"})
    q = f.String(validate=TEXT_PARAM,
                 metadata={"description": "search in the case title and data, or a case id"})
    page = f.Integer(strict=True, validate=validate.Range(min=1, max=100_000),
                     metadata={"description": "1-based; 50 tasks a page, stable order"})


class DelegateBody(Body):
    to_user_id = _id(required=True, metadata={
        "description": "a colleague of your unit who holds the task's role"})


class InboxTask(Out):
    case_id = f.Integer(required=True)
    case_title = f.String(required=True)
    case_type = f.String(required=True)
    case_status = f.String(required=True)
    case_version = f.Integer(required=True)
    task_uuid = f.String(required=True)
    task_id = f.String(required=True)
    name = f.String(required=True)
    role = f.String(required=True)
    scope_org_unit_id = f.Integer(required=True, allow_none=True)
    claimant_id = f.Integer(required=True, allow_none=True)
    on_behalf_of = f.Integer(required=True, allow_none=True, metadata={
        "description": "the absent holder, when you see the task as their substitute"})
    due_at = _moment(allow_none=True)
    working_days_left = f.Integer(required=True, allow_none=True)
    due_level = f.String(required=True,
                         validate=validate.OneOf(["none", "ok", "warning", "breach"]))
    priority = f.String(required=True,
                        validate=validate.OneOf(["low", "normal", "high", "urgent"]))
    workable = f.Boolean(required=True)
    town_id = f.Integer(required=True, allow_none=True)
    village_id = f.Integer(required=True, allow_none=True)
    responsible_unit_id = f.Integer(required=True, allow_none=True)
    category = f.String(required=True, allow_none=True)


class InboxPage(Out):
    tasks = f.List(f.Nested(InboxTask), required=True)
    total = f.Integer(required=True)
    page = f.Integer(required=True)
    pages = f.Integer(required=True)
    per_page = f.Integer(required=True)
