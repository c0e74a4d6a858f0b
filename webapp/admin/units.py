"""The org unit pages (issue 20; docs/administration.md, "The org tree"): `/admin/units` (a
searchable list, 50 a page), `/admin/units/<id>` (a unit, its history, the edit form),
`/admin/units/import` (upload a CSV or XLSX file, see the changes or the errors, confirm)
and `/admin/units/export.csv|.xlsx`. Texts in webapp/admin/translations/units."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import date
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from models import utcnow
from webapp.admin import labels
from webapp.admin.blueprint import bp
from webapp.core import i18n
from webapp.core.auth import current_actor
from webapp.core.db import get_session
from webapp.core.paging import page_count, page_number
from workflows.admin import org_checks, org_file, org_import, org_plan, org_units
from workflows.admin.org_file import RowError
from workflows.kernel.calendar import WorkCalendar

N_ = i18n.N_
PER_PAGE = 50
MAX_FILE = 256 * 1024
KIND_LABELS = {"district": N_("District"), "department": N_("Department"),
               "town": N_("Town or sub-district"), "village": N_("Village or community")}
COLUMN_LABELS = {"code": N_("Code"), "official_code": N_("Official code"),
                 "name": N_("Unit name"), "parent_code": N_("Parent code"), "kind": N_("Kind"),
                 "valid_from": N_("In force from"), "valid_to": N_("In force until")}
# Every message of the import, as written below the web layer (the same English text; the
# catalog gives it in Chinese; tests/webapp/test_admin_units.py checks the list is whole).
IMPORT_MESSAGES = (
    N_("required"),
    N_("letters, digits, '-', '_' or '.', at most 64, starting with a letter or digit"),
    N_("at most %(n)s characters"), N_("a name may not start with = + - or @"),
    N_("unknown kind '%(kind)s': district, department, town or village (区, 部门, 镇, 街道, "
       "村, 社区)"),
    N_("the district has no parent"), N_("'%(value)s' is not a date as YYYY-MM-DD"),
    N_("the end date is before the start date"), N_("a %(kind)s's official code is 12 digits"),
    N_("a town's official code ends in 000 (and is not the district's)"),
    N_("a village's official code does not end in 000"),
    N_("the district's official code is 12 digits ending in 000000"),
    N_("not a unified social credit code (18 characters, GB 32100-2015)"),
    N_("the check character of '%(code)s' is wrong (expected %(expected)s)"),
    N_("duplicate code '%(code)s' (also row %(other)s)"),
    N_("duplicate official code '%(code)s' (also row %(other)s)"),
    N_("official code '%(code)s' belongs to unit '%(other)s' in the database"),
    N_("unknown parent '%(parent)s'"),
    N_("a %(kind)s's parent must be a %(expected)s; '%(parent)s' is a %(actual)s"),
    N_("cycle: %(path)s"),
    N_("the kind cannot change ('%(code)s' is a %(kind)s in the database)"),
    N_("only one district: '%(other)s' is the district"),
    N_("a town's official code starts with its district's 6 digits %(prefix)s"),
    N_("a village's official code starts with its town's 9 digits %(prefix)s"),
    N_("the unit stays in force after its parent '%(parent)s' ends on %(day)s"),
    N_("the file must carry the %(kind)s '%(code)s': the processes route work to it"),
    N_("'%(code)s' must stay in force: the processes route work to it"),
    N_("the file must be a .csv or .xlsx file"), N_("the file is not UTF-8 or GB18030 text"),
    N_("the CSV file cannot be read: %(why)s"), N_("the file is not an XLSX workbook"),
    N_("the file is empty"), N_("required column missing"),
    N_("the file has more than %(n)s rows"),
    N_("unit '%(code)s' changed since the plan was made: plan the import again"),
)
ALL_MESSAGES = (*org_checks.MESSAGES, *org_plan.MESSAGES, *org_file.MESSAGES,
                org_import.STALE)
_KIND_PARAMS = ("kind", "expected", "actual")


def kind_label(kind: object) -> str:
    text = KIND_LABELS.get(str(kind))
    return gettext(text) if text is not None else str(kind)


def column_label(column: str) -> str:
    text = COLUMN_LABELS.get(column)
    return gettext(text) if text is not None else column


def error_text(error: RowError) -> str:
    """An import error in the reader's language (kinds named as the pages name them)."""
    # Kinds inside a sentence: lower case in English (Chinese has no case).
    params = {k: kind_label(v).lower() if k in _KIND_PARAMS else v for k, v in error.params}
    return str(gettext(error.text, **params)) if params else str(gettext(error.text))


bp.add_app_template_filter(kind_label, "unit_kind")
bp.add_app_template_filter(column_label, "unit_column")
bp.add_app_template_filter(error_text, "unit_error")


def _today() -> date:
    """Today in China: the day the pages call "active" and an import's date."""
    return WorkCalendar.local_date(utcnow())




@bp.get("/units", endpoint="units")
def units() -> str:
    q = request.args.get("q", "").strip()[:80]
    kind = request.args.get("kind", "")
    kind = kind if kind in org_units.KINDS else ""
    status = request.args.get("status", "")
    status = status if status in org_units.STATUSES else ""
    page = page_number()
    rows, total = org_units.search(get_session(), current_actor(), q=q, kind=kind,
                                   status=status, today=_today(), page=page,
                                   per_page=PER_PAGE)
    return render_template("admin/units.html", rows=rows, total=total, page=page,
                           pages=page_count(total, PER_PAGE), q=q, kind=kind,
                           status=status, kinds=org_units.KINDS)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"], endpoint="unit")
