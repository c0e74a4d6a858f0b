"""Each village's calendar and burden ledger, folded from the case events (not from the
projections), so that the figures stand on the tamper-evident history.

- Calendar: every approved inspection (its window, or the dates it actually took) and every
  combined meeting session (`workflows.inspections.bundler`) that demands the village's time.
- Ledger, per village per month: inspections, people-days on site (people x days: what the
  department recorded as actually happened, else what was approved), meeting hours (combined
  sessions, and urgent stand-alone meetings) and materials demanded (those not already held).

Who sees what: a village cadre their village, a town its villages, 区委农办 / 区委督查办 /
auditors / administrators every village (`visible_villages`). A district department's
clerks and head see the calendar of every village they may request (`calendar_villages`),
to look for conflicts before filing, but not the ledger; and the combined sessions their
own meetings are in (`requesting_units`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgKind, OrgUnit, utcnow
from workflows.inspections import bundler as meeting_bundler
from workflows.inspections.calendar_entry import CalendarEntry
from workflows.kernel import access, event_fold
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.ids import ProcessId
from workflows.lists import plaques as village_plaques
from workflows.lists import work_ledger
from workflows.report_forms import burden as form_burden

INSPECTION = str(ProcessId.INSPECTION_REQUEST)
# Statuses an approved inspection can hold (it stays on the calendar once approved).
ON_CALENDAR = frozenset({"scheduled", "rating", "closed"})
# Roles that see every village's ledger.
DISTRICT_ROLES = frozenset({access.BURDEN_OFFICE, access.SUPERVISOR, access.AUDITOR,
                            access.ADMIN})


@dataclass
class LedgerRow:
    village_id: int
    month: str  # YYYY-MM
    inspections: int = 0
    people_days: int = 0
    meeting_hours: float = 0.0
    materials: int = 0
    entries: list[CalendarEntry] = field(default_factory=list)
    # Report forms due in the month (workflows.report_forms.burden): fields demanded, still
    # to fill, and the estimated minutes for those.
    form_fields: int = 0
    form_remaining: int = 0
    form_minutes: int = 0
    # Work given to the village (issue 14): bought as a service, or unpaid (on a list).
    paid_work: int = 0
    unpaid_work: int = 0
    paid_amount: float = 0.0


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def joined_entries(case: event_fold.FoldedCase) -> list[CalendarEntry]:
    """A team that joined an overlapping inspection (issue 19, item 3): in each village both
    requests share, on the host's dates, with its own people, days and materials."""
    join = case.data.get("join")
    if case.status != "merged" or not isinstance(join, dict):
        return []
    start, end = _day(join.get("window_start")), _day(join.get("window_end"))
    if start is None or end is None:
        return []
    materials = sum(1 for m in case.data.get("materials") or [] if not m.get("already_held"))
    return [
        CalendarEntry(int(v["unit_id"]), "inspection", case.case_id, case.title, start, end,
                      case.status, int(join.get("people", 0)), int(join.get("days", 0)), 0.0,
                      materials, False, joins=int(join["case_id"]),
                      joins_title=str(join.get("title") or ""))
        for v in join.get("villages") or []
    ]


def inspection_entries(case: event_fold.FoldedCase,
                       today: date | None = None) -> list[CalendarEntry]:
    """The calendar entries of one folded inspection case (none unless approved or joined).
    An outcome counts as what happened only once its last day has come (`today`, the local
    day; none given: every recorded outcome): a future visit is never "as it happened"."""
    data = case.data
    if not any(case.ever(s) for s in ON_CALENDAR):
        return joined_entries(case)
    outcome = next((c.data for c in reversed(case.completions)
                    if c.task_id == "record_outcome"), None)
    if outcome is not None and today is not None:
        recorded_end = _day(outcome.get("actual_end"))
        if recorded_end is None or recorded_end > today:
            outcome = None
    if outcome is not None:
        start, end = _day(outcome.get("actual_start")), _day(outcome.get("actual_end"))
        people, days = int(outcome.get("actual_people", 0)), int(outcome.get("actual_days", 0))
        materials = len(outcome.get("actual_materials") or [])
    else:
        start, end = _day(data.get("window_start")), _day(data.get("window_end"))
        people, days = int(data.get("people", 0)), int(data.get("days", 0))
        materials = sum(1 for m in data.get("materials") or [] if not m.get("already_held"))
    if start is None or end is None:
        return []
    return [
        CalendarEntry(int(e["village_id"]), "inspection", case.case_id, case.title, start, end,
                      case.status, people, days, 0.0, materials, outcome is not None)
        for e in data.get("calendar_entries") or []
    ]


