"""The supervision dashboard's numbers: cells, keys, rates and averages, and the columns of
every section (`workflows.supervision.dashboard` folds the cases into them; the burden
sections in `workflows.supervision.dashboard_burden`; the scorecards read them too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflows.complaints.forms import CATEGORIES
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.kernel.ids import ProcessId

# 区委督查办, 区委农办 and the auditors (read only: issue 18, item 9).
DASHBOARD_ROLES = frozenset({"supervisor", "burden_office", "auditor"})
ALL = "all"
DIMENSIONS = ("town", "village", "unit")
COMPLAINT = str(ProcessId.BURDEN_COMPLAINT)
REPORT_FORM = str(ProcessId.REPORT_FORM_APPROVAL)
ITEM = str(ProcessId.ASSESSMENT_ITEM_APPROVAL)
REVIEW = str(ProcessId.SUPERVISION_REVIEW)
INSPECTION = str(ProcessId.INSPECTION_REQUEST)
MEETING = str(ProcessId.MEETING_REQUEST)
COMPLAINANT = "complainant"
TERMINAL = frozenset({"closed", "rejected", "merged"})
COMPLAINT_STATUSES = ("intake", "correction", "extension_review", "verification",
                      "return_visit", "closed", "rejected", "merged")
SATISFIED = frozenset({"satisfied", "partly"})

# Section -> (the process it is computed from, or None when that part is not built yet).
SECTIONS: dict[str, str | None] = {
    "complaints": COMPLAINT,
    "report_forms": REPORT_FORM,
    "assessment_items": ITEM,
    "supervision": REVIEW,
    "inspections": INSPECTION,
    "meetings": MEETING,
    # The village burden ledger (workflows.inspections.ledger): inspections and meetings.
    "burden_ledger": INSPECTION,
}
# Columns of each table; a rate is (numerator, denominator), a difference (plus, minus).
COMPLAINT_COLUMNS = (
    "complaints.filed", "complaints.closed", "complaints.closed_on_time",
    "complaints.open_overdue", "complaints.on_time_rate", "complaints.rated",
    "complaints.satisfied", "complaints.satisfaction_rate", "complaints.ever_closed",
    "complaints.reopened", "complaints.reopen_rate",
)
CATEGORY_COLUMNS = tuple(f"complaints.category.{c}" for c in CATEGORIES)
STATUS_COLUMNS = tuple(f"complaints.status.{s}" for s in COMPLAINT_STATUSES)
FORM_COLUMNS = ("forms.requested", "forms.approved", "forms.rejected", "forms.pending")
ITEM_COLUMNS = ("items.added", "items.retired", "items.net", "items.active")
REVIEW_COLUMNS = ("supervision.reviews", "supervision.no_violation",
                  "supervision.violations", "supervision.corrected",
                  "supervision.in_progress")
RATES: dict[str, tuple[str, str]] = {
    "complaints.on_time_rate": ("complaints.closed_on_time", "complaints.on_time_base"),
    "complaints.satisfaction_rate": ("complaints.satisfied", "complaints.rated"),
    "complaints.reopen_rate": ("complaints.reopened", "complaints.ever_closed"),
}
DIFFERENCES: dict[str, tuple[str, str]] = {"items.net": ("items.added", "items.retired")}
# Metrics whose number is an amount (hours, people-days, ...), not the count of their cases;
# an average is one amount divided by another.
AMOUNTS = frozenset({
    "inspections.ratings", "inspections.rating_points", "meetings.sessions", "meetings.hours",
    "ledger.inspections", "ledger.people_days", "ledger.meeting_hours", "ledger.materials",
})
AVERAGES: dict[str, tuple[str, str]] = {
    "inspections.average_rating": ("inspections.rating_points", "inspections.ratings"),
}
INSPECTION_COLUMNS = ("inspections.requested", "inspections.approved",
                      "inspections.rejected", "inspections.merged", "inspections.in_progress",
                      "inspections.ratings", "inspections.average_rating")
MEETING_COLUMNS = ("meetings.requested", "meetings.queued", "meetings.urgent",
                   "meetings.in_progress", "meetings.sessions", "meetings.hours")
LEDGER_COLUMNS = ("ledger.inspections", "ledger.people_days", "ledger.meeting_hours",
                  "ledger.materials")
METRICS = frozenset({*COMPLAINT_COLUMNS, *CATEGORY_COLUMNS, *STATUS_COLUMNS, *FORM_COLUMNS,
                     *ITEM_COLUMNS, *REVIEW_COLUMNS, "complaints.on_time_base",
                     *INSPECTION_COLUMNS, *MEETING_COLUMNS, *LEDGER_COLUMNS, *AMOUNTS})


def require_dashboard(actor: Actor) -> None:
    """Only 区委督查办, 区委农办 and auditors see the dashboard (others get 404)."""
    if actor.is_system or not (actor.role_names() & DASHBOARD_ROLES):
        raise NotFoundError("no such page")


def key(dimension: str, group: object, period: str) -> str:
    return f"{dimension}:{ALL if dimension == ALL else group}@{period}"


def parse_key(text: str) -> tuple[str, str, str]:
    """(dimension, group, period) of a key; ValidationFailedError when malformed."""
    try:
        where, period = text.split("@", 1)
        dimension, group = where.split(":", 1)
    except ValueError as err:
        raise ValidationFailedError({"key": ["not a dashboard key"]}) from err
    if dimension not in (ALL, *DIMENSIONS) or not group or not period:
        raise ValidationFailedError({"key": ["not a dashboard key"]})
    return dimension, group, period


def month_of(moment: datetime) -> str:
    day = WorkCalendar.local_date(moment)
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> str:
        value = self.value
        return "—" if value is None else f"{value * 100:.1f}%"


@dataclass(frozen=True)
class Average:
    total: float
    count: float

    @property
    def value(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def text(self) -> str:
        value = self.value
        return "—" if value is None else f"{value:.2f}"


@dataclass
class Dashboard:
    as_of: datetime
    # metric -> key -> the cases counted
    cells: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    # metric -> key -> its amount, for a metric that sums (hours, people-days, sessions)
    amounts: dict[str, dict[str, float]] = field(default_factory=dict)
    months: set[str] = field(default_factory=set)
    years: set[str] = field(default_factory=set)
    # (section, dimension) -> group ids seen (as text; "none": a case has no unit yet)
    groups: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # section -> whether any case of its process exists; None = not built yet
    has_data: dict[str, bool | None] = field(default_factory=dict)
    case_types: dict[int, str] = field(default_factory=dict)

    def add(self, metric: str, case_id: int, keys: Iterable[str]) -> None:
        by_key = self.cells.setdefault(metric, {})
        for k in keys:
            by_key.setdefault(k, set()).add(case_id)

    def add_amount(self, metric: str, case_ids: Iterable[int], keys: Iterable[str],
                   amount: float) -> None:
        """Add `amount` to the metric at each key; `case_ids` are the cases behind it."""
        by_key = self.amounts.setdefault(metric, {})
        ids = set(case_ids)
        for k in keys:
            by_key[k] = by_key.get(k, 0.0) + amount
            self.cells.setdefault(metric, {}).setdefault(k, set()).update(ids)

    def cases(self, metric: str, k: str) -> set[int]:
        """The cases behind a number; for a rate or an average its denominator's, for a
        difference both parts' cases."""
        if metric in RATES:
            return self.cases(RATES[metric][1], k)
        if metric in AVERAGES:
            return self.cases(AVERAGES[metric][1], k)
        if metric in DIFFERENCES:
            plus, minus = DIFFERENCES[metric]
            return self.cases(plus, k) | self.cases(minus, k)
        return set(self.cells.get(metric, {}).get(k, set()))

    def count(self, metric: str, k: str) -> int:
        if metric in DIFFERENCES:
            plus, minus = DIFFERENCES[metric]
            return self.count(plus, k) - self.count(minus, k)
        return len(self.cells.get(metric, {}).get(k, ()))

    def rate(self, metric: str, k: str) -> Rate:
        top, bottom = RATES[metric]
        return Rate(self.count(top, k), self.count(bottom, k))

    def amount(self, metric: str, k: str) -> float:
        return self.amounts.get(metric, {}).get(k, 0.0)

    def value(self, metric: str, k: str) -> int | float | Rate | Average:
        if metric in RATES:
            return self.rate(metric, k)
        if metric in AVERAGES:
            total, count = AVERAGES[metric]
            return Average(self.amount(total, k), self.amount(count, k))
        if metric in AMOUNTS:
            amount = self.amount(metric, k)
            return int(amount) if amount == int(amount) else round(amount, 2)
        return self.count(metric, k)



def _keys(board: Dashboard, section: str, groups: Sequence[tuple[str, object]],
          periods: list[str]) -> list[str]:
    for dimension, group in groups:
        if dimension != ALL:
            board.groups.setdefault((section, dimension), set()).add(str(group))
    return [key(d, g, p) for d, g in groups for p in periods]


def _int_or_none(value: Any) -> int | str:
    return int(value) if isinstance(value, int) else "none"
