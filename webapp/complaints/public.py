"""The villagers' side of burden complaints: file one, keep the receipt, track it by code.

Routes (blueprint "public", prefix /report):
- GET/POST /report: the filing page. One URL for the whole filing (three steps shown one at
  a time by public.js, all at once without JS); a POST answers with the receipt page, or with
  the form again (422) naming each bad field.
- GET /report/track: a form for the receipt code (public.js copies `#code=` from the
  fragment, which the receipt's QR code carries, into it and drops it from the address bar).
- POST /report/track: the complaint's status. POST /report/track/reply, /rate, /appeal: the
  complainant's actions; each answers with the status page again.

Anonymity (docs/complaints.md, guides/reliability.md §2): the receipt code travels only in
POST bodies (hidden fields), never in a URL or a cookie; every response here is
`Cache-Control: no-store` and `Referrer-Policy: no-referrer`; no third-party assets; no
client address or User-Agent is read here (only `webapp.core.throttle` reads the address, to
count guesses). Client file names are dropped: only the bytes go down.

CSRF: the forms carry Flask-WTF tokens, checked here instead of by `CSRFProtect`, whose
HTTPS "strict referrer" check would refuse every POST of a page sent with no-referrer.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from flask import Blueprint, current_app, render_template, request, session
from flask_babel import format_date
from flask_wtf.csrf import CSRFError, ValidationError, validate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from models import utcnow
from webapp.complaints import receipt_again
from webapp.complaints.filing_form import (
    ACCEPT,
    MAX_FILE_MB,
    MAX_FILES,
    TEXT_FIELDS,
    FilingForm,
    MiB,
    receipt_page,
    render_filing,
    service_fields,
    uploaded_files,
)
from webapp.complaints.public_text import (
    CATEGORY_LABELS,
    FIELD_HINTS,
    _,
    category_label,
    complaint_status_label,
    field_errors,
    public_field_label,
    rating_label,
)
from webapp.complaints.settings import settings
from webapp.core import throttle
from webapp.core.db import get_session
from workflows.complaints import filing as complaints
from workflows.complaints import retention
from workflows.complaints import tracking as complaint_tracking
from workflows.kernel.errors import (
    CaseError,
    ConflictError,
    NotFoundError,
    ProcessError,
    ValidationFailedError,
)

logger = logging.getLogger(__name__)

bp = Blueprint("public", __name__, template_folder="templates", url_prefix="/report")

# The body of one filing or reply: a few phone photos of up to MAX_FILE_MB each (6 x 20 MiB
# would be 120 MiB; 64 MiB takes three large photos and the form).
DEFAULT_MAX_CONTENT_LENGTH = 64 * MiB
UPLOAD_ENDPOINTS = frozenset({"public.file", "public.reply"})
RATINGS = ("satisfied", "partly", "not_satisfied")
SUBMISSIONS_KEPT = 5

Page = tuple[str, int] | str | Response


# ------------------------------------------------------------------ request plumbing


@bp.url_value_preprocessor
def _body_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Uploads (phone photos) may be larger than the app's 1 MiB default, on these routes only.
    Runs before every before_request hook, so before anything reads the body."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = int(
            current_app.config.get("PUBLIC_MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH))


@bp.before_request
def _check_csrf() -> None:
    if request.method != "POST" or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as err:
        raise CSRFError(str(err.args[0])) from None


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
    return response


for _name, _fn in (("complaint_category", category_label),
                   ("complaint_status", complaint_status_label),
                   ("public_field", public_field_label), ("rating_label", rating_label)):
    bp.add_app_template_filter(_fn, _name)


def _error_page(status: int, message: str, title: str | None = None) -> tuple[str, int]:
    return render_template("public/error.html", status=status, title=title or str(status),
                           message=message), status


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Response | tuple[str, int]:
    status = err.code or 500
    if status == 429:
        wait = throttle.retry_after(err)
        minutes = max(1, (wait + 59) // 60)
        page, _status = _error_page(
            429, _("Too many attempts from your connection. Please wait %(minutes)s minutes "
                   "and try again.", minutes=minutes), _("Please wait"))
        return Response(page, 429, {"Retry-After": str(minutes * 60)}, mimetype="text/html")
    if isinstance(err, CSRFError):
        return _error_page(400, _("This form has expired. Go back, reload the page and fill "
                                  "it in again."), _("Form expired"))
    if status == 413:
        return _error_page(413, _("The files are too large together. Attach at most "
                                  "%(count)s files of at most %(size)s MB each.",
                                  count=MAX_FILES, size=MAX_FILE_MB), _("Files too large"))
    if status == 404:
        return _error_page(404, _("This page does not exist."), _("Not found"))
    if status >= 500:
        original = getattr(err, "original_exception", None)
        if original is not None:
            logger.error("unhandled error on a public page", exc_info=original)
        return _error_page(500, _("Something went wrong on our side. Please try again later."))
    return _error_page(status, _("The request could not be handled."))


@bp.errorhandler(CaseError)
def _case_error(err: CaseError) -> tuple[str, int]:
    if isinstance(err, ProcessError):
        logger.error("process error on a public page in %s: %s", err.task_id, err)
        return _error_page(500, _("Something went wrong on our side. Please try again later."))
    if isinstance(err, ConflictError):
        return _error_page(409, _("Someone acted on this complaint at the same moment. "
                                  "Please try again."))
    return _error_page(err.status, _("The request could not be handled."))


# ------------------------------------------------------------------ filing


def _filed_before(token: str) -> bool:
    return bool(token) and token in session.get("public_filed", [])


def _remember_filed(token: str) -> None:
    if token:
        kept = [t for t in session.get("public_filed", []) if t != token]
        session["public_filed"] = [*kept, token][-SUBMISSIONS_KEPT:]


def _prefilled() -> dict[str, str]:
    """A link may choose the kind and the village, e.g. from a village calendar:
    /report?category=unapproved_inspection&village_id=12 (anything else is ignored)."""
    values = {"anonymous": "1"}
    if request.args.get("category", "") in CATEGORY_LABELS:
        values["category"] = request.args["category"]
    if request.args.get("village_id", "").isdigit():
        values["village_id"] = request.args["village_id"]
    return values


@bp.route("", methods=["GET", "POST"])
@throttle.filing
def file() -> Page:
    if request.method == "GET":
        return render_filing(FilingForm(values=_prefilled()))
    values = {name: request.form.get(name, "").strip() for name in TEXT_FIELDS}
    if "town_id" not in request.form:
        values.pop("town_id")
    form = FilingForm(values=values)
    submission = request.form.get("submission", "")
    anonymous = values.get("anonymous") != "0"
    if _filed_before(submission):
        shown = receipt_again.again(submission)
        if shown is not None and _case_for(shown) is not None:
            return receipt_page(shown, anonymous=anonymous, again=True)
        return render_template("public/already_filed.html"), 409
    code = receipt_again.code_for(submission) if receipt_again.usable(submission) else None
    if code is not None and _case_for(code) is not None:  # re-posted from another browser
        return render_template("public/already_filed.html"), 409
    files = uploaded_files()
    db = get_session()
    options = complaints.filing_options(db)
    db.rollback()
    if len(files) > MAX_FILES:
        form.errors["attachments"] = [
            _("Attach at most %(count)s files.", count=MAX_FILES)]
        return render_filing(form, 422)
    try:
        filed = complaints.file_complaint(db, service_fields(values, options), files,
                                          settings=settings(), code=code)
    except ValidationFailedError as err:
        form.errors = field_errors(err)
        if "town_id" in form.errors and "town_id" not in request.form:
            # Without JS there is no town field: the village choice carries the message.
            moved = form.errors.pop("town_id")
            form.errors.setdefault("village_id", moved)
        return render_filing(form, 422)
    _remember_filed(submission)
    if code is not None:
        receipt_again.remember(submission)
    return receipt_page(filed.code, anonymous=anonymous)


# ------------------------------------------------------------------ tracking


def _case_for(code: str) -> int | None:
    """The case of a typed code; None when no complaint has it or it is malformed (the
    same answer, after the same work, either way)."""
    try:
        return complaint_tracking.case_for_code(get_session(), code, settings())
    except NotFoundError:
        return None


def _not_found() -> tuple[str, int]:
    return render_template("public/track.html", not_found=True,
                           tries_left=throttle.wrong_codes_left(),
                           ticket=throttle.issue_ticket()), 404


def _wait_page() -> tuple[str, int] | None:
    """While many wrong codes arrive from everywhere (throttle.slow_mode), a lookup needs a
    wait ticket: without a good one the page asks to wait and press Continue (202), the code
    kept in the form. Nobody is locked out."""
    if not throttle.slow_mode() or throttle.redeem_ticket(request.form.get("ticket", "")):
        return None
    return render_template("public/track.html", not_found=False, code=_code(),
                           waiting=True, wait=throttle.wait_seconds(),
                           ticket=throttle.issue_ticket()), 202


def _render_status(case_id: int, code: str, *, notice: str = "",
                   errors: dict[str, list[str]] | None = None, form: str = "",
                   values: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    tracking = complaint_tracking.track(get_session(), case_id)
    return render_template(
        "public/status.html", t=tracking, code=code, notice=notice, errors=errors or {},
        form=form, values=values or {}, ratings=RATINGS, accept=ACCEPT, max_files=MAX_FILES,
        max_file_mb=MAX_FILE_MB, date=format_date, ticket=throttle.issue_ticket()), status


def _code() -> str:
    return request.form.get("code", "")[:64]


class Opened(NamedTuple):
    code: str
    case_id: int


def _opened() -> Opened | tuple[str, int]:
    """The complaint a posted code opens, or the page to answer instead: the wait page in
    slow mode without a good ticket, the one not-found page for a wrong or malformed code.
    Every lookup (track, reply, rate, appeal) goes through here."""
    waiting = _wait_page()
    if waiting is not None:
        return waiting
    code = _code()
    case_id = _case_for(code)
    return _not_found() if case_id is None else Opened(code, case_id)


@bp.route("/track", methods=["GET", "POST"])
@throttle.lookup
def track() -> Page:
    if request.method == "GET":
        return render_template("public/track.html", not_found=False,
                               ticket=throttle.issue_ticket())
    opened = _opened()
    if not isinstance(opened, Opened):
        return opened
    code, case_id = opened
    return _render_status(case_id, code)


@bp.post("/track/reply")
@throttle.lookup
def reply() -> Page:
    opened = _opened()
    if not isinstance(opened, Opened):
        return opened
    code, case_id = opened
    text = request.form.get("text", "")
    files = uploaded_files()
    if len(files) > MAX_FILES:
        return _render_status(case_id, code, form="reply", values={"text": text}, status=422,
                              errors={"attachments": [_("Attach at most %(count)s files.",
                                                        count=MAX_FILES)]})
    try:
        complaint_tracking.reply(get_session(), case_id, text, files, vault=settings().vault)
    except ValidationFailedError as err:
        return _render_status(case_id, code, form="reply", values={"text": text},
                              errors=field_errors(err), status=422)
    except ConflictError:
        return _render_status(case_id, code, form="reply", values={"text": text}, status=409,
                              notice=_("This complaint no longer takes messages."))
    return _render_status(case_id, code, notice=_("Thank you. Your message has been added."))


@bp.post("/track/rate")
@throttle.lookup
def rate() -> Page:
    opened = _opened()
    if not isinstance(opened, Opened):
        return opened
    code, case_id = opened
    rating, comment = request.form.get("rating", ""), request.form.get("comment", "")
    values = {"rating": rating, "comment": comment}
    if rating not in RATINGS:
        return _render_status(case_id, code, form="rate", values=values, status=422,
                              errors={"rating": [_(FIELD_HINTS["rating"])]})
    try:
        complaint_tracking.rate(get_session(), case_id, rating, comment)
    except ValidationFailedError as err:
        return _render_status(case_id, code, form="rate", values=values,
                              errors=field_errors(err), status=422)
    except ConflictError:
        return _render_status(case_id, code, status=409,
                              notice=_("The return visit is not open any more."))
    return _render_status(case_id, code, notice=_("Thank you. Your rating has been recorded."))


@bp.post("/track/appeal")
@throttle.lookup
def appeal() -> Page:
    opened = _opened()
    if not isinstance(opened, Opened):
        return opened
    code, case_id = opened
    reason = request.form.get("appeal_reason", "")
    values = {"appeal_reason": reason}
    try:
        complaint_tracking.appeal(get_session(), case_id, reason)
    except ValidationFailedError as err:
        return _render_status(case_id, code, form="appeal", values=values,
                              errors=field_errors(err), status=422)
    except ConflictError:
        return _render_status(case_id, code, status=409,
                              notice=_("The time to appeal has passed."))
    return _render_status(case_id, code,
                          notice=_("Your appeal has been received; the complaint is reopened."))


@bp.post("/track/erase")
@throttle.lookup
def erase() -> Page:
    """The complainant's early erasure of their name, phone and original files (the case and
    the staff's copies without metadata stay): docs/complaints.md, "Retention"."""
    opened = _opened()
    if not isinstance(opened, Opened):
        return opened
    code, case_id = opened
    if request.form.get("confirm") != "yes":
        return _render_status(case_id, code, form="erase", status=422, errors={
            "confirm": [_("Tick the box to confirm that your personal data may be erased.")]})
    try:
        done = retention.erase(get_session(), case_id, reason="requested", now=utcnow(),
                               by_complainant=True)
    except ConflictError:
        return _render_status(case_id, code, status=409,
                              notice=_("The complaint changed meanwhile; please try again."))
    if done is None:
        return _render_status(case_id, code,
                              notice=_("No personal data of yours is kept with this complaint."))
    return _render_status(case_id, code, notice=_(
        "Your name, phone number and original files have been erased. The complaint "
        "continues with the copies the departments see."))
