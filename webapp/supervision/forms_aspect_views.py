"""The forms aspect of the supervision dashboard and scorecards (issue 13, item 7): fields
demanded per village and month, the share filled from shared data, forms per department.
Computed from the events by `workflows.report_forms.dashboard`; who sees it: as the dashboard
(区委督查办, 区委农办, auditors)."""

from __future__ import annotations

from flask import Blueprint, render_template

from models import utcnow
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.lookups import unit_names
from workflows.report_forms import dashboard as forms_aspect
from workflows.supervision.board import require_dashboard

bp = Blueprint("forms_aspect", __name__, template_folder="templates", url_prefix="/audit")


@bp.get("/dashboard/forms")
@login_required
def page() -> str:
    require_dashboard(current_actor())
    session = get_session()
    board = forms_aspect.compute(session, utcnow())
    towns = forms_aspect.by_town(session, board)
    return render_template(
        "audit/forms_aspect.html", board=board, towns=towns,
        town_names=unit_names(session, towns), units=unit_names(session, board.per_department),
        month=board.months[-1] if board.months else "")


def summary(unit_id: int | None = None) -> dict[str, object]:
    """The totals and the forms per department, for the block on the dashboard and the
    scorecards (`audit/_forms_aspect.html`); with `unit_id`, that department's own figures
    for its scorecard (`audit/_forms_aspect_card.html`)."""
    session = get_session()
    board = forms_aspect.compute(session, utcnow())
    mine = {m: c for (u, m), c in board.department_cells.items() if u == unit_id}
    return {"total": board.total(), "per_department": board.per_department,
            "units": unit_names(session, board.per_department),
            "forms": board.per_department.get(unit_id or 0, (0, 0)),
            "months": sorted(mine.items())}


@bp.app_context_processor
def _inject() -> dict[str, object]:
    return {"forms_aspect_summary": summary}
