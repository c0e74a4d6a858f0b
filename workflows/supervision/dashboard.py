"""The supervision dashboard (区委督查办 and 区委农办): every number computed from the case
events (`workflows.kernel.event_fold`), never from the projections, and every number backed by
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

from datetime import date, datetime

from sqlalchemy.orm import Session

from models import utcnow
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.event_fold import FoldedCase, fold_all
from workflows.kernel.ids import ComplaintTask
from workflows.supervision import dashboard_burden
from workflows.supervision.board import (
    ALL,
    AMOUNTS,
    AVERAGES,
    CATEGORY_COLUMNS,
    COMPLAINANT,
    COMPLAINT,
    COMPLAINT_COLUMNS,
    COMPLAINT_STATUSES,
    DASHBOARD_ROLES,
    DIFFERENCES,
    DIMENSIONS,
    FORM_COLUMNS,
    INSPECTION,
    INSPECTION_COLUMNS,
    ITEM,
    ITEM_COLUMNS,
    LEDGER_COLUMNS,
    MEETING,
    MEETING_COLUMNS,
    METRICS,
    RATES,
    REPORT_FORM,
    REVIEW,
    REVIEW_COLUMNS,
    SATISFIED,
    SECTIONS,
    STATUS_COLUMNS,
    TERMINAL,
    Average,
    Dashboard,
    Rate,
    _int_or_none,
    _keys,
    key,
    month_of,
    parse_key,
    require_dashboard,
)


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
    # "all_held": approved with no new collection (every field is in the one form).
    outcome = {"published": "forms.approved", "all_held": "forms.approved",
               "rejected": "forms.rejected"}
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
    dashboard_burden.fold(board, by_type.get(INSPECTION, []), by_type.get(MEETING, []))
    return board


# Re-exported: callers read the dashboard's columns, keys and cells from here.
__all__ = [
    "ALL",
    "AMOUNTS",
    "AVERAGES",
    "CATEGORY_COLUMNS",
    "COMPLAINANT",
    "COMPLAINT",
    "COMPLAINT_COLUMNS",
    "COMPLAINT_STATUSES",
    "DASHBOARD_ROLES",
    "DIFFERENCES",
    "DIMENSIONS",
    "FORM_COLUMNS",
    "INSPECTION",
    "INSPECTION_COLUMNS",
    "ITEM",
    "ITEM_COLUMNS",
    "LEDGER_COLUMNS",
    "MEETING",
    "MEETING_COLUMNS",
    "METRICS",
    "RATES",
    "REPORT_FORM",
    "REVIEW",
    "REVIEW_COLUMNS",
    "SATISFIED",
    "SECTIONS",
    "STATUS_COLUMNS",
    "TERMINAL",
    "Average",
    "Dashboard",
    "Rate",
    "_int_or_none",
    "_keys",
    "build",
    "compute",
    "key",
    "month_of",
    "parse_key",
    "require_dashboard",
]
