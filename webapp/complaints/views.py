"""Staff pages for burden complaints beyond the generic task forms: the identity custodian
flow (request, decide, read), evidence files, similar complaints at intake, public replies
and the supervision queue. The responsible unit never sees identity or sealed originals."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from models import Attachment, Case
from webapp.complaints import filing_form, public_text
from webapp.complaints import labels as _labels  # noqa: F401  (registers the labels)
from webapp.complaints.settings import settings
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from workflows.complaints import calendar_check as complaint_calendar
from workflows.complaints import filing as complaints
from workflows.complaints import photos
from workflows.complaints import staff as complaint_staff
from workflows.inspections import ledger as village_ledger
from workflows.kernel import access, case_additions, cases
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.kernel.ids import ComplaintTask, ProcessId
from workflows.kernel.state import CaseState

bp = Blueprint("complaints", __name__, template_folder="templates")

Page = Response | str | tuple[str, int]


def panel(actor: Actor, case: Case, state: CaseState) -> dict[str, Any] | None:
    """What the case page shows for a complaint (None for other processes)."""
    if case.case_type != ProcessId.BURDEN_COMPLAINT:
        return None
    session = get_session()
    roles = actor.role_names()
    status = complaint_staff.unseal_status(session, case.id)
    intake_open = any(
        t.task_id == ComplaintTask.INTAKE and t.state == "open" for t in state.tasks.values()
    )
    office = access.BURDEN_OFFICE in roles
    files = session.scalars(
        select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
    ).all()
    return {
        "unseal": status,
        "can_request": office and status.named and not status.pending_reason
        and not status.approved,
        "can_decide": access.SUPERVISOR in roles and status.pending_reason is not None,
        "can_read": office and status.approved,
        "similar": complaint_staff.similar_open(session, actor, case.id)
        if office and intake_open else [],
        "files": [(f.id, f.mime, f.size) for f in files],
        "can_original": access.SUPERVISOR in roles,
        # An "unapproved inspection" beside the village's calendar: for the district offices
        # (intake and verification), who see every village's calendar.
        "calendar": complaint_calendar.calendar_check(session, case, state.data)
        if roles & village_ledger.DISTRICT_ROLES else None,
        "near_days": complaint_calendar.NEAR_DAYS,
    }


@bp.post("/cases/<int:case_id>/unseal/request")
@login_required
def unseal_request(case_id: int) -> Response:
    complaint_staff.request_unseal(get_session(), current_actor(), case_id,
                                   request.form.get("reason", ""))
    flash(_("The request to unseal the identity waits for the supervision office."), "success")
    return redirect(url_for("staff.case_page", case_id=case_id))


@bp.post("/cases/<int:case_id>/unseal/decide")
@login_required
def unseal_decide(case_id: int) -> Response:
    approve = request.form.get("approve") == "1"
    days = int(current_app.config.get("UNSEAL_VALID_DAYS", complaint_staff.UNSEAL_VALID_DAYS))
    complaint_staff.decide_unseal(get_session(), current_actor(), case_id, approve,
                                  request.form.get("comment", ""), valid_days=days)
    flash(_("Your decision has been recorded."), "success")
    return redirect(url_for("staff.case_page", case_id=case_id))


@bp.post("/cases/<int:case_id>/unseal/read")
@login_required
def unseal_read(case_id: int) -> Response:
    identity = complaint_staff.read_identity(get_session(), current_actor(), case_id,
                                             settings().vault)
    response = make_response(render_template("complaints/identity.html", case_id=case_id,
                                             identity=identity))
    response.headers["Cache-Control"] = "no-store"
    return response


def _attachment(case_id: int, attachment_id: int) -> Attachment:
    session, actor = get_session(), current_actor()
    cases.get_case(session, actor, case_id)  # 404 unless the actor may see the case
    row = session.get(Attachment, attachment_id)
    if row is None or row.case_id != case_id:
        raise NotFoundError("no such file")
    return row


def _file(data: bytes, mime: str, name: str) -> Response:
    response = make_response(data)
    response.headers["Content-Type"] = mime
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


@bp.get("/cases/<int:case_id>/files/<int:attachment_id>")
@login_required
def attachment(case_id: int, attachment_id: int) -> Response:
    """The scrubbed copy (no EXIF, GPS or document metadata) for staff who see the case."""
    row = _attachment(case_id, attachment_id)
    return _file(row.scrubbed, row.mime,
                 f"case{case_id}-file{row.id}.{EXTENSIONS.get(row.mime, 'bin')}")


@bp.get("/cases/<int:case_id>/files/<int:attachment_id>/original")
@login_required
def original(case_id: int, attachment_id: int) -> Response:
    """The sealed original, as evidence, for the supervision office only."""
    if access.SUPERVISOR not in current_actor().role_names():
        raise NotFoundError("no such file")
    row = _attachment(case_id, attachment_id)
    from workflows.kernel.uploads import open_original

    data = open_original(row, settings().vault)
    return _file(data, row.mime,
                 f"case{case_id}-original{row.id}.{EXTENSIONS.get(row.mime, 'bin')}")


@bp.route("/complaints/hotline", methods=["GET", "POST"])
@login_required
def hotline() -> Page:
    """区委农办 files a complaint for a caller (channel "hotline"); the caller gets the code."""
    actor, session = current_actor(), get_session()
    if access.BURDEN_OFFICE not in actor.role_names():
        raise NotFoundError("no such page")
    action = url_for("complaints.hotline")
    if request.method == "GET":
        return filing_form.render_filing(filing_form.FilingForm(values={"anonymous": "1"}),
                                         action=action)
    values = {name: request.form.get(name, "").strip() for name in filing_form.TEXT_FIELDS}
    form = filing_form.FilingForm(values=values)
    options = complaints.filing_options(session)
    session.rollback()
    try:
        filed = complaints.file_complaint(session, filing_form.service_fields(values, options),
                                          filing_form.uploaded_files(), settings=settings(),
                                          channel="hotline", staff=actor)
    except ValidationFailedError as err:
        form.errors = public_text.field_errors(err)
        return filing_form.render_filing(form, 422, action=action)
    return filing_form.receipt_page(filed.code, anonymous=values.get("anonymous") != "0")


@bp.get("/complaints/supervision")
@login_required
def supervision() -> str:
    rows = complaint_staff.supervision_queue(get_session(), current_actor())
    return render_template("complaints/supervision.html", rows=rows)


@bp.app_template_filter("when")
def when(value: Any, exact: bool = True, seconds: bool = False) -> str:
    """A time as the viewer may see it: the date only when `exact` is false (anonymous
    complaints, staff outside intake; T2.2)."""
    from flask_babel import format_date, format_datetime

    if value is None:
        return ""
    if not exact:
        from workflows.kernel.calendar import WorkCalendar

        return str(format_date(WorkCalendar.local_date(value), "yyyy-MM-dd"))
    return str(format_datetime(value, "yyyy-MM-dd HH:mm:ss" if seconds else "yyyy-MM-dd HH:mm"))


# Response templates per step: (field they fill, texts). Staff pick one and edit it.
def _n(text: str) -> str:
    return text


RESPONSE_TEMPLATES: dict[str, tuple[str, tuple[str, ...]]] = {
    ComplaintTask.INTAKE: ("reject_reason", (
        _n("This matter is not a burden placed on the village by a district department or "
           "town, so it is outside the scope of burden complaints. Please contact the "
           "12345 hotline."),
        _n("The complaint does not say which demand, meeting, form or inspection it is "
           "about. Please file it again with the details."),
    )),
    ComplaintTask.CORRECTION: ("actions_taken", (
        _n("The demand has been withdrawn and the village has been told in writing."),
        _n("The forms have been merged into the unified ledger; the village no longer "
           "reports them separately."),
        _n("The meetings have been bundled into the monthly combined session."),
    )),
    ComplaintTask.VERIFICATION: ("reasons", (
        _n("The correction is not confirmed by the village; please provide evidence."),
        _n("The actions taken do not address the burden described in the complaint."),
    )),
    ComplaintTask.RETURN_VISIT: ("comment", (
        _n("Reached the complainant by phone; they confirmed the burden has been removed."),
        _n("Could not reach the complainant after three calls on different days."),
    )),
}


def response_templates(case_type: str, task_id: str) -> tuple[str, list[str]] | None:
    """The field and the translated texts a task page offers as starting points."""
    if case_type != ProcessId.BURDEN_COMPLAINT or task_id not in RESPONSE_TEMPLATES:
        return None
    target, texts = RESPONSE_TEMPLATES[task_id]
    return target, [_(t) for t in texts]


STAFF_UPLOAD_BYTES = 21 * 1024 * 1024  # one photo of up to 20 MiB (made smaller) plus the form


@bp.app_template_global("case_files")
def case_files(case_id: int) -> list[tuple[int, str, int]]:
    """(id, mime, size) of a case's files, for the case page of any process."""
    rows = get_session().execute(
        select(Attachment.id, Attachment.mime, Attachment.size)
        .where(Attachment.case_id == case_id).order_by(Attachment.id))
    return [(i, m, s) for i, m, s in rows]


@bp.url_value_preprocessor
def _body_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The upload route takes a file above the app's 1 MiB form limit (set before the CSRF
    check reads the form)."""
    if endpoint == "complaints.upload":
        request.max_content_length = STAFF_UPLOAD_BYTES


@bp.post("/cases/<int:case_id>/files")
@login_required
def upload(case_id: int) -> Response:
    """Staff attach one JPEG, PNG or PDF to a case they may see (an attachment_added event;
    the original sealed, staff get the scrubbed copy)."""
    storage = request.files.get("file")
    data = storage.read() if storage is not None else b""
    if not data:
        raise ValidationFailedError({"attachments": ["choose a file"]})
    data = photos.fit_all([data])[0]  # a phone photo made small enough
    case_additions.add_attachment(get_session(), current_actor(), case_id, data,
                                  vault=settings().vault)
    flash(_("The file has been attached."), "success")
    return redirect(url_for("staff.case_page", case_id=case_id) + "#files")
