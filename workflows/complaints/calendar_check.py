"""An "unapproved inspection" complaint beside the village's calendar (issue 6).

A complaint of category `unapproved_inspection` names a village and, optionally, the day
(`occurred_on`). `calendar_check` lists the approved inspections on that village's calendar
(`workflows.inspections.ledger`, folded from the events) within `NEAR_DAYS` of the day, or of
the filing day when none was given: intake sees at once whether the visit was on the
calendar (then it may be a visit beyond what was approved: people, days, materials) or not
(an inspection nobody approved). `reported` lists, for a village's calendar page, the
complaints of that kind the viewer may open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case
from workflows.inspections import ledger as village_ledger
from workflows.inspections.calendar_entry import CalendarEntry
from workflows.kernel import cases
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import NotFoundError
from workflows.kernel.ids import ProcessId

CATEGORY = "unapproved_inspection"
NEAR_DAYS = 3
COMPLAINT = str(ProcessId.BURDEN_COMPLAINT)


@dataclass(frozen=True)
class CalendarCheck:
    village_id: int
    day: date  # the day named, else the filing day
    day_given: bool
    near: list[CalendarEntry]  # approved inspections within NEAR_DAYS

    @property
    def on_calendar(self) -> bool:
        return bool(self.near)


def _day(data: dict[str, Any], case: Case) -> tuple[date, bool]:
    raw = data.get("occurred_on")
    if isinstance(raw, str) and raw:
        try:
            return date.fromisoformat(raw), True
        except ValueError:
            pass
    return WorkCalendar.local_date(case.created_at), False


def near(entries: list[CalendarEntry], village_id: int, day: date
         ) -> list[CalendarEntry]:
    """Approved inspections of the village whose dates come within NEAR_DAYS of `day`."""
    margin = timedelta(days=NEAR_DAYS)
    return [e for e in entries if e.village_id == village_id and e.kind == "inspection"
            and e.start - margin <= day <= e.end + margin]


def calendar_check(session: Session, case: Case, data: dict[str, Any]) -> CalendarCheck | None:
    """The check for a complaint of category CATEGORY (None for any other complaint)."""
    if case.case_type != COMPLAINT or data.get("category") != CATEGORY:
        return None
    village_id = int(data["village_id"])
    day, given = _day(data, case)
    return CalendarCheck(village_id, day, given,
                         near(village_ledger.all_entries(session), village_id, day))


@dataclass(frozen=True)
class Reported:
    case_id: int
    title: str
    day: date
    day_given: bool
    status: str
    on_calendar: bool


def reported(session: Session, actor: Actor, village_id: int,
             entries: list[CalendarEntry]) -> list[Reported]:
    """Complaints of category CATEGORY about the village that the actor may open, each
    checked against `entries` (the calendar the caller has already folded)."""
    out: list[Reported] = []
    for case in session.scalars(select(Case).where(Case.case_type == COMPLAINT)
                                .order_by(Case.id)):
        data = json.loads(case.data or "{}")
        if data.get("category") != CATEGORY or data.get("village_id") != village_id:
            continue
        try:
            cases.get_case(session, actor, case.id)
        except NotFoundError:
            continue
        day, given = _day(data, case)
        out.append(Reported(case.id, case.title, day, given, case.status,
                            bool(near(entries, village_id, day))))
    return out
