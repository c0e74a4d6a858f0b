"""Meeting requests bundled (打包) into periodic combined sessions per town.

A pure function of the meeting requests, folded from their case events: the sessions are
recomputed, never stored, so the calendar and the ledger stand on the history.

- The year is cut into periods of `period_months` (1 = monthly, the default; 3 = quarterly);
  each period's combined session of a town is held on `session_day` of the period's first
  month.
- A queued request joins the first session that is on or after its preferred date and at
  least `notice_days` after it was queued (so a late request goes to the next session).
- One session per town: the villages of that town named by any of its requests; the agenda
  lists each request (department, purpose, who attends, length, on-site/online) in the
  order they were queued; a village sits through the items that concern it.
- A session runs at most `max_session_hours` (default 4): a request that would overfill it
  goes to the town's next session.
- An urgent request whose reason 区委农办 approved is a stand-alone session on its own date.
"""

from __future__ import annotations

import calendar as _calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgUnit
from workflows.inspections.calendar_entry import CalendarEntry
from workflows.kernel import event_fold
from workflows.kernel.ids import ProcessId

MEETING = str(ProcessId.MEETING_REQUEST)


@dataclass(frozen=True)
class BundleConfig:
    period_months: int = 1
    session_day: int = 15
    notice_days: int = 5
    # The longest a combined session may run (hours); a request that would overfill it goes
    # to the town's next session (issue 19, item 10).
    max_session_hours: float = 4.0

    def __post_init__(self) -> None:
        if self.max_session_hours <= 0:
            raise ValueError("max_session_hours must be positive")
        if self.period_months not in (1, 2, 3, 4, 6, 12):
            raise ValueError("period_months must divide the year")
        if not 1 <= self.session_day <= 28:
            raise ValueError("session_day must be 1..28")


@dataclass(frozen=True)
class MeetingRequest:
    case_id: int
    title: str
    owner_unit_id: int | None
    purpose: str
    attendees: str
    hours: float
    mode: str
    villages: tuple[tuple[int, int], ...]  # (village id, town id)
    preferred: date
    queued_on: date
    urgent_date: date | None = None  # set only when the urgent reason was approved


@dataclass(frozen=True)
class AgendaItem:
    case_id: int
    title: str
    owner_unit_id: int | None
    purpose: str
    attendees: str
    hours: float
    mode: str
    village_ids: tuple[int, ...]


@dataclass
class CombinedSession:
    town_id: int
    on: date
    urgent: bool = False
    agenda: list[AgendaItem] = field(default_factory=list)

    @property
    def key(self) -> str:
        kind = "urgent-" + str(self.agenda[0].case_id) if self.urgent else "combined"
        return f"{self.town_id}/{self.on.isoformat()}/{kind}"

    @property
    def hours(self) -> float:
        return sum(i.hours for i in self.agenda)

    @property
    def mode(self) -> str:
        return "on_site" if any(i.mode == "on_site" for i in self.agenda) else "online"

    @property
    def village_ids(self) -> list[int]:
        return sorted({v for i in self.agenda for v in i.village_ids})

    def hours_for(self, village_id: int) -> float:
        return sum(i.hours for i in self.agenda if village_id in i.village_ids)


def session_dates(year: int, config: BundleConfig) -> list[date]:
    return [date(year, m, config.session_day) for m in range(1, 13, config.period_months)]


def next_session(earliest: date, config: BundleConfig) -> date:
    """The first combined session day on or after `earliest`."""
    for year in (earliest.year, earliest.year + 1):
        for d in session_dates(year, config):
            if d >= earliest:
                return d
    raise AssertionError("unreachable: a year always has a session")


