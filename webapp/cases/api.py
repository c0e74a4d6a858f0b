"""JSON API `/api/v1` for staff clients, on the same login session as the pages.

CSRF tokens are not used here; instead every write must be `Content-Type:
application/json`, which a cross-site HTML form cannot send (and the session cookie is
SameSite=Lax). The one exception, an attachment, is sent as the file itself with its own
type (image/jpeg, image/png, application/pdf or application/octet-stream), which no HTML
form can send either. Writes take an optional `Idempotency-Key` header (required to start a
case). The OpenAPI document is served at /api/v1/openapi.json (webapp/cases/openapi.py).
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, Unauthorized, UnsupportedMediaType
from werkzeug.wrappers import Response

from webapp.cases import api_schemas as schemas
from webapp.cases import openapi, presenters
from webapp.complaints.settings import settings
from webapp.core import throttle
from webapp.core.auth import current_actor, end_session, log_in
from webapp.core.db import get_session
from webapp.core.lookups import unit_names
from workflows.kernel import accounts, case_additions, cases, uploads
from workflows.kernel.commands import Idempotency
from workflows.kernel.store import case_events

bp = Blueprint("api", __name__, template_folder="templates", url_prefix="/api/v1")

MAX_KEY = schemas.MAX_KEY
PUBLIC_ENDPOINTS = frozenset({"api.login", "api.openapi"})
# Ids in paths: larger numbers can name no row (and would overflow the database's integer).
CASE = f"<int(min=1, max={schemas.MAX_ID}):case_id>"
# An attachment's body is the file; its declared type is not trusted (workflows.kernel.uploads
# sniffs).
FILE_TYPES = ("image/jpeg", "image/png", "application/pdf", "application/octet-stream")


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An attachment may be as large as workflows.kernel.uploads allows, more than the app's
    limit; this runs before anything reads the body."""
    if endpoint == "api.attach":
        request.max_content_length = uploads.MAX_BYTES


@bp.before_request
def _require_login() -> None:
    if request.endpoint not in PUBLIC_ENDPOINTS and g.get("actor") is None:
        raise Unauthorized()


