"""The apps aspect of the supervision dashboard and scorecards (issue 13, item 7): apps and
work groups per village, check-ins a week demanded, apps and groups per owner department or
town. Computed from the events by `workflows.apps.dashboard`; who sees it: as the dashboard
(区委督查办, 区委农办, auditors)."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from models import OrgKind, OrgUnit, utcnow
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.lookups import unit_names
from workflows.apps import dashboard as apps_aspect
from workflows.supervision.board import require_dashboard

bp = Blueprint("apps_aspect", __name__, template_folder="templates", url_prefix="/audit")


@bp.get("/dashboard/apps")
@login_required
def page() -> str:
    require_dashboard(current_actor())
    session = get_session()
    board = apps_aspect.compute(session, utcnow())
    villages = list(session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.VILLAGE)
                                    .order_by(OrgUnit.path)))
    towns = unit_names(session, {v.parent_id for v in villages})
    return render_template(
        "audit/apps_aspect.html", board=board, total=board.total(), villages=villages,
        towns=towns, owners=unit_names(session, board.per_owner), empty=apps_aspect.Figures())


def summary() -> dict[str, object]:
    """The totals and the owners' figures, for the block on the dashboard and scorecards."""
    session = get_session()
    board = apps_aspect.compute(session, utcnow())
    return {"total": board.total(), "per_owner": board.per_owner,
            "owners": unit_names(session, board.per_owner), "requests": board.requests}


@bp.app_context_processor
def _inject() -> dict[str, object]:
    return {"apps_aspect_summary": summary}