def bundle(
    requests: list[MeetingRequest], config: BundleConfig | None = None
) -> list[CombinedSession]:
    """The sessions of these requests, sorted by date, town and key."""
    config = config or BundleConfig()
    combined: dict[tuple[int, date], CombinedSession] = {}
    out: list[CombinedSession] = []
    for r in sorted(requests, key=lambda r: (r.queued_on, r.case_id)):
        by_town: dict[int, list[int]] = defaultdict(list)
        for village_id, town_id in r.villages:
            by_town[town_id].append(village_id)
        if r.urgent_date is not None:
            on = r.urgent_date
        else:
            on = next_session(max(r.preferred, r.queued_on + timedelta(days=config.notice_days)),
                              config)
        for town_id, village_ids in sorted(by_town.items()):
            item = AgendaItem(r.case_id, r.title, r.owner_unit_id, r.purpose, r.attendees,
                              r.hours, r.mode, tuple(sorted(village_ids)))
            if r.urgent_date is not None:
                out.append(CombinedSession(town_id, on, True, [item]))
                continue
            day = on
            session = combined.get((town_id, day))
            while session is not None and session.hours + item.hours > config.max_session_hours:
                day = next_session(day + timedelta(days=1), config)  # full: the next one
                session = combined.get((town_id, day))
            if session is None:
                session = combined[(town_id, day)] = CombinedSession(town_id, day)
                out.append(session)
            session.agenda.append(item)
    return sorted(out, key=lambda s: (s.on, s.town_id, s.key))


def agenda_text(session: CombinedSession, names: dict[int, str]) -> list[str]:
    """The generated combined agenda, one line per item."""
    lines = []
    for n, item in enumerate(session.agenda, start=1):
        unit = names.get(item.owner_unit_id or 0, "")
        mode = "现场" if item.mode == "on_site" else "线上"
        detail = f"{item.attendees}；{item.hours:g} 小时；{mode}"
        lines.append(f"{n}. {unit}：{item.purpose}（{detail}）")
    return lines


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def request_of(case: event_fold.FoldedCase) -> MeetingRequest | None:
    """The request of one folded meeting case, if it is queued or an approved urgent one."""
    data = case.data
    if case.status not in ("queued", "urgent_approved"):
        return None
    preferred = _day(data.get("preferred_date"))
    queued = _day(data.get("queued_at") or data.get("urgent_approved_at"))
    if preferred is None or queued is None:
        return None
    urgent = _day(data.get("urgent_date")) if case.status == "urgent_approved" else None
    return MeetingRequest(
        case.case_id, case.title, data.get("owner_unit_id"), str(data.get("purpose", "")),
        str(data.get("attendees", "")), float(data.get("hours", 0)), str(data.get("mode", "")),
        tuple((int(v["unit_id"]), int(v["town_id"])) for v in data.get("villages") or []),
        preferred, queued, urgent,
    )


def requests_from_events(session: Session, as_of: datetime | None = None) -> list[MeetingRequest]:
    folded = event_fold.fold_all(session, as_of=as_of, case_types=[MEETING])
    return [r for c in folded.values() if (r := request_of(c)) is not None]


def sessions(
    session: Session, config: BundleConfig | None = None, as_of: datetime | None = None
) -> list[CombinedSession]:
    return bundle(requests_from_events(session, as_of), config)


def unit_names(session: Session) -> dict[int, str]:
    return {uid: name for uid, name in session.execute(select(OrgUnit.id, OrgUnit.name))}


def calendar_entries(
    session: Session, config: BundleConfig | None = None, as_of: datetime | None = None
) -> list[CalendarEntry]:
    out = []
    for s in sessions(session, config, as_of):
        title = "紧急会议" if s.urgent else "合并会议"
        for vid in s.village_ids:
            out.append(CalendarEntry(vid, "meeting", s.agenda[0].case_id if s.urgent else None,
                                     title, s.on, s.on, "urgent" if s.urgent else "combined",
                                     hours=s.hours_for(vid), session_key=s.key))
    return out


def period_label(d: date, config: BundleConfig | None = None) -> str:
    config = config or BundleConfig()
    first = ((d.month - 1) // config.period_months) * config.period_months + 1
    last = first + config.period_months - 1
    end = date(d.year, last, _calendar.monthrange(d.year, last)[1])
    return f"{date(d.year, first, 1).isoformat()}..{end.isoformat()}"
