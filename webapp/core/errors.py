"""Errors as pages (staff UI) or JSON (`/api/`): a clear message, the field at fault,
never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webapp.core import i18n, throttle
from workflows.kernel.errors import (
    CaseError,
    ConflictError,
    IdempotencyMismatchError,
    NotAllowedError,
    NotFoundError,
    ProcessError,
    ValidationFailedError,
)

logger = logging.getLogger(__name__)

CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_failed", 429: "too_many_requests",
    500: "internal_error", 503: "unavailable",
}


def _default_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please log in first."),
        403: _("You may not do this."),
        404: _("This page does not exist, or it is not within your scope."),
        405: _("This method is not allowed here."),
        409: _("Someone else acted on this case first. Reload the page to see where "
               "it stands now."),
        413: _("The request is too large."),
        415: _("The request has the wrong content type."),
        422: _("Some input is not valid."),
        500: _("Something went wrong on our side. Please try again later."),
    }
    return str(messages.get(status, _("The request could not be handled.")))


def wants_json() -> bool:
    return request.path.startswith("/api/")


def respond(status: int, code: str, message: str,
            fields: dict[str, list[str]] | None = None) -> tuple[Response | str, int]:
    fields = {k: [i18n.message(m) for m in v] for k, v in (fields or {}).items()}
    if wants_json():
        return jsonify(error=code, message=message, fields=fields), status
    return render_template("error.html", status=status, message=message, fields=fields), status


def _case_message(err: CaseError) -> str:
    if isinstance(err, ConflictError):
        return _default_message(409)
    if isinstance(err, NotFoundError):
        return _default_message(404)
    if isinstance(err, ProcessError):
        return _default_message(500)
    return i18n.message(str(err)) or _default_message(err.status)


def handle_case_error(err: CaseError) -> tuple[Response | str, int]:
    if isinstance(err, ProcessError):
        logger.error("process error in %s (line %s): %s", err.task_id, err.line_number, err)
        return respond(500, "process_error", _case_message(err))
    code = CODES.get(err.status, "error")
    if isinstance(err, IdempotencyMismatchError):
        code = "idempotency_mismatch"
    elif isinstance(err, NotAllowedError):
        code = "forbidden"
    fields = err.fields if isinstance(err, ValidationFailedError | NotAllowedError) else None
    return respond(err.status, code, _case_message(err), fields)


def handle_http_error(err: HTTPException) -> tuple[Response | str, int, dict[str, str]]:
    status = err.code or 500
    headers: dict[str, str] = {}
    if isinstance(err, CSRFError):
        message = _("The form has expired or did not come from this site. Go back, reload "
                    "the page and try again.")
    elif status == 429:
        wait = throttle.retry_after(err) if isinstance(err, RateLimitExceeded) else 60
        minutes = max(1, (wait + 59) // 60)
        message = _("Too many attempts from your connection. Please wait %(minutes)s minutes "
                    "and try again.", minutes=minutes)
        headers["Retry-After"] = str(minutes * 60)
    elif status in (400, 415, 422) and err.description and wants_json():
        message = str(err.description)  # e.g. which part of the JSON body is wrong
    else:
        message = _default_message(status)
    extra: dict[str, Any] = getattr(err, "fields", None) or {}
    body, _status = respond(status, CODES.get(status, "error"), message, extra)
    allowed = getattr(err, "valid_methods", None)
    if allowed:  # 405 must say what is allowed (RFC 9110 15.5.6)
        headers["Allow"] = ", ".join(allowed)
    return body, status, headers


def handle_internal_error(err: Exception) -> tuple[Response | str, int]:
    original = getattr(err, "original_exception", None)
    if original is not None:
        logger.error("unhandled error", exc_info=original)
    return respond(500, "internal_error", _default_message(500))


def init_app(app: Flask) -> None:
    app.register_error_handler(CaseError, handle_case_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_internal_error)
