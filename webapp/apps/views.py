"""Government apps and work groups (issue 13, items 5 and 6): the registry (every staff member
reads it), an app's page with its version history, asking for a new app or group or for the
merging or retirement of one (a clerk of a department or town: the request's draft follows),
and each village's page of legitimate apps and groups, where its cadre flags an app or group
demanded of the village that is not registered: that opens a burden complaint pre-filled with
the category for apps and check-ins and the village, as the village calendar does for
unapproved inspections.

Rows are never edited here: every change goes through `app_request`.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from models import Case, User
from webapp.apps import labels  # also registers the labels
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.lookups import unit_names
from webapp.core.schema_form import field_specs, parse
from workflows.apps import approval, registry
from workflows.apps import village as village_apps
from workflows.apps.forms import CHANGE_KINDS, KINDS, PROCESS
from workflows.kernel import cases, forms
from workflows.kernel.access import Actor
from workflows.kernel.commands import Idempotency
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError

bp = Blueprint("apps", __name__, template_folder="templates", url_prefix="/apps")

Page = Response | str | tuple[str, int]
# The complaint category for apps, groups and check-ins (workflows.complaints.forms).
FLAG_CATEGORY = "apps_and_checkins"
STATUSES = ("active", "merged", "retired")
MAX_FORM_KEY = 100


def _browser() -> Actor:
    actor = current_actor()
    if not village_apps.may_browse(actor):
        raise NotFoundError("no such page")
    return actor


@bp.app_context_processor
def _menu() -> dict[str, Any]:
    actor = g.get("actor")
    return {"apps_menu": actor is not None and village_apps.may_browse(actor)}


@bp.get("")
@login_required
def index() -> str:
    actor = _browser()
    session = get_session()
    status = request.args.get("status", "active")
    rows = registry.apps(session, status if status in STATUSES else None)
    kind = request.args.get("kind", "")
    if kind in KINDS:
        rows = [r for r in rows if r.kind == kind]
    return render_template(
        "apps/list.html", rows=rows, status=status, kind=kind, statuses=STATUSES, kinds=KINDS,
        can_request=bool(village_apps.requesting_units(session, actor)),
        villages=village_apps.visible_villages(session, actor))


@bp.get("/<int:app_id>")
@login_required
def app(app_id: int) -> str:
    actor = _browser()
    session = get_session()
    row = next((r for r in registry.apps(session) if r.id == app_id), None)
    if row is None:
        raise NotFoundError("no such app or group")
    versions = registry.history(session, app_id)
    pending = approval.open_request_for(session, app_id)
    owner = row.owner_unit_id in village_apps.requesting_units(session, actor)
    names = unit_names(session, row.village_ids)
    return render_template(
        "apps/app.html", row=row, versions=list(reversed(versions)), pending=pending,
        can_change=owner and row.status == "active" and pending is None,
        village_names=[names.get(v, "") for v in row.village_ids],
        publishers=_publishers(versions))


def _publishers(versions: list[Any]) -> dict[int, str]:
    ids = {v.published_by for v in versions if v.published_by}
    session = get_session()
    return {u.id: u.display_name for u in (session.get(User, i) for i in ids) if u}


@bp.route("/request", methods=["GET", "POST"])
@login_required
def start() -> Page:
    """Ask for a new app or group, or to merge or retire one: the draft task follows."""
    actor = current_actor()
    session = get_session()
    units = village_apps.requesting_units(session, actor)
    if not units:
        raise NotFoundError("no such page")
    source = request.form if request.method == "POST" else request.args
    kind = source.get("app_change", "new")
    if kind not in CHANGE_KINDS:
        abort(404)
    row = None
    if kind != "new":
        raw = source.get("app_id", "")
        if not raw.isdigit() or len(raw) > 9:
            abort(404)
        row = next((r for r in registry.apps(session, "active") if r.id == int(raw)), None)
        if row is None:
            raise NotFoundError("no such app or group")
        if row.owner_unit_id not in units:
            raise NotAllowedError("only the owner unit may merge or retire its app or group")
    targets = [r for r in registry.apps(session, "active") if row is None or r.id != row.id]
    specs = [s for s in field_specs(forms.START_FORMS[PROCESS]) if s.name == "title"]
    context = {"kind": kind, "row": row, "specs": specs, "targets": targets,
               "units": unit_names(session, units)}
    if request.method == "GET":
        title = {"new": "", "merge": _("Merging %(name)s", name=row.name if row else ""),
                 "retire": _("Retiring %(name)s", name=row.name if row else "")}[kind]
        return render_template("apps/request.html", values={"title": title}, errors={},
                               form_key=secrets.token_urlsafe(16), **context)
    values = parse(specs, request.form)
    target = request.form.get("merge_into_id", "")
    fields = {**values, "app_change": kind, "app_id": row.id if row else None,
              "merge_into_id": int(target) if kind == "merge" and target.isdigit()
              and len(target) < 10 else None}
    unit = request.form.get("unit", "")
    org_unit_id = int(unit) if unit.isdigit() and int(unit) in units else units[0]
    if row is not None:
        org_unit_id = row.owner_unit_id
    form_key = request.form.get("form_key", "")[:MAX_FORM_KEY]
    idem = (Idempotency(f"user:{actor.user_id}", f"form:{form_key}",
                        {"process_id": PROCESS, "fields": fields}) if form_key else None)
    try:
        result = cases.start_case(session, actor, PROCESS, fields, org_unit_id=org_unit_id,
                                  idempotency=idem)
    except ValidationFailedError as err:
        return render_template("apps/request.html", values=values, errors=err.fields,
                               form_key=form_key, **context), 422
    _case, state = cases.get_case(session, actor, result.case_id)
    draft = next((t for t in state.tasks.values() if t.state == "open"), None)
    flash(_("The request has been started: fill it in and send it for sign-off."), "success")
    if draft is not None:
        return redirect(url_for("staff.task_page", case_id=result.case_id,
                                task_uuid=draft.task_uuid))
    return redirect(url_for("staff.case_page", case_id=result.case_id))


@bp.get("/village")
@login_required
def village() -> str:
    """A village's legitimate apps and groups, and (for its cadre) the flag."""
    actor = current_actor()
    session = get_session()
    villages = village_apps.visible_villages(session, actor)
    if not villages:
        raise NotFoundError("no such page")
    raw = request.args.get("village", "")
    chosen = next((v for v in villages if raw.isdigit() and v.id == int(raw)), None)
    if raw and chosen is None:
        raise NotFoundError("no such village")
    chosen = chosen or villages[0]
    shown = village_apps.of_village(session, chosen)
    return render_template(
        "apps/village.html", villages=villages, chosen=chosen, shown=shown,
        may_flag=village_apps.may_flag(actor, chosen), category=FLAG_CATEGORY)


