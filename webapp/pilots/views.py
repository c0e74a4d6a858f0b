"""Pages of measures 7 and 8 (docs/pilots.md), for every member of staff: each town's
five-year-plan check, the pilot variants with their comparison against the standard
version, the innovation practices register, and each town's card. A town's clerk records a
plan or a practice on the generic start page and adds evidence files here (the upload path
with its scrubbing, `workflows.kernel.case_additions`); 区委农办 decides in the inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from models import Case
from webapp.cases.diagram_svg import version_diagram
from webapp.complaints import settings as complaint_settings
from webapp.core import i18n, navigation
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.i18n import N_
from webapp.pilots import labels as _labels  # noqa: F401  (registers the labels)
from workflows.kernel import access, case_additions
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.pilots import compare, registers, variants
from workflows.pilots.forms import PLAN_CHECK, PRACTICE
from workflows.pilots.towns import towns

bp = Blueprint("pilots", __name__, template_folder="templates", url_prefix="/pilots")
navigation.add_menu_item("pilots.index", N_("Pilot towns and five-year plans"), "nav-pilots",
                         lambda actor: isinstance(actor, Actor) and registers.may_read(actor))
Page = Response | str | tuple[str, int]


def _may_record(actor: Actor) -> bool:
    return access.CLERK in actor.role_names()


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _days(value: float | None) -> str:
    return "–" if value is None else _("%(n)s days", n=f"{value:.1f}")


@bp.get("")
@login_required
def index() -> str:
    actor = current_actor()
    session = get_session()
    plans = registers.town_plans(session, actor)
    return render_template("pilots/index.html", plans=plans,
                           variants=variants.listing(session),
                           practices=registers.practices(session, actor)[:5],
                           may_record=_may_record(actor), plan_process=PLAN_CHECK,
                           practice_process=PRACTICE)


@bp.get("/plans")
@login_required
def plans() -> str:
    actor = current_actor()
    return render_template("pilots/plans.html",
                           plans=registers.town_plans(get_session(), actor),
                           may_record=_may_record(actor), plan_process=PLAN_CHECK)


@bp.get("/variants")
@login_required
def variant_list() -> str:
    actor = current_actor()
    session = get_session()
    rows = compare.compare(session, actor)
    return render_template("pilots/variants.html", variants=variants.listing(session),
                           comparisons=rows, percent=_percent, days=_days,
                           is_admin=access.ADMIN in actor.role_names())


@bp.get("/variants/<int:version_id>")
@login_required
def variant_page(version_id: int) -> str:
    """One variant: what it changes against the standard version, its diagram, its status."""
    actor = current_actor()
    registers.require_reader(actor)
    session = get_session()
    shown = variants.variant(session, version_id)
    standard, found = variants.changes(session, version_id)
    return render_template("pilots/variant.html", variant=shown, standard=standard,
                           changes=found, diagram=version_diagram(session, version_id),
                           max_changes=variants.MAX_CHANGES)


@bp.get("/practices")
@login_required
def practices() -> str:
    actor = current_actor()
    session = get_session()
    town = request.args.get("town", "")
    status = request.args.get("status", "")
    town_id = int(town) if town.isdigit() else None
    if status not in ("", "registered", "adopted", "noted"):
        status = ""
    return render_template("pilots/practices.html",
                           practices=registers.practices(session, actor, town_id, status),
                           towns=towns(session), town_id=town_id, status=status,
                           may_record=_may_record(actor), practice_process=PRACTICE)


@bp.get("/towns/<int:town_id>")
@login_required
def town_card(town_id: int) -> str:
    actor = current_actor()
    session = get_session()
    plan = registers.town_plan(session, actor, town_id)
    own = [v for v in variants.listing(session) if v.town_id == town_id]
    return render_template("pilots/town.html", plan=plan, variants=own,
                           practices=registers.practices(session, actor, town_id),
                           may_add_evidence=_town_clerk(actor, town_id))


def _town_clerk(actor: Actor, town_id: int | None) -> bool:
    """A clerk of the town: who records its plan and practices and adds their evidence."""
    return any(role == access.CLERK and unit == town_id for role, unit, _p in actor.roles)


@bp.post("/cases/<int:case_id>/evidence")
@login_required
def evidence(case_id: int) -> Page:
    """One evidence file (JPEG, PNG or PDF) for a plan check or a practice, scrubbed and
    recorded on the case as `attachment_added`."""
    session = get_session()
    actor = current_actor()
    case = session.get(Case, case_id)
    if (case is None or case.case_type not in (PLAN_CHECK, PRACTICE)
            or not _town_clerk(actor, case.scope_org_unit_id)):
        abort(404)
    upload = request.files.get("file")
    data = upload.read() if upload is not None and upload.filename else b""
    target = url_for("pilots.town_card", town_id=case.scope_org_unit_id)
    if not data:
        flash(_("Choose a file (JPEG, PNG or PDF) to upload."), "error")
        return redirect(target)
    try:
        case_additions.add_attachment(session, actor, case_id, data,
                                      vault=complaint_settings.settings().vault)
    except ValidationFailedError as err:
        for messages in err.fields.values():
            for message in messages:
                flash(i18n.message(message), "error")
        return redirect(target)
    except NotFoundError:
        abort(404)
    flash(_("The evidence file is added to the case."), "success")
    return redirect(target)


def dashboard_section() -> dict[str, Any]:
    """What the supervision dashboard shows of measures 7 and 8 (its pilots section)."""
    actor = current_actor()
    session = get_session()
    return {"plans": registers.town_plans(session, actor),
            "comparisons": compare.compare(session, actor), "percent": _percent,
            "days": _days}


@bp.app_template_filter("pilot_date")
def pilot_date(moment: datetime) -> str:
    """A moment as its local day (Asia/Shanghai, the app's time zone)."""
    return str(format_date(moment, "yyyy-MM-dd"))


def town_plans_section() -> list[registers.TownPlan]:
    """The towns and their plan status, for the scorecards page's town cards (staff only)."""
    actor = current_actor()
    return registers.town_plans(get_session(), actor) if registers.may_read(actor) else []


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"pilots_dashboard": dashboard_section, "pilots_town_plans": town_plans_section}
