"""The village data page (村级基础数据): a village cadre's forms calendar with "N of M fields
already filled", each form pre-filled from the village's data with only the rest to fill, and
the one-form indicators themselves. Phone first, no JavaScript needed (docs/report_forms.md).
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from models import OrgKind, OrgUnit, utcnow
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.report_forms.blueprint import bp
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.report_forms import indicators, registry, values, village
from workflows.report_forms.village import MINUTES_PER_FIELD

Page = Response | str | tuple[str, int]


def cadre_villages(actor: Actor) -> list[OrgUnit]:
    """The villages the actor is a cadre of."""
    session = get_session()
    ids = [uid for role, uid, _p in actor.roles if role == access.VILLAGE_CADRE]
    found = [session.get(OrgUnit, uid) for uid in ids]
    return [v for v in found if v is not None and v.kind == OrgKind.VILLAGE]


def _village(village_id: int) -> OrgUnit:
    actor = current_actor()
    return values.require_cadre(get_session(), actor, village_id)


def _today() -> date:
    return WorkCalendar.local_date(utcnow())


@bp.get("/village")
@login_required
def village_home() -> Page:
    """The cadre's own village (the first one when several)."""
    villages = cadre_villages(current_actor())
    if not villages:
        raise NotFoundError("no such page")
    return redirect(url_for("report_forms.village_page", village_id=villages[0].id))


@bp.get("/village/<int(max=2147483647):village_id>")
@login_required
def village_page(village_id: int) -> Page:
    chosen = _village(village_id)
    due = village.calendar(get_session(), chosen, _today())
    return render_template("report_forms/village.html", chosen=chosen, due=due,
                           villages=cadre_villages(current_actor()),
                           minutes=sum(i.minutes for i in due),
                           per_field=MINUTES_PER_FIELD)


def _day_of(period: str) -> date:
    """The first day of a period (2026 | 2026-Q4 | 2026-12); 404 for anything else."""
    try:
        if len(period) == 4:
            return date(int(period), 1, 1)
        if len(period) == 7 and period[5] == "Q" and period[6] in "1234":
            return date(int(period[:4]), (int(period[6]) - 1) * 3 + 1, 1)
        if len(period) == 7 and period[4] == "-":
            return date(int(period[:4]), int(period[5:]), 1)
    except ValueError:
        pass
    abort(404)


@bp.route("/village/<int(max=2147483647):village_id>/forms/<int(max=2147483647):form_id>",
          methods=["GET", "POST"])
@login_required
def fill_form(village_id: int, form_id: int) -> Page:
    """One form for one period: the filled fields folded away, only the rest to fill."""
    session = get_session()
    chosen = _village(village_id)
    row = registry.row(session, form_id)
    if not village.applies(row, chosen):
        raise NotFoundError("no such form")
    period = request.values.get("period", "")[:10] or indicators.period_of(
        row.version.frequency, _today())
    inst = village.instance(session, row, chosen, _day_of(period))
    if inst.period != period:
        abort(404)
    errors: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        typed = {f.key: request.form.get(f.key, "")[:60] for f in inst.fields}
        entries = [values.Entry(f.key, f.period, typed[f.key]) for f in inst.fields
                   if typed[f.key].strip()]
        try:
            values.record(session, current_actor(), chosen.id, entries, form_id=form_id)
        except ValidationFailedError as err:
            errors = err.fields
        else:
            flash(_("Saved: every form that uses these figures now shows them."), "success")
            return redirect(url_for("report_forms.fill_form", village_id=village_id,
                                    form_id=form_id, period=period))
    return render_template("report_forms/fill.html", chosen=chosen, inst=inst, errors=errors,
                           typed=typed, per_field=MINUTES_PER_FIELD,
                           labels=_indicator_labels()), (422 if errors else 200)


@bp.route("/village/<int(max=2147483647):village_id>/indicators", methods=["GET", "POST"])
@login_required
def indicators_page(village_id: int) -> Page:
    """The one form itself: every indicator for its current period, entered once."""
    session = get_session()
    chosen = _village(village_id)
    today = _today()
    have = values.held(session, chosen.id)
    rows = [(i, indicators.period_of(i.frequency, today)) for i in indicators.INDICATORS]
    errors: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        typed = {i.code: request.form.get(i.code, "")[:60] for i, _p in rows}
        entries = [values.Entry(i.code, p, typed[i.code]) for i, p in rows
                   if typed[i.code].strip()
                   and (have.get((i.code, p)) is None
                        or have[(i.code, p)].value != typed[i.code].strip())]
        if entries:
            try:
                values.record(session, current_actor(), chosen.id, entries)
            except ValidationFailedError as err:
                errors = err.fields
        if not errors:
            flash(_("Saved: every form that uses these figures now shows them."), "success")
            return redirect(url_for("report_forms.indicators_page", village_id=village_id))
    return render_template("report_forms/indicators.html", chosen=chosen, rows=rows, have=have,
                           errors=errors, typed=typed), (422 if errors else 200)


def _indicator_labels() -> dict[str, str]:
    return {i.code: i.definition for i in indicators.INDICATORS}
