"""The report form registry for staff: browse it, a form's page with its versions; propose a
new form, a change or a retirement (a department's clerks, through the approval process); the
panel the approval's task and case pages show (per field: mapped, or "already held as
indicator X — reuse it"); and the filters the report form pages share."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from models import Case, OrgKind, OrgUnit
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.i18n import message
from webapp.core.lookups import unit_names
from webapp.report_forms import labels
from webapp.report_forms.blueprint import bp
from webapp.report_forms.village_views import cadre_villages
from workflows.kernel import access, cases
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.commands import Idempotency
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.report_forms import approval, indicators, registry
from workflows.report_forms.forms import CHANGE_KINDS, PROCESS

Page = Response | str | tuple[str, int]
MAX_FORM_KEY = 100


def _staff() -> Actor:
    actor = current_actor()
    if actor.is_system or not actor.roles:
        raise NotFoundError("no such page")
    return actor


def clerk_units(actor: Actor) -> list[int]:
    session = get_session()
    ids = sorted({uid for role, uid, _p in actor.roles if role == access.CLERK})
    return [uid for uid in ids
            if (u := session.get(OrgUnit, uid)) is not None and u.kind == OrgKind.DEPARTMENT]


@bp.get("")
@login_required
def index() -> str:
    actor = _staff()
    rows = registry.rows(get_session())
    return render_template("report_forms/list.html", rows=rows,
                           can_propose=bool(clerk_units(actor)))


@bp.get("/forms/<int(max=2147483647):form_id>")
@login_required
def form_page(form_id: int) -> str:
    actor = _staff()
    session = get_session()
    row = registry.row(session, form_id)
    pending = approval.open_proposal_for(session, form_id)
    return render_template(
        "report_forms/form.html", row=row, versions=list(reversed(registry.versions(
            session, form_id))), pending=pending, towns=unit_names(session, row.towns() or []),
        can_change=(row.form.owner_unit_id in clerk_units(actor) and pending is None
                    and row.form.status == "in_force"), kinds=labels.VERSION_KINDS)


@bp.route("/propose", methods=["GET", "POST"])
@login_required
def propose() -> Page:
    """Start a proposal (new form, change or retirement): the draft task follows."""
    actor = current_actor()
    units = clerk_units(actor)
    if not units:
        raise NotFoundError("no such page")
    source = request.form if request.method == "POST" else request.args
    kind = source.get("change_kind", "new")
    if kind not in CHANGE_KINDS:
        abort(404)
    raw_id = source.get("form_id", "")
    row = None
    if kind != "new":
        if not raw_id.isdigit() or len(raw_id) > 9:
            abort(404)
        row = registry.row(get_session(), int(raw_id))
        if row.form.owner_unit_id not in units:
            raise NotAllowedError("only the owner department may change or retire its form")
    context = {"kind": kind, "row": row, "units": unit_names(get_session(), units)}
    if request.method == "GET":
        title = {"new": "", "change": _("Change of %(name)s", name=row.version.name if row
                                         else ""),
                 "retire": _("Retirement of %(name)s", name=row.version.name if row
                             else "")}[kind]
        return render_template("report_forms/propose.html", title=title, errors={},
                               form_key=secrets.token_urlsafe(16), **context)
    title = request.form.get("title", "")[:300]
    fields = {"title": title, "change_kind": kind, "form_id": row.form.id if row else None}
    unit = request.form.get("unit", "")
    org_unit_id = int(unit) if unit.isdigit() and int(unit) in units else units[0]
    if row is not None:
        org_unit_id = row.form.owner_unit_id
    form_key = request.form.get("form_key", "")[:MAX_FORM_KEY]
    idem = (Idempotency(f"user:{actor.user_id}", f"form:{form_key}",
                        {"process_id": PROCESS, "fields": fields}) if form_key else None)
    try:
        result = cases.start_case(get_session(), actor, PROCESS, fields,
                                  org_unit_id=org_unit_id, idempotency=idem)
    except ValidationFailedError as err:
        return render_template("report_forms/propose.html", title=title, errors=err.fields,
                               form_key=form_key, **context), 422
    _case, state = cases.get_case(get_session(), actor, result.case_id)
    draft = next((t for t in state.tasks.values() if t.state == "open"), None)
    if draft is not None:
        return redirect(url_for("staff.task_page", case_id=result.case_id,
                                task_uuid=draft.task_uuid))
    return redirect(url_for("staff.case_page", case_id=result.case_id))


def form_panel(case: Case) -> dict[str, Any] | None:
    """What the task and case pages of a report form proposal show (None for others)."""
    if case.case_type != PROCESS:
        return None
    _case, state = cases.get_case(get_session(), current_actor(), case.id)
    data = state.data
    check = data.get("field_check") or {}
    return {"kind": data.get("change_kind", "new"), "form_id": data.get("form_id"),
            "form_code": data.get("form_code"), "checked": bool(check.get("fields")),
            "fields": list(check.get("fields") or []), "mapped": check.get("mapped", 0),
            "total": check.get("total", 0), "reusable": check.get("reusable", 0),
            "all_held": bool(data.get("all_fields_held")),
            "names": {i.code: i.name for i in indicators.INDICATORS}}


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    actor = g.get("actor")
    cadre = bool(actor is not None and not actor.is_system
                 and access.VILLAGE_CADRE in actor.role_names())
    return {"report_form_panel": form_panel, "village_data_menu": cadre}


@bp.app_template_filter("rf_period")
def rf_period(period: object) -> str:
    text = str(period)
    if len(text) == 4:
        return str(_("%(y)s", y=text))
    if len(text) == 7 and text[5] == "Q":
        return str(_("%(y)s Q%(q)s", y=text[:4], q=text[6]))
    return str(_("%(y)s-%(m)s", y=text[:4], m=text[5:]))


@bp.app_template_filter("rf_day")
def rf_day(value: object) -> str:
    if isinstance(value, datetime):
        value = WorkCalendar.local_date(value)
    return str(format_date(value, "yyyy-MM-dd")) if isinstance(value, date) else ""


@bp.app_template_filter("rf_error")
def rf_error(text: object) -> str:
    return message(text)



@bp.get("/indicators")
@login_required
def dictionary() -> str:
    """The one form: every indicator with its code (what a draft maps a field to), definition,
    unit, data steward, update frequency and valid range."""
    _staff()
    session = get_session()
    stewards = dict(session.execute(select(OrgUnit.code, OrgUnit.name)).all())
    return render_template("report_forms/dictionary.html", rows=indicators.INDICATORS,
                           stewards=stewards)


__all__ = ["bp", "cadre_villages", "clerk_units"]