def unit(unit_id: int) -> str | BaseResponse | tuple[str, int]:
    session, actor, today = get_session(), current_actor(), _today()
    found = org_units.unit_page(session, actor, unit_id, today=today, page=page_number())
    values = {"name": found.unit.name, "official_code": found.unit.official_code or "",
              "valid_from": found.unit.valid_from.isoformat() if found.unit.valid_from else "",
              "valid_to": found.unit.valid_to.isoformat() if found.unit.valid_to else ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "")[:250] for k in values}
        plan, number = org_import.plan_edit(session, found.unit.code, values, as_of=today)
        if not plan.errors and not plan.changes:
            flash(gettext("Nothing changed."), "info")
            return redirect(url_for("admin.unit", unit_id=unit_id))
        if not plan.errors:
            org_import.apply_import(session, actor, plan)
            flash(gettext("Saved: %(what)s.", what=labels.admin_action(plan.changes[0].action)))
            return redirect(url_for("admin.unit", unit_id=unit_id))
        for error in plan.errors:
            key = error.column if error.row == number and error.column in values else ""
            prefix = "" if key else gettext("Row of %(code)s: ", code=_row_code(error))
            errors.setdefault(key, []).append(prefix + error_text(error))
    html = render_template("admin/units_unit.html", found=found, values=values, errors=errors,
                           page=page_number(), pages=page_count(found.history_total, PER_PAGE))
    return (html, 422) if errors else html


def _row_code(error: RowError) -> str:
    """The unit of another row of the tree an edit breaks (an edit checks the whole tree)."""
    rows = org_import.export_rows(get_session())
    return next((r.code for r in rows if r.row == error.row), str(error.row))


def _signature(*parts: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, "\n".join(["org-import", *parts]).encode(), hashlib.sha256).hexdigest()


def _digest(plan: org_import.ImportPlan) -> str:
    text = json.dumps([(c.action, c.code, c.before, c.after) for c in plan.changes],
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@bp.route("/units/import", methods=["GET", "POST"], endpoint="units_import")
def units_import() -> str | BaseResponse | tuple[str, int]:
    if request.method == "GET":
        return render_template("admin/units_import.html", stage="upload")
    session, actor = get_session(), current_actor()
    if "confirm" in request.form:
        return _confirm(session, actor)
    upload = request.files.get("file")
    data = upload.read(MAX_FILE + 1) if upload is not None else b""
    name = (upload.filename or "") if upload is not None else ""
    if not data:
        return _upload_error(gettext("Choose a CSV or XLSX file."))
    if len(data) > MAX_FILE:
        return _upload_error(gettext("The file is larger than %(n)s KB.", n=MAX_FILE // 1024))
    return _preview(session, data, name, _today(), changed=False)


def _upload_error(message: str) -> tuple[str, int]:
    return render_template("admin/units_import.html", stage="upload", upload_error=message), 422


def _preview(session: Any, data: bytes, name: str, as_of: date,
             changed: bool) -> str | tuple[str, int]:
    try:
        rows = org_import.read_rows(data, name)
    except org_import.OrgFileError as err:
        return _refused(err.errors, name)
    plan = org_import.plan_import(session, rows, as_of=as_of)
    if plan.errors:
        return _refused(plan.errors, name)
    encoded = base64.b64encode(data).decode()
    digest = _digest(plan)
    sig = _signature(str(current_actor().user_id), name, as_of.isoformat(), digest, encoded)
    return render_template("admin/units_import.html", stage="plan", plan=plan, name=name,
                           data=encoded, as_of=as_of.isoformat(), digest=digest, sig=sig,
                           counts=sorted(plan.counts().items()), changed=changed)


def _refused(errors: list[RowError], name: str) -> tuple[str, int]:
    return render_template("admin/units_import.html", stage="refused", errors=errors,
                           name=name), 422


def _confirm(session: Any, actor: Any) -> str | BaseResponse | tuple[str, int]:
    form = request.form
    name, encoded = form.get("name", ""), form.get("data", "")
    as_of_text, digest = form.get("as_of", ""), form.get("digest", "")
    expected = _signature(str(actor.user_id), name, as_of_text, digest, encoded)
    try:
        data, as_of = base64.b64decode(encoded, validate=True), date.fromisoformat(as_of_text)
    except (binascii.Error, ValueError):
        data, as_of = b"", date.min
    if not data or not hmac.compare_digest(expected, form.get("sig", "")):
        return _upload_error(gettext("The confirmation is not valid: upload the file again."))
    plan = org_import.plan_import(session, org_import.read_rows(data, name), as_of=as_of)
    if plan.errors or _digest(plan) != digest:
        return _preview(session, data, name, as_of, changed=True)
    done = org_import.apply_import(session, actor, plan)
    flash(gettext("Import done: %(n)s change(s) made.", n=done))
    return redirect(url_for("admin.units"))


def _export(fmt: str) -> Response:
    rows = org_import.export_rows(get_session())
    chinese = i18n.current_locale() == i18n.DEFAULT_LOCALE
    stamp = _today().isoformat()
    if fmt == "xlsx":
        body = org_import.to_xlsx(rows, chinese=chinese)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mime = org_import.to_csv(rows, chinese=chinese), "text/csv; charset=utf-8"
    return Response(body, mimetype=mime, headers={
        "Content-Disposition": f'attachment; filename="org_tree_{stamp}.{fmt}"'})


@bp.get("/units/export.csv", endpoint="units_export_csv")
def units_export_csv() -> Response:
    return _export("csv")


@bp.get("/units/export.xlsx", endpoint="units_export_xlsx")
def units_export_xlsx() -> Response:
    return _export("xlsx")
