"""The burden-impact estimate of a gated request, before approval (docs/burden_estimate.md).

For an inspection, a meeting, a report form or an app / work group, `estimate` gives the
estimated cadre-hours per village per year, the fields (or materials) already held, and the
clashes with the villages' calendars in the request's window. The draft's command computes
it (`workflows.burden.hooks`) and records it in the event as task data (`burden_estimate`),
so every approver sees the figure recorded and the replay certificate shows the same one.

Formula (version FORMULA): hours per village per year =
- inspection: SITE_DAY_HOURS x ceil(people / INSPECTORS_PER_CADRE) x max(MIN_SITE_DAYS,
  days / villages) + MATERIAL_HOURS x materials not already held;
- meeting: hours + TRAVEL_HOURS when held on site;
- report form: periods a year x fields not already held x MINUTES_PER_FIELD / 60;
- app or group: SETUP_HOURS when it must be installed or logged into + check-ins a week x
  minutes each x 52 / 60.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgKind, OrgUnit, utcnow
from workflows.burden import fields_held
from workflows.inspections import ledger as village_ledger
from workflows.kernel.calendar import WorkCalendar

FORMULA = 1
SITE_DAY_HOURS = 8.0  # a cadre accompanies the team for a working day
INSPECTORS_PER_CADRE = 4  # one cadre accompanies up to four inspectors
MIN_SITE_DAYS = 0.5  # each village visited hosts the team for at least half a day
MATERIAL_HOURS = 2.0  # preparing one material the district does not already hold
TRAVEL_HOURS = 1.0  # to and from a meeting held on site
MINUTES_PER_FIELD = 2.0  # filling one field of a form once
SETUP_HOURS = 1.0  # installing an app or joining a group, logging in, learning it
WEEKS_PER_YEAR = 52
PERIODS_PER_YEAR = {"once": 1, "yearly": 1, "half_yearly": 2, "quarterly": 4, "monthly": 12,
                    "weekly": 52}
# Forms and apps demand time continually: their window is the first weeks from the request.
CONTINUING_WINDOW_DAYS = 28
MAX_CLASHES_SHOWN = 10


@dataclass(frozen=True)
class Window:
    start: date
    end: date


def _villages(data: dict[str, Any]) -> list[int]:
    rows = data.get("villages")
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        return sorted({int(r["unit_id"]) for r in rows})
    return sorted({int(v) for v in data.get("village_ids") or []})


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def clashes(session: Session, villages: list[int], window: Window | None,
            case_id: int | None) -> tuple[int, list[dict[str, Any]]]:
    """(how many, the first MAX_CLASHES_SHOWN) calendar entries of the villages in the window
    (approved inspections and meeting sessions; the request itself left out)."""
    if window is None or not villages:
        return 0, []
    wanted = set(villages)
    found = [e for e in village_ledger.all_entries(session)
             if e.village_id in wanted and e.start <= window.end and e.end >= window.start
             and (case_id is None or e.case_id != case_id)]
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name)
                                 .where(OrgUnit.id.in_({e.village_id for e in found}))).all())
    shown = [{"village_id": e.village_id, "village": names.get(e.village_id, ""),
              "kind": e.kind, "title": e.title, "start": e.start.isoformat(),
              "end": e.end.isoformat(), "case_id": e.case_id}
             for e in found[:MAX_CLASHES_SHOWN]]
    return len(found), shown


def _result(session: Session, kind: str, villages: list[int], hours: float,
            parts: dict[str, float], window: Window | None, case_id: int | None,
            held: dict[str, Any] | None = None) -> dict[str, Any]:
    count, shown = clashes(session, villages, window, case_id)
    per_village = round(hours, 1)
    return {
        "formula": FORMULA, "kind": kind, "villages": len(villages),
        "hours_per_village_year": per_village,
        "hours_all_villages_year": round(per_village * len(villages), 1),
        "parts": {k: round(v, 2) for k, v in parts.items()},
        "held": held,
        "window": ({"start": window.start.isoformat(), "end": window.end.isoformat()}
                   if window else None),
        "clash_count": count, "clashes": shown,
    }


def for_inspection(session: Session, data: dict[str, Any], today: date,
                   case_id: int | None) -> dict[str, Any]:
    villages = _villages(data)
    people, days = int(data.get("people") or 1), float(data.get("days") or 1)
    cadres = math.ceil(people / INSPECTORS_PER_CADRE)
    site_days = max(MIN_SITE_DAYS, days / max(1, len(villages)))
    materials = [m for m in data.get("materials") or [] if isinstance(m, dict)]
    held = sum(1 for m in materials if m.get("already_held"))
    parts = {"site": SITE_DAY_HOURS * cadres * site_days,
             "materials": MATERIAL_HOURS * (len(materials) - held)}
    start, end = _day(data.get("window_start")), _day(data.get("window_end"))
    window = Window(start, end or start) if start else None
    return _result(session, "inspection", villages, sum(parts.values()), parts, window,
                   case_id, {"what": "materials", "total": len(materials), "held": held})


def for_meeting(session: Session, data: dict[str, Any], today: date,
                case_id: int | None) -> dict[str, Any]:
    villages = _villages(data)
    hours = float(data.get("hours") or 0)
    parts = {"meeting": hours,
             "travel": TRAVEL_HOURS if data.get("mode") == "on_site" else 0.0}
    day = _day(data.get("urgent_date")) if data.get("urgent") else _day(
        data.get("preferred_date"))
    window = Window(day, day) if day else None
    return _result(session, "meeting", villages, sum(parts.values()), parts, window, case_id)


def for_form(session: Session, data: dict[str, Any], today: date,
             case_id: int | None) -> dict[str, Any]:
    villages = _villages(data) or _form_villages(session, data)
    counted = fields_held.count(session, data)
    periods = PERIODS_PER_YEAR.get(str(data.get("frequency") or "once"), 1)
    parts = {"fields": periods * (counted.total - counted.held) * MINUTES_PER_FIELD / 60}
    window = Window(today, today + timedelta(days=CONTINUING_WINDOW_DAYS))
    return _result(session, "form", villages, parts["fields"], parts, window, case_id,
                   {"what": "fields", "total": counted.total, "held": counted.held,
                    "source": counted.source})


def _form_villages(session: Session, data: dict[str, Any]) -> list[int]:
    """A form names towns (none: every town): the villages of those towns."""
    towns = [int(t) for t in data.get("town_ids") or []]
    query = select(OrgUnit.id).where(OrgUnit.kind == OrgKind.VILLAGE)
    if towns:
        query = query.where(OrgUnit.parent_id.in_(towns))
    return sorted(session.scalars(query))


def for_app(session: Session, data: dict[str, Any], today: date,
            case_id: int | None) -> dict[str, Any]:
    villages = _villages(data)
    setup = SETUP_HOURS if data.get("demands_install") or data.get("demands_login") else 0.0
    checkins = (int(data.get("checkins_per_week") or 0) * int(data.get("minutes_per_checkin")
                or 0) * WEEKS_PER_YEAR / 60)
    parts = {"setup": setup, "checkins": checkins}
    window = Window(today, today + timedelta(days=CONTINUING_WINDOW_DAYS))
    return _result(session, "app", villages, setup + checkins, parts, window, case_id)


def local_today(now: datetime | None) -> date:
    return WorkCalendar.local_date(now or utcnow())