# ------------------------------------------------------------------ the request's panel


def app_panel(case: Case) -> dict[str, Any] | None:
    """What a request's task page shows beside its form: the duplicate check against the
    registry, the returns, and for a merge or retirement the app concerned."""
    if case.case_type != PROCESS:
        return None
    session = get_session()
    _case, state = cases.get_case(session, current_actor(), case.id)
    data = state.data
    check = data.get("duplicate_check") or {}
    matches = [m for m in check.get("matches") or [] if isinstance(m, dict)]
    owners = unit_names(session, [m.get("owner_unit_id") for m in matches])
    return {
        "kind": data.get("app_change"), "app_id": data.get("app_id"),
        "app_code": " ".join(str(x) for x in (data.get("app_code"), (data.get("current") or {})
                                                .get("app_name")) if x),
        "merge_into_id": data.get("merge_into_id"),
        "merge_into": f"{data.get('merge_into_code', '')} {data.get('merge_into_name', '')}",
        "checked": bool(check), "skipped": check.get("skipped"),
        "compared": check.get("compared", 0),
        "matches": [{**m, "owner": owners.get(int(m.get("owner_unit_id") or 0), "")}
                    for m in matches],
        "likely": bool(data.get("likely_duplicates")),
        "returns": [{**r, "stage": _(labels.STAGES[r["stage"]]) if r.get("stage") in
                     labels.STAGES else str(r.get("stage", ""))}
                    for r in data.get("returns") or [] if isinstance(r, dict)],
    }


@bp.app_context_processor
def _inject_panel() -> dict[str, Any]:
    return {"app_panel": app_panel}
