"""The supervision dashboard (区委督查办 and 区委农办): every number computed from the case
events (`workflows.event_fold`), never from the projections, and every number backed by
the set of cases it counts, so a page can link each number to its cases.

A number is a *cell*: a metric (e.g. `complaints.closed_on_time`) at a key
`<dimension>:<group>@<period>`, e.g. `town:12@2026-11` or `all:all@all`. Dimensions:
`town`, `village`, `unit` (the responsible unit of a complaint, the requesting unit of a
report form, the owner of an assessment item) and `all`; periods are local months
(Asia/Shanghai) `YYYY-MM` of the case's start, years `YYYY` for assessment items, and
`all`. Definitions (docs/supervision.md):

- complaints: filed; closed (status closed now); late = a staff task completed after its
  due time; closed on time = closed and never late; open overdue = not closed, rejected or
  merged and a staff task open past its due time; on-time rate = closed on time ÷ (closed +
  open overdue); satisfaction rate = cases whose latest rating is satisfied or partly ÷
  rated cases; reopen rate = cases appealed after closure ÷ cases ever closed.
- report forms: requested (started), approved (published), rejected, pending.
- assessment items: added and retired per owner and year of effect, net = added − retired,
  active = added and not retired.
- supervision reviews: drawn, no violation, violation found, corrected, in progress.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from models import utcnow
from workflows.access import Actor
from workflows.calendar import WorkCalendar
from workflows.complaint_forms import CATEGORIES
from workflows.errors import NotFoundError, ValidationFailedError
from workflows.event_fold import FoldedCase, fold_all
from workflows.ids import ComplaintTask, ProcessId

DASHBOARD_ROLES = frozenset({"supervisor", "burden_office"})
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
    # The village burden ledger (workflows.village_ledger): inspections and meetings.
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
    """Only 区委督查办 and 区委农办 see the dashboard (others get 404)."""
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


def _late(case: FoldedCase) -> bool:
    """A staff task completed after its due time."""
    return any(
        t.role != COMPLAINANT and t.state == "completed" and t.due_at is not None
        and t.ended_at is not None and t.ended_at > t.due_at
        for t in case.tasks.values()
    )


def _overdue(case: FoldedCase, as_of: datetime) -> bool:
    return case.status not in TERMINAL and any(
        t.role != COMPLAINANT and t.due_at is not None and t.due_at < as_of
        for t in case.open_tasks()
    )


def _complaint(board: Dashboard, case: FoldedCase) -> None:
    assert case.started_at is not None
    data = case.data
    scopes = data.get("lane_scopes") if isinstance(data.get("lane_scopes"), dict) else {}
    groups: list[tuple[str, object]] = [
        (ALL, ALL), ("town", _int_or_none(data.get("town_id"))),
        ("village", _int_or_none(data.get("village_id"))),
        ("unit", _int_or_none((scopes or {}).get("clerk"))),
    ]
    month = month_of(case.started_at)
    board.months.add(month)
    keys = _keys(board, "complaints", groups, [month, ALL])
    cid = case.case_id
    board.add("complaints.filed", cid, keys)
    board.add(f"complaints.category.{data.get('category')}", cid, keys)
    board.add(f"complaints.status.{case.status}", cid, keys)
    closed = case.status == "closed"
    overdue = _overdue(case, board.as_of)
    if closed:
        board.add("complaints.closed", cid, keys)
        if not _late(case):
            board.add("complaints.closed_on_time", cid, keys)
    if overdue:
        board.add("complaints.open_overdue", cid, keys)
    if closed or overdue:
        board.add("complaints.on_time_base", cid, keys)
    ratings = [c.data.get("rating") for c in case.completions
               if c.task_id == ComplaintTask.RETURN_VISIT]
    if ratings:
        board.add("complaints.rated", cid, keys)
        if ratings[-1] in SATISFIED:
            board.add("complaints.satisfied", cid, keys)
    if case.ever("closed"):
        board.add("complaints.ever_closed", cid, keys)
        if any(c.task_id == ComplaintTask.APPEAL_WINDOW for c in case.completions):
            board.add("complaints.reopened", cid, keys)


def _report_form(board: Dashboard, case: FoldedCase) -> None:
    assert case.started_at is not None
    month = month_of(case.started_at)
    board.months.add(month)
    keys = _keys(board, "report_forms",
                 [(ALL, ALL), ("unit", _int_or_none(case.scope_org_unit_id))], [month, ALL])
    board.add("forms.requested", case.case_id, keys)
    outcome = {"published": "forms.approved", "rejected": "forms.rejected"}
    board.add(outcome.get(case.status, "forms.pending"), case.case_id, keys)


def _items(board: Dashboard, cases: list[FoldedCase]) -> None:
    """Publications of the item approval: a new item is added in the year it takes effect,
    a retirement removes it in the year the retirement takes effect."""
    owners: dict[int, object] = {}
    retired: set[int] = set()
    added: list[tuple[FoldedCase, int, date]] = []
    removals: list[tuple[FoldedCase, int, date]] = []
    for case in sorted(cases, key=lambda c: (c.first_time("published") or board.as_of,
                                             c.case_id)):
        published = case.first_time("published")
        if published is None:
            continue
        data = case.data
        asked = date.fromisoformat(str(data.get("effective_date")))
        effective = max(asked, WorkCalendar.local_date(published))
        kind = data.get("change_kind")
        if kind == "new":
            owners[case.case_id] = _int_or_none(data.get("owner_unit_id"))
            added.append((case, case.case_id, effective))
        elif kind == "retire" and isinstance(data.get("item_id"), int):
            retired.add(int(data["item_id"]))
            removals.append((case, int(data["item_id"]), effective))
    for metric, rows in (("items.added", added), ("items.retired", removals)):
        for case, item_id, effective in rows:
            year = f"{effective.year:04d}"
            board.years.add(year)
            owner = owners.get(item_id, _int_or_none(case.data.get("owner_unit_id")))
            board.add(metric, case.case_id,
                      _keys(board, "assessment_items", [(ALL, ALL), ("unit", owner)],
                            [year, ALL]))
    for case, item_id, _ in added:
        if item_id not in retired:
            board.add("items.active", case.case_id,
                      _keys(board, "assessment_items", [(ALL, ALL), ("unit", owners[item_id])],
                            [ALL]))


def _review(board: Dashboard, case: FoldedCase) -> None:
    assert case.started_at is not None
    month = month_of(case.started_at)
    board.months.add(month)
    scopes = case.data.get("lane_scopes") if isinstance(case.data.get("lane_scopes"),
                                                         dict) else {}
    unit = (scopes or {}).get("clerk") or case.data.get("responsible_unit_id")
    keys = _keys(board, "supervision", [(ALL, ALL), ("unit", _int_or_none(unit))],
                 [month, ALL])
    board.add("supervision.reviews", case.case_id, keys)
    if case.status == "no_violation":
        board.add("supervision.no_violation", case.case_id, keys)
    if any(c.data.get("finding") == "violation" for c in case.completions):
        board.add("supervision.violations", case.case_id, keys)
    if case.status == "corrected":
        board.add("supervision.corrected", case.case_id, keys)
    if case.status not in ("no_violation", "corrected"):
        board.add("supervision.in_progress", case.case_id, keys)


def compute(session: Session, actor: Actor, as_of: datetime | None = None) -> Dashboard:
    """The dashboard as the events up to `as_of` (default now) leave every case."""
    require_dashboard(actor)
    return build(session, as_of or utcnow())


def build(session: Session, as_of: datetime) -> Dashboard:
    """`compute` without the permission check (tests and exports after a check)."""
    board = Dashboard(as_of)
    wanted = [p for p in SECTIONS.values() if p is not None]
    cases = fold_all(session, as_of=as_of, case_types=wanted)
    by_type: dict[str, list[FoldedCase]] = {}
    for case in cases.values():
        if case.started_at is None:
            continue
        by_type.setdefault(case.case_type, []).append(case)
        board.case_types[case.case_id] = case.case_type
    for section, process in SECTIONS.items():
        board.has_data[section] = None if process is None else bool(by_type.get(process))
    for case in by_type.get(COMPLAINT, []):
        _complaint(board, case)
    for case in by_type.get(REPORT_FORM, []):
        _report_form(board, case)
    _items(board, by_type.get(ITEM, []))
    for case in by_type.get(REVIEW, []):
        _review(board, case)
    from workflows import dashboard_burden  # its folds use this module's Dashboard

    dashboard_burden.fold(board, by_type.get(INSPECTION, []), by_type.get(MEETING, []))
    return board
