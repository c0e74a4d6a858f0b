"""Department scorecards (issue 6): every department's inspections, meetings, the villages'
burden ratings and the complaints it answered for, from `workflows.supervision.scorecards` (folded
from
the case events). 区委农办, 区委督查办, auditors and administrators see every department with
the villages' names; a department's clerks and head see only their own card, without the
villages' names and with the comments only once enough villages have rated; anyone else
gets a 404."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask import Blueprint, g, make_response, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from models import utcnow
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.i18n import N_, status_label
from workflows.kernel.errors import NotFoundError
from workflows.supervision import dashboard, scorecards
from workflows.supervision.dashboard_export import _guard
from workflows.supervision.scorecards import Scorecard

bp = Blueprint("scorecards", __name__, template_folder="templates", url_prefix="/audit")

# (sort key, column heading) of the overview table, in order.
COLUMNS = (
    ("ratings", N_("Village ratings")),
    ("average", N_("Average burden (1-5)")),
    ("requested", N_("Inspections requested")),
    ("approved", N_("Approved")),
    ("people_days", N_("People-days on site")),
    ("materials", N_("Materials demanded")),
    ("meeting_hours", N_("Meeting hours")),
    ("village_hours", N_("Village-hours in meetings")),
    ("complaints", N_("Complaints against it")),
    ("closed_on_time", N_("Closed on time")),
)
# Scorecard attribute -> the dashboard number behind it (linked for dashboard users).
DASHBOARD_METRICS = {
    "requested": "inspections.requested", "approved": "inspections.approved",
    "rejected": "inspections.rejected", "merged": "inspections.merged",
    "in_progress": "inspections.in_progress", "meetings_requested": "meetings.requested",
    "meetings_queued": "meetings.queued", "meetings_urgent": "meetings.urgent",
    "meeting_hours": "meetings.hours", "complaints": "complaints.filed",
    "complaints_closed": "complaints.closed", "closed_on_time": "complaints.closed_on_time",
    "open_overdue": "complaints.open_overdue", "rating_count": "inspections.ratings",
}
CSV_COLUMNS = (
    ("name", N_("Department")), ("rating_count", N_("Village ratings")),
    ("raters", N_("Villages that rated")), ("average_text", N_("Average burden (1-5)")),
    *((f"stars_{n}", "") for n in range(1, 6)),
    ("requested", N_("Inspections requested")), ("approved", N_("Approved")),
    ("rejected", N_("Rejected")), ("merged", N_("Merged")), ("in_progress", N_("In progress")),
    ("visits", N_("Village visits")), ("people_days", N_("People-days on site")),
    ("materials", N_("Materials demanded")), ("meetings_requested", N_("Meetings requested")),
    ("meetings_queued", N_("Queued for a combined session")),
    ("meetings_urgent", N_("Urgent, approved")), ("meeting_hours", N_("Meeting hours")),
    ("village_hours", N_("Village-hours in meetings")),
    ("complaints", N_("Complaints against it")), ("complaints_closed", N_("Closed")),
    ("closed_on_time", N_("Closed on time")), ("open_overdue", N_("Open and overdue")),
)


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _linker(full: bool) -> Callable[[Scorecard, str], str | None]:
    """link(card, attribute) -> the dashboard's case list behind a number, or None (only
    for 区委督查办 and 区委农办, who may open the dashboard)."""
    dashboard_user = full and bool(current_actor().role_names() & dashboard.DASHBOARD_ROLES)

    def link(card: Scorecard, attribute: str) -> str | None:
        metric = DASHBOARD_METRICS.get(attribute)
        if not dashboard_user or metric is None:
            return None
        return url_for("dashboard.cases", metric=metric,
                       key=dashboard.key("unit", card.unit_id, dashboard.ALL))

    return link


@bp.get("/scorecards")
@login_required
def index() -> str:
    shown = scorecards.for_actor(get_session(), current_actor())
    sort = request.args.get("sort", "average")
    cards = scorecards.sort_cards(shown.cards, sort)
    return render_template("audit/scorecards.html", cards=cards, full=shown.full, sort=sort,
                           columns=COLUMNS, as_of=shown.board.as_of, link=_linker(shown.full),
                           number=_number, min_raters=scorecards.MIN_RATERS)


@bp.get("/scorecards/<int:unit_id>")
@login_required
def card(unit_id: int) -> str:
    shown = scorecards.for_actor(get_session(), current_actor(), unit_id=unit_id)
    return render_template("audit/scorecard.html", card=shown.cards[0], full=shown.full,
                           as_of=shown.board.as_of, link=_linker(shown.full), number=_number,
                           min_raters=scorecards.MIN_RATERS, status_label=status_label)


def _value(card: Scorecard, attribute: str) -> object:
    if attribute.startswith("stars_"):
        return card.distribution[int(attribute.removeprefix("stars_"))]
    value = getattr(card, attribute)
    return _number(value) if isinstance(value, float) else value


@bp.get("/scorecards.csv")
@login_required
def export_csv() -> Response:
    """Every department's figures (for those who see every card)."""
    shown = scorecards.for_actor(get_session(), current_actor())
    if not shown.full:
        raise NotFoundError("no such page")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_(label) if label else _("Rated %(n)s", n=a.removeprefix("stars_"))
                     for a, label in CSV_COLUMNS])
    for c in scorecards.sort_cards(shown.cards, "name"):
        writer.writerow([_guard(_value(c, attribute)) for attribute, _l in CSV_COLUMNS])
    response = make_response(("\ufeff" + out.getvalue()).encode("utf-8"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="scorecards-{utcnow().strftime("%Y%m%d")}.csv"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def _scorecard_link() -> dict[str, object]:
    """`scorecards_url()` in any template: the overview when the user may see a card."""

    def scorecards_url() -> str | None:
        if g.get("actor") is None:
            return None
        if not scorecards.may_see(get_session(), current_actor()):
            return None
        return url_for("scorecards.index")

    return {"scorecards_url": scorecards_url}
