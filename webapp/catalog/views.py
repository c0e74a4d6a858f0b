"""The assessment item catalog (考核评比项目目录) for staff: browse, search, filter and export;
an item's page with its version history and field diffs; proposing a new item, a change
or a retirement (a department's clerks, through the approval process); and the panel the
approval's task and case pages show (the duplicate check's top matches with their scores
and passages, the reasons a proposal was returned, what a change changes).

Rows are never edited here: every change goes through `assessment_item_approval`.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
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

from models import Case, OrgKind, OrgUnit
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.i18n import choice_label, field_label, status_label
from webapp.core.lookups import unit_names
from webapp.core.schema_form import field_specs, parse
from workflows.catalog import approval as item_approval
from workflows.catalog import browse as catalog
from workflows.catalog.forms import CHANGE_KINDS, ITEM_FIELDS, METHODS, TARGETS
from workflows.kernel import access, cases, forms
from workflows.kernel.access import Actor
from workflows.kernel.commands import Idempotency
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.kernel.ids import ProcessId

bp = Blueprint("catalog", __name__, template_folder="templates", url_prefix="/catalog")

Page = Response | str | tuple[str, int]
PROCESS = str(ProcessId.ASSESSMENT_ITEM_APPROVAL)
STATUSES = ("active", "retired")
MAX_FORM_KEY = 100


def _browser() -> Actor:
    """The actor, if they may read the catalog at all (else a 404)."""
    actor = current_actor()
    if not catalog.can_browse(actor):
        raise NotFoundError("no such page")
    return actor


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _choice_arg(name: str, allowed: tuple[str, ...]) -> str | None:
    raw = request.args.get(name, "")
    return raw if raw in allowed else None


def _filters() -> catalog.Filters:
    return catalog.Filters(
        q=request.args.get("q", "")[:catalog.MAX_QUERY],
        owner_unit_id=_int_arg("owner"),
        target=_choice_arg("target", TARGETS),
        status=_choice_arg("status", STATUSES),
        method=_choice_arg("method", METHODS),
    )


def clerk_units(actor: Actor) -> list[int]:
    """The departments where the actor may propose items (clerk of a district department)."""
    session = get_session()
    ids = sorted({uid for role, uid, _ in actor.roles if role == access.CLERK})
    return [uid for uid in ids
            if (u := session.get(OrgUnit, uid)) is not None and u.kind == OrgKind.DEPARTMENT]


def _departments() -> list[tuple[int, str]]:
    rows = get_session().execute(
        select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == OrgKind.DEPARTMENT)
        .order_by(OrgUnit.id))
    return [(uid, name) for uid, name in rows]


@bp.get("")
@login_required
def index() -> str:
    actor = _browser()
    filters = _filters()
    rows = catalog.browse(get_session(), filters)
    return render_template(
        "catalog/list.html", rows=rows, filters=filters, departments=_departments(),
        targets=TARGETS, methods=METHODS, statuses=STATUSES,
        net=catalog.net_change(get_session()), can_propose=bool(clerk_units(actor)),
        export_args={k: v for k, v in request.args.items() if k != "lang"})


def _label(column: str, value: Any) -> str:
    if column == "status":
        return status_label(value)
    if column in ("target", "method", "frequency", "period"):
        return choice_label(value)
    return str(value)


def _headers() -> dict[str, str]:
    return {c: field_label(c) for c in catalog.EXPORT_COLUMNS}


@bp.get("/export.csv")
@login_required
def export_csv() -> Response:
    _browser()
    body = catalog.export_csv(catalog.browse(get_session(), _filters()), _headers(), _label)
    return _download(body, "text/csv; charset=utf-8", "csv")


@bp.get("/export.xlsx")
@login_required
def export_xlsx() -> Response:
    _browser()
    body = catalog.export_xlsx(catalog.browse(get_session(), _filters()), _headers(), _label,
                               title=_("Assessment item catalog"))
    return _download(
        body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")


def _download(body: bytes, mime: str, ext: str) -> Response:
    response = make_response(body)
    response.headers["Content-Type"] = mime
    name = f"assessment-items-{date.today().isoformat()}.{ext}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/items/<int:item_id>")
@login_required
def item(item_id: int) -> str:
    actor = _browser()
    session = get_session()
    row = catalog.get_row(session, item_id)
    versions = catalog.history(session, item_id)
    pending = item_approval.open_proposal_for(session, item_id)
    owner_clerk = row.owner_unit_id in clerk_units(actor)
    return render_template(
        "catalog/item.html", row=row, versions=list(reversed(versions)), pending=pending,
        can_change=owner_clerk and row.status == "active" and pending is None,
        fields=ITEM_FIELDS)


@bp.route("/propose", methods=["GET", "POST"])
@login_required
def propose() -> Page:
    """Start a proposal (new item, change or retirement): the draft task follows."""
    actor = current_actor()
    units = clerk_units(actor)
    if not units:
        raise NotFoundError("no such page")
    source = request.form if request.method == "POST" else request.args
    kind = source.get("change_kind", "new")
    if kind not in CHANGE_KINDS:
        abort(404)
    item_id = source.get("item_id", "")
    row = None
    if kind != "new":
        if not item_id.isdigit() or len(item_id) > 9:
            abort(404)
        row = catalog.get_row(get_session(), int(item_id))
        if row.owner_unit_id not in units:
            raise NotAllowedError("only the owner department may change or retire its item")
    schema = forms.START_FORMS[PROCESS]
    specs = [s for s in field_specs(schema) if s.name == "title"]
    context = {"kind": kind, "row": row, "specs": specs,
               "units": unit_names(get_session(), units)}
    if request.method == "GET":
        title = {"new": "", "change": _("Change of %(name)s", name=row.name if row else ""),
                 "retire": _("Retirement of %(name)s", name=row.name if row else "")}[kind]
        return render_template("catalog/propose.html", values={"title": title}, errors={},
                               form_key=secrets.token_urlsafe(16), **context)
    values = parse(specs, request.form)
    fields = {**values, "change_kind": kind, "item_id": int(item_id) if row else None}
    unit = request.form.get("unit", "")
    org_unit_id = int(unit) if unit.isdigit() and int(unit) in units else None
    if row is not None:
        org_unit_id = row.owner_unit_id if row.owner_unit_id in units else None
    form_key = request.form.get("form_key", "")[:MAX_FORM_KEY]
    idem = (Idempotency(f"user:{actor.user_id}", f"form:{form_key}",
                        {"process_id": PROCESS, "fields": fields}) if form_key else None)
    try:
        result = cases.start_case(get_session(), actor, PROCESS, fields,
                                  org_unit_id=org_unit_id or units[0], idempotency=idem)
    except ValidationFailedError as err:
        return render_template("catalog/propose.html", values=values, errors=err.fields,
                               form_key=form_key, **context), 422
    session = get_session()
    _case, state = cases.get_case(session, actor, result.case_id)
    draft = next((t for t in state.tasks.values() if t.state == "open"), None)
    flash(_("The proposal has been started: fill in the item and send it for sign-off."),
          "success")
    if draft is not None:
        return redirect(url_for("staff.task_page", case_id=result.case_id,
                                task_uuid=draft.task_uuid))
    return redirect(url_for("staff.case_page", case_id=result.case_id))


# ------------------------------------------------------------------ the approval's panel

def item_panel(case: Case) -> dict[str, Any] | None:
    """What the task and case pages of an item proposal show (None for other processes)."""
    if case.case_type != PROCESS:
        return None
    session = get_session()
    _case, state = cases.get_case(session, current_actor(), case.id)
    data = state.data
    check = data.get("duplicate_check") or {}
    matches = list(check.get("matches") or [])
    owners = unit_names(session, [m.get("owner_unit_id") for m in matches])
    current = data.get("current") if isinstance(data.get("current"), dict) else None
    changes = []
    if current is not None:
        changes = [(f, current.get(f), data.get(f)) for f in ITEM_FIELDS
                   if f in data and data.get(f) != current.get(f)]
    return {
        "kind": data.get("change_kind"),
        "item_id": data.get("item_id"),
        "item_code": data.get("item_code"),
        "checked": bool(check),
        "skipped": check.get("skipped"),
        "compared": check.get("compared", 0),
        "threshold": check.get("threshold"),
        "matches": [{**m, "owner": owners.get(m.get("owner_unit_id"), "")} for m in matches],
        "likely": bool(data.get("likely_duplicates")),
        "returns": list(data.get("returns") or []),
        "changes": changes,
    }


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"item_panel": item_panel}