def all_entries(session: Session, as_of: datetime | None = None) -> list[CalendarEntry]:
    """Every calendar entry of every village, from the events (up to `as_of`)."""
    entries: list[CalendarEntry] = []
    folded = event_fold.fold_all(session, as_of=as_of, case_types=[INSPECTION])
    today = WorkCalendar.local_date(as_of or utcnow())
    for case in folded.values():
        entries.extend(inspection_entries(case, today))
    entries.extend(meeting_bundler.calendar_entries(session, as_of=as_of))
    return sorted(entries, key=lambda e: (e.village_id, e.start, e.kind, e.case_id or 0,
                                          e.session_key))


def visible_villages(session: Session, actor: Actor) -> list[OrgUnit]:
    villages = list(session.scalars(
        select(OrgUnit).where(OrgUnit.kind == OrgKind.VILLAGE.value).order_by(OrgUnit.path)))
    if actor.is_system or any(r in DISTRICT_ROLES for r, _, _ in actor.roles):
        return villages
    return [v for v in villages if actor.covers(v.path)]


REQUESTING_ROLES = frozenset({access.CLERK, access.UNIT_HEAD})


def requesting_units(session: Session, actor: Actor) -> set[int]:
    """The district departments whose clerk or head the actor is (they request villages)."""
    held = {unit for role, unit, _ in actor.roles if role in REQUESTING_ROLES}
    if not held:
        return set()
    return set(session.scalars(select(OrgUnit.id).where(
        OrgUnit.id.in_(sorted(held)), OrgUnit.kind == OrgKind.DEPARTMENT.value)))


def calendar_villages(session: Session, actor: Actor) -> list[OrgUnit]:
    """The villages whose calendar the actor sees: `visible_villages`, and for a
    department every village (it may request any of them)."""
    if requesting_units(session, actor):
        return list(session.scalars(select(OrgUnit).where(
            OrgUnit.kind == OrgKind.VILLAGE.value).order_by(OrgUnit.path)))
    return visible_villages(session, actor)


def ledger(entries: list[CalendarEntry]) -> dict[tuple[int, str], LedgerRow]:
    """Per (village, month of the entry's start)."""
    rows: dict[tuple[int, str], LedgerRow] = {}
    for e in entries:
        key = (e.village_id, e.start.strftime("%Y-%m"))
        row = rows.get(key)
        if row is None:
            row = rows[key] = LedgerRow(*key)
        row.entries.append(e)
        if e.kind == "inspection":
            row.inspections += 1
            row.people_days += e.people * e.days
            row.materials += e.materials
        else:
            row.meeting_hours += e.hours
    return rows


def village_ledger(
    session: Session, actor: Actor, village_id: int | None = None
) -> tuple[list[OrgUnit], dict[tuple[int, str], LedgerRow]]:
    """The villages the actor may see (or just `village_id`, 404 as empty when not visible)
    and their ledger rows."""
    villages = visible_villages(session, actor)
    if village_id is not None:
        villages = [v for v in villages if v.id == village_id]
    ids = {v.id for v in villages}
    rows = ledger([e for e in all_entries(session) if e.village_id in ids])
    months = sorted({m for _v, m in rows} | {form_burden.current_month()})
    for v in villages:
        for month, (demanded, left, minutes) in form_burden.form_minutes(
                session, v.id, months).items():
            row = rows.setdefault((v.id, month), LedgerRow(v.id, month))
            row.form_fields, row.form_remaining, row.form_minutes = demanded, left, minutes
    for w in work_ledger.assignment_entries(session):
        if w.village_id in ids:
            month = w.start.strftime("%Y-%m")
            row = rows.setdefault((w.village_id, month), LedgerRow(w.village_id, month))
            row.paid_work += int(w.paid)
            row.unpaid_work += int(not w.paid)
            row.paid_amount += w.amount
    return villages, dict(sorted(rows.items()))


def plaques_hanging(session: Session, villages: list[OrgUnit]) -> dict[int, int]:
    """Plaques hanging now in each of `villages` (issue 14)."""
    return village_plaques.hanging_counts(session, [v.id for v in villages])


def totals(rows: dict[tuple[int, str], LedgerRow]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for r in rows.values():
        out["inspections"] += r.inspections
        out["people_days"] += r.people_days
        out["meeting_hours"] += r.meeting_hours
        out["materials"] += r.materials
        out["form_fields"] += r.form_fields
        out["form_minutes"] += r.form_minutes
        out["paid_work"] += r.paid_work
        out["unpaid_work"] += r.unpaid_work
        out["paid_amount"] += r.paid_amount
    return dict(out)
