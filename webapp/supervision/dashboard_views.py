"""The supervision dashboard (区委督查办 and 区委农办 only): numbers per village, town or
unit and month, each linking to the cases behind it; server-drawn SVG charts; CSV and
XLSX exports of every number. All numbers come from `workflows.supervision.dashboard` (the
events)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from models import Case, utcnow
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.i18n import N_, choice_label, process_label, status_label
from webapp.supervision.dashboard_svg import Bar, bar_chart
from workflows.kernel.access import AUDIT_ROLES
from workflows.kernel.errors import ValidationFailedError
from workflows.supervision import dashboard, dashboard_export
from workflows.supervision import dashboard_export as tabular
from workflows.supervision.dashboard import ALL, Average, Dashboard, Rate

bp = Blueprint("dashboard", __name__, template_folder="templates", url_prefix="/audit")

SECTION_LABELS = {
    "complaints": N_("Complaints"), "report_forms": N_("Report form approvals"),
    "assessment_items": N_("Assessment items"), "supervision": N_("Supervision reviews"),
    "inspections": N_("Inspections"), "meetings": N_("Meetings"),
    "burden_ledger": N_("Village burden ledger"),
}
METRIC_LABELS = {
    "complaints.filed": N_("Complaints filed"), "complaints.closed": N_("Closed"),
    "complaints.closed_on_time": N_("Closed on time"),
    "complaints.open_overdue": N_("Open and overdue"),
    "complaints.on_time_rate": N_("On-time rate"), "complaints.rated": N_("Rated"),
    "complaints.satisfied": N_("Satisfied or partly satisfied"),
    "complaints.satisfaction_rate": N_("Satisfaction rate"),
    "complaints.ever_closed": N_("Ever closed"), "complaints.reopened": N_("Reopened"),
    "complaints.reopen_rate": N_("Reopen rate"),
    "complaints.on_time_base": N_("Closed or open and overdue"),
    "forms.requested": N_("Requested"), "forms.approved": N_("Approved"),
    "forms.rejected": N_("Rejected"), "forms.pending": N_("Pending"),
    "items.added": N_("Added"), "items.retired": N_("Retired"),
    "items.net": N_("Net change"), "items.active": N_("Active now"),
    "supervision.reviews": N_("Reviews"), "supervision.no_violation": N_("No violation"),
    "supervision.violations": N_("Violation found"),
    "supervision.corrected": N_("Corrected"), "supervision.in_progress": N_("In progress"),
    "inspections.requested": N_("Requested"), "inspections.approved": N_("Approved"),
    "inspections.rejected": N_("Rejected"), "inspections.merged": N_("Merged"),
    "inspections.in_progress": N_("In progress"),
    "inspections.ratings": N_("Village ratings"),
    "inspections.rating_points": N_("Rating points"),
    "inspections.average_rating": N_("Average burden rating (1-5)"),
    "meetings.requested": N_("Requested"),
    "meetings.queued": N_("Queued for a combined session"),
    "meetings.urgent": N_("Urgent, approved"), "meetings.in_progress": N_("In progress"),
    "meetings.sessions": N_("Sessions"), "meetings.hours": N_("Meeting hours"),
    "ledger.inspections": N_("Inspections"), "ledger.people_days": N_("People-days on site"),
    "ledger.meeting_hours": N_("Meeting hours"),
    "ledger.materials": N_("Materials demanded"),
}
DIMENSION_LABELS = {"town": N_("Town"), "village": N_("Village"),
                    "unit": N_("Responsible unit"), ALL: N_("Total")}
EXPORT_HEADERS = {
    "section": N_("Section"), "metric": N_("Number"), "dimension": N_("By"),
    "group": N_("Unit number"), "group_name": N_("Unit"), "period": N_("Period"),
    "value": N_("Value"), "numerator": N_("Numerator"), "denominator": N_("Denominator"),
    "cases": N_("Cases"),
}


def metric_label(metric: str) -> str:
    if metric.startswith("complaints.category."):
        return choice_label(metric.rsplit(".", 1)[1])
    if metric.startswith("complaints.status."):
        return status_label(metric.rsplit(".", 1)[1])
    text = METRIC_LABELS.get(metric)
    return _(text) if text else metric


def group_label(group: str, names: dict[str, str]) -> str:
    if group == ALL:
        return str(_("Total"))
    if group == "none":
        return str(_("Not assigned yet"))
    return names.get(group, f"#{group}")


def cases_url(metric: str, key: str) -> str:
    return url_for("dashboard.cases", metric=metric, key=key)


def _number(board: Dashboard, metric: str, key: str) -> Markup:
    """A number of the table, linked to the cases behind it (a rate to both its parts)."""
    value = board.value(metric, key)
    if isinstance(value, Average):
        return Markup('<a href="{}">{}</a>').format(cases_url(metric, key), value.text)
    if isinstance(value, Rate):
        top, bottom = dashboard.RATES[metric]
        return Markup('<a href="{}">{}</a> <small>(<a href="{}">{}</a>/<a href="{}">{}</a>)'
                      "</small>").format(cases_url(metric, key), value.percent,
                                         cases_url(top, key), value.numerator,
                                         cases_url(bottom, key), value.denominator)
    return Markup('<a href="{}">{}</a>').format(cases_url(metric, key), value)


def _choices() -> tuple[str, str]:
    dim = request.args.get("dim", "town")
    period = request.args.get("period", ALL)
    if dim not in dashboard.DIMENSIONS:
        raise ValidationFailedError({"dim": [f"one of {', '.join(dashboard.DIMENSIONS)}"]})
    return dim, period


def _charts(board: Dashboard, dim: str, period: str,
            names: dict[str, str]) -> list[tuple[str, Markup]]:
    """(caption, SVG) of each chart that has something to show."""
    months = sorted(board.months)
    total = [(m, dashboard.key(ALL, ALL, m)) for m in months]
    wanted: list[tuple[str, str, list[Bar], float | None]] = []
    if board.has_data.get("complaints"):
        wanted.append(("chart-filed", _("Complaints filed per month"), [
            Bar(m, board.count("complaints.filed", k), str(board.count("complaints.filed", k)),
                cases_url("complaints.filed", k)) for m, k in total], None))
        bars = []
        for row in tabular.rows(board, "complaints", dim, period):
            rate = board.rate("complaints.on_time_rate", row.key)
            if rate.denominator:
                bars.append(Bar(group_label(row.group, names), (rate.value or 0) * 100,
                                rate.percent, cases_url("complaints.on_time_rate", row.key)))
        wanted.append(("chart-on-time", _("On-time rate"), bars, 100.0))
    if board.has_data.get("report_forms"):
        wanted.append(("chart-forms", _("Report forms requested per month"), [
            Bar(m, board.count("forms.requested", k), str(board.count("forms.requested", k)),
                cases_url("forms.requested", k)) for m, k in total], None))
    return [(title, bar_chart(title, bars, scale=scale, chart_id=chart_id))
            for chart_id, title, bars, scale in wanted if bars]


@bp.get("/dashboard")
@login_required
def page() -> str:
    session = get_session()
    board = dashboard.compute(session, current_actor())
    dim, period = _choices()
    names = tabular.unit_names(session, board)
    complaint_rows = tabular.rows(board, "complaints", dim, period)
    tables = {
        "complaints": (dashboard.COMPLAINT_COLUMNS, complaint_rows),
        "categories": (dashboard.CATEGORY_COLUMNS, complaint_rows),
        "statuses": (dashboard.STATUS_COLUMNS, complaint_rows),
        "report_forms": (dashboard.FORM_COLUMNS,
                         tabular.rows(board, "report_forms", "unit", period)),
        "supervision": (dashboard.REVIEW_COLUMNS,
                        tabular.rows(board, "supervision", "unit", period)),
        "inspections": (dashboard.INSPECTION_COLUMNS,
                        tabular.rows(board, "inspections", dim, period)),
        "meetings": (dashboard.MEETING_COLUMNS, tabular.rows(board, "meetings", dim, period)),
        "burden_ledger": (dashboard.LEDGER_COLUMNS,
                          tabular.rows(board, "burden_ledger",
                                      dim if dim in ("village", "town") else "village", period)),
    }
    years = sorted(board.years)
    item_rows = tabular.rows(board, "assessment_items", "unit", ALL)
    return render_template(
        "audit/dashboard.html", board=board, dim=dim, period=period, units=names,
        tables=tables, months=sorted(board.months), years=years, item_rows=item_rows,
        charts=_charts(board, dim, period, names), number=_number, key=dashboard.key,
        metric_label=metric_label, group_label=group_label, sections=SECTION_LABELS,
        dimensions=DIMENSION_LABELS, ALL=ALL,
        missing=[k for k, v in board.has_data.items() if v is None],
        empty=[k for k, v in board.has_data.items() if v is False])


@bp.get("/dashboard/cases")
@login_required
def cases() -> str:
    session = get_session()
    actor = current_actor()
    board = dashboard.compute(session, actor)
    metric = request.args.get("metric", "")
    key = request.args.get("key", "")
    if metric not in dashboard.METRICS:
        raise ValidationFailedError({"metric": ["not a dashboard number"]})
    dimension, group, period = dashboard.parse_key(key)
    ids = sorted(board.cases(metric, key))
    marked: dict[int, str] = {}
    if metric in dashboard.RATES:
        top = board.cases(dashboard.RATES[metric][0], key)
        marked = {cid: "numerator" for cid in ids if cid in top}
    elif metric in dashboard.DIFFERENCES:
        minus = board.cases(dashboard.DIFFERENCES[metric][1], key)
        marked = {cid: "minus" for cid in ids if cid in minus}
    rows = list(session.execute(select(Case.id, Case.case_type, Case.title)
                                .where(Case.id.in_(ids)).order_by(Case.id))) if ids else []
    names = tabular.unit_names(session, board)
    audit_links = bool(actor.role_names() & AUDIT_ROLES)
    return render_template(
        "audit/dashboard_cases.html", metric=metric, key=key, value=board.value(metric, key),
        label=metric_label(metric),
        dimension=None if dimension == ALL else DIMENSION_LABELS.get(dimension, dimension),
        group=group_label(group, names), period=period, rows=rows, marked=marked,
        audit_links=audit_links, process_label=process_label,
        rate=metric in dashboard.RATES, difference=metric in dashboard.DIFFERENCES,
        average=metric in dashboard.AVERAGES)


def _export_rows(board: Dashboard) -> list[list[Any]]:
    names = tabular.unit_names(get_session(), board)

    def label(column: str, value: Any) -> str:
        if column == "section":
            return str(_(SECTION_LABELS[value])) if value in SECTION_LABELS else str(value)
        if column == "metric":
            return metric_label(str(value))
        if column == "dimension":
            text = DIMENSION_LABELS.get(str(value))
            return str(_(text)) if text else str(value)
        if column == "group_name":
            return group_label(str(value), names) if value in (ALL, "none") else str(value)
        return str(value)

    return dashboard_export.table(board, names, label)


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _headers() -> dict[str, str]:
    return {k: str(_(v)) for k, v in EXPORT_HEADERS.items()}


def _stamp() -> str:
    return utcnow().strftime("%Y%m%d")


@bp.get("/dashboard.csv")
@login_required
def export_csv() -> Response:
    board = dashboard.compute(get_session(), current_actor())
    body = dashboard_export.export_csv(_export_rows(board), _headers())
    return _download(body, "text/csv; charset=utf-8", f"dashboard-{_stamp()}.csv")


@bp.get("/dashboard.xlsx")
@login_required
def export_xlsx() -> Response:
    board = dashboard.compute(get_session(), current_actor())
    body = dashboard_export.export_xlsx(_export_rows(board), _headers())
    return _download(body,
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"dashboard-{_stamp()}.xlsx")
