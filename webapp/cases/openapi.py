"""The OpenAPI 3.0 document of the JSON API `/api/v1` (served at /api/v1/openapi.json).

Built with apispec from the marshmallow schemas: request and response bodies from
`webapp.cases.api_schemas`, the start and task forms from `workflows.kernel.forms`. Every operation
lists each status it can answer. The task form depends on the task (`task_id` in the
case's `tasks`): the completion body is documented as `anyOf` the task forms, and a body
that fits another task's form, or breaks a rule across fields, is answered with 422.
tests/webapp/test_openapi.py checks that every /api/v1 route is documented and runs
schemathesis against the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from webapp.cases import api_schemas as schemas
from workflows.kernel import forms

PREFIX = "/api/v1"
SECURITY = "session"
JSON = "application/json"

ERRORS: dict[int, str] = {
    400: "The body is not a JSON object, or the Idempotency-Key header or a query "
         "parameter is wrong.",
    401: "Not logged in (or the login expired); for login: wrong credentials.",
    403: "Logged in, but without the role this action needs.",
    404: "No such case or task, or not within your scope.",
    409: "Someone else acted first (the task is done, claimed, or the case moved on).",
    413: "The body is larger than the server accepts (MAX_CONTENT_LENGTH; an attachment "
         "may have 5 MiB).",
    415: "The body is not sent as Content-Type: application/json (an attachment: as "
         "image/jpeg, image/png, application/pdf or application/octet-stream).",
    422: "Invalid input: `fields` names each field at fault (an attachment that is not "
         "really a JPEG, PNG or PDF: `attachments`). Also a reused Idempotency-Key with "
         "another request (error `idempotency_mismatch`).",
    429: "Too many failed logins from your connection, or for this username from your "
         "connection (LOGIN_FAIL_LIMIT, webapp/core/throttle.py; webapp/core/login_guard.py);"
         " wait for Retry-After seconds.",
}
RESPONSE_SCHEMAS: tuple[type[Schema], ...] = (
    schemas.ErrorBody, schemas.UserBody, schemas.LoggedOut, schemas.InboxPage,
    schemas.CaseBody, schemas.CommandResult,
)
REQUEST_SCHEMAS: tuple[type[Schema], ...] = (
    schemas.LoginBody, schemas.EmptyBody, schemas.ReassignBody, schemas.CommentBody,
    schemas.DelegateBody,
)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)

Key = Literal["none", "optional", "required"]


def _task_link(case: str, task: str) -> dict[str, str]:
    return {"case_id": case, "task_uuid": task}


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # below PREFIX, OpenAPI template syntax
    endpoint: str  # the Flask endpoint without "api." (also the operationId)
    summary: str
    status: int
    result: str
    errors: tuple[int, ...]
    body: str | None = None  # a component schema name, or "start" / "complete" / "file"
    key: Key = "none"
    public: bool = False
    links: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    example: dict[str, Any] | None = None  # of the request body


FROM_CASE = _task_link("$response.body#/id", "$response.body#/tasks/0/task_uuid")
FROM_INBOX = _task_link("$response.body#/tasks/0/case_id",
                        "$response.body#/tasks/0/task_uuid")
FROM_COMMAND = _task_link("$response.body#/case_id", "$request.path.task_uuid")
CASE_OF_RESULT = {"case_id": "$response.body#/case_id"}
TASK_OPS = ("claim", "release", "complete", "reassign", "delegate")
EXAMPLE_UUID = "0b9c7a4e-2f8d-4c1e-9a53-6d1f2e3b4c5d"

OPERATIONS: tuple[Op, ...] = (
    Op("get", "/openapi.json", "openapi", "This document", 200, "", (), public=True),
    Op("post", "/login", "login", "Log in (sets the session cookie)", 200, "UserBody",
       (400, 401, 413, 415, 422, 429), body="LoginBody", public=True,
       example={"username": "zhang.san", "password": "correct horse battery staple"}),
    Op("post", "/logout", "logout", "Log out (an empty body or {})", 200, "LoggedOut",
       (400, 401, 413, 415, 422), body="EmptyBody", example={}),
    Op("get", "/me", "me", "The logged-in user and roles", 200, "UserBody", (401,)),
    Op("get", "/inbox", "inbox", "One page of the tasks you may work on, with filters", 200,
       "InboxPage", (400, 401, 422),
       links={"GetCase": ("get_case", {"case_id": "$response.body#/tasks/0/case_id"}),
              **{op.title(): (op, FROM_INBOX) for op in TASK_OPS}}),
    Op("get", "/cases/{case_id}", "get_case", "A case with its tasks and history", 200,
       "CaseBody", (401, 404),
       links={"Comment": ("comment", {"case_id": "$response.body#/id"}),
              **{op.title(): (op, FROM_CASE) for op in TASK_OPS}}),
    Op("post", "/cases", "start_case", "Start a case (Idempotency-Key required)", 201,
       "CommandResult", WRITE_ERRORS, body="start", key="required",
       example={"process_id": "report_form_approval", "fields": {"title": "村级防汛值班表"}},
       links={"GetCase": ("get_case", CASE_OF_RESULT), "Comment": ("comment", CASE_OF_RESULT)}),
    Op("post", "/cases/{case_id}/tasks/{task_uuid}/complete", "complete",
       "Complete a task with its form", 200, "CommandResult", WRITE_ERRORS, body="complete",
       key="optional", links={"GetCase": ("get_case", CASE_OF_RESULT)},
       example={"fields": {"head_decision": "approve", "comment": ""}}),
    Op("post", "/cases/{case_id}/tasks/{task_uuid}/claim", "claim",
       "Take a task of your group into your own inbox", 200, "CommandResult", WRITE_ERRORS,
       body="EmptyBody", key="optional", example={},
       links={"Release": ("release", FROM_COMMAND), "Complete": ("complete", FROM_COMMAND)}),
    Op("post", "/cases/{case_id}/tasks/{task_uuid}/release", "release",
       "Give a claimed task back to its group", 200, "CommandResult", WRITE_ERRORS,
       body="EmptyBody", key="optional", example={},
       links={"Claim": ("claim", FROM_COMMAND)}),
    Op("post", "/cases/{case_id}/tasks/{task_uuid}/reassign", "reassign",
       "Give a task to a colleague (unit head)", 200, "CommandResult", WRITE_ERRORS,
       body="ReassignBody", key="optional", example={"to_user_id": 7},
       links={"GetCase": ("get_case", CASE_OF_RESULT)}),
    Op("post", "/cases/{case_id}/tasks/{task_uuid}/delegate", "delegate",
       "Hand a task you hold to a colleague of your unit", 200, "CommandResult",
       WRITE_ERRORS, body="DelegateBody", key="optional", example={"to_user_id": 7},
       links={"GetCase": ("get_case", CASE_OF_RESULT)}),
    # 403: auditors and administrators only read; only 区委农办 speaks to a complainant
    # (`public`); docs/complaints.md.
    Op("post", "/cases/{case_id}/comments", "comment", "Comment on a case", 201,
       "CommandResult", WRITE_ERRORS, body="CommentBody",
       key="optional", links={"GetCase": ("get_case", CASE_OF_RESULT)},
       example={"text": "请在周五前补充材料。", "public": False}),
    Op("post", "/cases/{case_id}/attachments", "attach",
       "Attach one file: the body is the file (JPEG, PNG or PDF, at most 5 MiB)", 201,
       "CommandResult", WRITE_ERRORS, body="file", key="optional",
       links={"GetCase": ("get_case", CASE_OF_RESULT)}),
)
FILE_TYPES = ("image/jpeg", "image/png", "application/pdf", "application/octet-stream")

INFO = """Staff clients of Jianfu, on the same login session (cookie) as the pages.

