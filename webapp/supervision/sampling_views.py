"""Sampling for supervision (区委督查办 only): draw a seeded random sample of closed cases,
each of which gets a supervision review; see every draw and check that it repeats from
its recorded seed and population."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.i18n import N_
from webapp.core.lookups import user_names
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.supervision import sampling as supervision
from workflows.supervision.forms import SAMPLED_TYPES

bp = Blueprint("sampling", __name__, template_folder="templates", url_prefix="/audit")

# Messages raised below the web layer (workflows.supervision.sampling, supervision_forms,
# dashboard),
# for extraction; the `msg` filter translates them.
MESSAGES = (
    N_("between 1 and 200"), N_("1 to 64 letters, digits or _ . : -"),
    N_("choose complaints, report forms or both"), N_("there is no closed case to draw from"),
    N_("required when there is a violation"), N_("required when returning the correction"),
    N_("required when there is a violation: the unit that corrects"), N_("no such draw"),
    N_("not a dashboard key"), N_("not a dashboard number"), N_("one of town, village, unit"),
)


def _render(errors: dict[str, list[str]] | None = None,
            values: dict[str, object] | None = None) -> str | tuple[str, int]:
    session = get_session()
    actor = current_actor()
    draws = supervision.draws(session, actor)
    names = user_names(session, [d.drawn_by for d in draws])
    page = render_template("audit/sampling.html", draws=draws, people=names,
                           types=SAMPLED_TYPES, errors=errors or {}, values=values or {},
                           max_size=supervision.MAX_SAMPLE)
    return (page, 422) if errors else page


@bp.get("/sampling")
@login_required
def page() -> str | tuple[str, int]:
    return _render()


@bp.post("/sampling")
@login_required
def draw() -> Response | str | tuple[str, int]:
    actor = current_actor()
    supervision.require_supervisor(actor)
    raw_size = request.form.get("size", "").strip()
    seed = request.form.get("seed", "").strip() or None
    types = [t for t in request.form.getlist("case_types") if t]
    values: dict[str, object] = {"size": raw_size, "seed": seed or "", "case_types": types}
    if not raw_size.isdigit():
        return _render({"size": ["Not a valid integer."]}, values)
    try:
        done = supervision.draw(get_session(), actor, size=int(raw_size), seed=seed,
                                case_types=types)
    except ValidationFailedError as err:
        return _render(err.fields, values)
    return redirect(url_for("sampling.show", draw_id=done.draw_id))


@bp.get("/sampling/<draw_id>")
@login_required
def show(draw_id: str) -> str:
    session = get_session()
    actor = current_actor()
    found = [d for d in supervision.draws(session, actor) if d.draw_id == draw_id]
    if not found:
        raise NotFoundError("no such draw")
    check = supervision.verify_draw(session, actor, draw_id)
    names = user_names(session, [found[0].drawn_by])
    return render_template("audit/sampling_draw.html", draw=found[0], check=check,
                           people=names)