def json_body(*, allow_empty: bool = False) -> dict[str, Any]:
    """The request's JSON object; 415 for another content type, 400 for bad JSON."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(_("Send the body as JSON with the header "
                                     "Content-Type: application/json."))
    if allow_empty and not request.get_data():
        return {}
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON parser goes
        data = None
    if data is None:
        raise BadRequest(_("The request body is not valid JSON."))
    if not isinstance(data, dict):
        raise BadRequest(_("The request body must be a JSON object."))
    return data


def idempotency(body: dict[str, Any], *, required: bool = False) -> Idempotency | None:
    """The client's retry key. The request path is part of what is compared, so a key
    reused on another task or case is refused rather than answered with an old result."""
    raw = request.headers.get("Idempotency-Key", "")
    if len(raw) > MAX_KEY:
        raise BadRequest(_("The Idempotency-Key header is longer than %(max)s characters.",
                           max=MAX_KEY))
    key = raw.strip()
    if not key:
        if required:
            raise BadRequest(_("The Idempotency-Key header is required for this request."))
        return None
    return Idempotency(f"user:{current_actor().user_id}", key,
                       {"path": request.path, "body": body})


def _user_json() -> dict[str, Any]:
    actor = current_actor()
    names = unit_names(get_session(), (unit for _r, unit, _p in actor.roles))
    return {"id": g.user.id, "username": g.user.username, "display_name": g.user.display_name,
            "roles": [{"role": r, "org_unit_id": u, "org_unit": names.get(u, "")}
                      for r, u, _p in actor.roles]}


@bp.post("/login")
@throttle.login
def login() -> tuple[Response, int]:
    body = schemas.load(schemas.LoginBody, json_body())
    user = accounts.authenticate(get_session(), body["username"], body["password"])
    if user is not None and user.admin_locked:
        user = None  # locked by the administrator: refused like any failed login
    if user is None:
        return jsonify(error="invalid_credentials", fields={},
                       message=_("Wrong username or password, or the account is locked "
                                 "for a while.")), 401
    log_in(user)
    return jsonify(user=_user_json()), 200


@bp.post("/logout")
def logout() -> tuple[Response, int]:
    schemas.load(schemas.EmptyBody, json_body(allow_empty=True))
    end_session()
    return jsonify(status="logged_out"), 200


@bp.get("/me")
def me() -> Response:
    return jsonify(user=_user_json())


@bp.get(f"/cases/{CASE}")
def get_case(case_id: int) -> Response:
    session = get_session()
    case, state = cases.get_case(session, current_actor(), case_id)
    payload = presenters.case_for_viewer(current_actor(), case, state,
                                         case_events(session, case_id))
    return jsonify(payload)


@bp.post("/cases")
def start_case() -> tuple[Response, int, dict[str, str]]:
    raw = json_body()
    idem = idempotency(raw, required=True)
    body = schemas.load(schemas.StartBody, raw)
    result = cases.start_case(get_session(), current_actor(), body["process_id"],
                              body["form_fields"], org_unit_id=body["org_unit_id"],
                              idempotency=idem)
    location = url_for("api.get_case", case_id=result.case_id)
    return jsonify(result.as_dict()), 201, {"Location": location}


@bp.post(f"/cases/{CASE}/tasks/<task_uuid>/complete")
def complete(case_id: int, task_uuid: str) -> Response:
    raw = json_body()
    body = schemas.load(schemas.CompleteBody, raw)
    result = cases.complete_task(get_session(), current_actor(), case_id, task_uuid,
                                 body["form_fields"], idempotency=idempotency(raw))
    return jsonify(result.as_dict())


@bp.post(f"/cases/{CASE}/tasks/<task_uuid>/claim")
def claim(case_id: int, task_uuid: str) -> Response:
    raw = schemas.load(schemas.EmptyBody, json_body(allow_empty=True))
    result = cases.claim_task(get_session(), current_actor(), case_id, task_uuid,
                              idempotency=idempotency(raw))
    return jsonify(result.as_dict())


@bp.post(f"/cases/{CASE}/tasks/<task_uuid>/release")
def release(case_id: int, task_uuid: str) -> Response:
    raw = schemas.load(schemas.EmptyBody, json_body(allow_empty=True))
    result = cases.release_task(get_session(), current_actor(), case_id, task_uuid,
                                idempotency=idempotency(raw))
    return jsonify(result.as_dict())


@bp.post(f"/cases/{CASE}/tasks/<task_uuid>/reassign")
def reassign(case_id: int, task_uuid: str) -> Response:
    raw = json_body()
    body = schemas.load(schemas.ReassignBody, raw)
    result = cases.reassign_task(get_session(), current_actor(), case_id, task_uuid,
                                 body["to_user_id"], idempotency=idempotency(raw))
    return jsonify(result.as_dict())


@bp.post(f"/cases/{CASE}/comments")
def comment(case_id: int) -> tuple[Response, int]:
    raw = json_body()
    body = schemas.load(schemas.CommentBody, raw)
    result = case_additions.add_comment(get_session(), current_actor(), case_id, body["text"],
                                        public=body["public"], idempotency=idempotency(raw))
    return jsonify(result.as_dict()), 201


@bp.get("/openapi.json", endpoint="openapi")
def openapi_document() -> Response:
    """The OpenAPI 3 document of this API (public)."""
    return jsonify(openapi.document(str(current_app.config["SESSION_COOKIE_NAME"])))


@bp.post(f"/cases/{CASE}/attachments", endpoint="attach")
def attach(case_id: int) -> tuple[Response, int]:
    """One file (JPEG, PNG or PDF) as the body; recorded on the case as `attachment_added`."""
    if request.mimetype not in FILE_TYPES:
        raise UnsupportedMediaType(_("Send the file itself as the body, with Content-Type "
                                     "image/jpeg, image/png or application/pdf."))
    data = request.get_data(cache=False)
    key = idempotency({"sha256": hashlib.sha256(data).hexdigest()})
    result = case_additions.add_attachment(get_session(), current_actor(), case_id, data,
                                           vault=settings().vault, idempotency=key)
    return jsonify(result.as_dict()), 201