Every write must be `Content-Type: application/json` (a cross-site HTML form cannot send
that, so no CSRF token is needed). Writes take an `Idempotency-Key` header: a retry with the
same key and request gets the first answer; the same key with another request is refused
(422 `idempotency_mismatch`). Errors are `{"error", "message", "fields"}`."""


def _parameters(op: Op) -> list[dict[str, Any] | str]:
    out: list[dict[str, Any] | str] = []
    if "{case_id}" in op.path:
        out.append({"name": "case_id", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": schemas.MAX_ID},
                    "example": 1})
    if "{task_uuid}" in op.path:
        out.append({"name": "task_uuid", "in": "path", "required": True,
                    "description": "`task_uuid` of an open task (see the case's `tasks`)",
                    "schema": {"type": "string", "format": "uuid"}, "example": EXAMPLE_UUID})
    if op.key != "none":
        out.append("IdempotencyKeyRequired" if op.key == "required" else "IdempotencyKey")
    if op.endpoint == "inbox":
        out.append({"in": "query", "schema": schemas.InboxQuery})  # one parameter a field
    return out


def _start_body(spec: APISpec, plugin: MarshmallowPlugin) -> dict[str, Any]:
    """One variant per process staff may start: its process_id and its start form."""
    assert plugin.converter is not None
    org_unit = plugin.converter.field2property(schemas.StartBody().fields["org_unit_id"])
    variants = [{
        "type": "object", "additionalProperties": False,
        "required": ["process_id", "fields"],
        "properties": {"process_id": {"type": "string", "enum": [process_id]},
                       "fields": _ref(spec, form), "org_unit_id": org_unit},
    } for process_id, form in sorted(forms.START_FORMS.items())
        if process_id not in forms.PUBLIC_STARTS]
    return variants[0] if len(variants) == 1 else {"oneOf": variants}


def _complete_body(spec: APISpec) -> dict[str, Any]:
    task_forms = sorted(set(forms.TASK_FORMS.values()), key=lambda s: s.__name__)
    return {
        "type": "object", "additionalProperties": False, "required": ["fields"],
        "properties": {"fields": {
            "description": "The form of the task's `task_id` (one of these); rules across "
                           "fields and the case are checked too (422 names the field).",
            "anyOf": [_ref(spec, form) for form in task_forms]}},
    }


def _ref(spec: APISpec, schema: type[Schema]) -> dict[str, str]:
    name = schema.__name__
    if name not in spec.components.schemas:
        spec.components.schema(name, schema=schema)
    return {"$ref": f"#/components/schemas/{name}"}


def _body(op: Op, spec: APISpec, plugin: MarshmallowPlugin) -> dict[str, Any]:
    if op.body == "file":
        binary = {"schema": {"type": "string", "format": "binary"}}
        return {"required": True, "description": "The type is judged from the content; the "
                "original is sealed as evidence, staff see a copy without metadata.",
                "content": {media: binary for media in FILE_TYPES}}
    if op.body == "start":
        schema: dict[str, Any] | str = _start_body(spec, plugin)
    elif op.body == "complete":
        schema = _complete_body(spec)
    else:
        schema = str(op.body)
    media: dict[str, Any] = {"schema": schema}
    if op.example is not None:
        media["example"] = op.example
    return {"required": True, "content": {JSON: media}}


def _responses(op: Op) -> dict[int, Any]:
    ok: dict[str, Any] = {"description": op.summary}
    ok["content"] = {JSON: {"schema": op.result if op.result else {"type": "object"}}}
    if op.endpoint == "start_case":
        ok["headers"] = {"Location": {"description": "URL of the new case", "required": True,
                                      "schema": {"type": "string"}}}
    if op.links:
        ok["links"] = {name: {"operationId": target, "parameters": dict(params)}
                       for name, (target, params) in op.links.items()}
    responses: dict[int, Any] = {op.status: ok}
    responses.update({status: f"Error{status}" for status in op.errors})
    return responses


def _operation(op: Op, spec: APISpec, plugin: MarshmallowPlugin) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": op.endpoint, "summary": op.summary,
                                 "responses": _responses(op)}
    parameters = _parameters(op)
    if parameters:
        operation["parameters"] = parameters
    if op.body:
        operation["requestBody"] = _body(op, spec, plugin)
    if op.public:
        operation["security"] = []
    return operation


def _components(spec: APISpec, cookie_name: str) -> None:
    for schema in (*REQUEST_SCHEMAS, *RESPONSE_SCHEMAS):
        spec.components.schema(schema.__name__, schema=schema)
    for status, text in ERRORS.items():
        response: dict[str, Any] = {"description": text,
                                    "content": {JSON: {"schema": "ErrorBody"}}}
        if status == 429:
            response["headers"] = {"Retry-After": {
                "description": "seconds", "required": True,
                "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
        spec.components.response(f"Error{status}", response)
    key = {"type": "string", "maxLength": schemas.MAX_KEY}
    about = {"name": "Idempotency-Key", "description": "Your retry key for this request",
             "example": "7f9c2ba4-e88f-4a1b-b5b1-2c9d5e6f7a80"}
    spec.components.parameter("IdempotencyKey", "header", {
        **about, "required": False, "schema": key})
    spec.components.parameter("IdempotencyKeyRequired", "header", {
        **about, "required": True,
        "schema": {**key, "minLength": 1, "pattern": schemas.NOT_BLANK}})
    spec.components.security_scheme(SECURITY, {
        "type": "apiKey", "in": "cookie", "name": cookie_name,
        "description": "The session cookie that POST /login sets"})


@lru_cache(maxsize=8)
def document(cookie_name: str) -> dict[str, Any]:
    """The OpenAPI document (cached: it depends only on the code and the cookie name)."""
    plugin = MarshmallowPlugin()
    spec = APISpec(title="Jianfu staff API", version="1", openapi_version="3.0.3",
                   plugins=[plugin], info={"description": INFO},
                   servers=[{"url": PREFIX}], security=[{SECURITY: []}])
    _components(spec, cookie_name)
    for op in OPERATIONS:
        spec.path(path=op.path, operations={op.method: _operation(op, spec, plugin)})
    return spec.to_dict()
