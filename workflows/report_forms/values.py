"""The villages' data: each value a cadre enters is an event (docs/report_forms.md).

Every village has one data record case per calendar year (China time) of the `village_data`
process (村级基础数据记录). Entering values appends one `data_recorded` event to it: who, when,
and each value with its indicator (a "one form" code, or a form's own field `F<form>.<key>`)
and period; the form it was entered through, if any. `project` writes `IndicatorValue` rows
from that event in the same transaction, and `rebuild` recomputes them from the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, IndicatorValue, OrgKind, OrgUnit, utcnow
from workflows.kernel import access, processes
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.commands import CommandResult, run_command
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.kernel.history import GENESIS
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import CASE_STARTED, DATA_RECORDED, CaseState, EventDraft
from workflows.kernel.store import load_state
from workflows.report_forms import indicators

PROCESS = str(ProcessId.VILLAGE_DATA)
MAX_VALUES = 80


@dataclass(frozen=True)
class Entry:
    """One value to record: indicator code or form field key, period, value as typed."""

    key: str
    period: str
    value: str


def is_form_key(key: str) -> bool:
    return key.startswith("F") and "." in key


def form_key(form_id: int, field_key: str) -> str:
    return f"F{form_id}.{field_key}"


def require_cadre(session: Session, actor: Actor, village_id: int) -> OrgUnit:
    """The village, if the actor is one of its cadres (else 404)."""
    village = session.get(OrgUnit, village_id)
    if (village is None or village.kind != OrgKind.VILLAGE or actor.is_system
            or not actor.holds(access.VILLAGE_CADRE, village.path)):
        raise NotFoundError("no such village")
    return village


def title_of(village: OrgUnit, year: int) -> str:
    return f"村级基础数据记录 {village.name} {year}"


def _record_case(session: Session, actor: Actor, village: OrgUnit, at: datetime) -> int:
    """The id of the village's data record of this year, started now if there is none."""
    title = title_of(village, WorkCalendar.local_date(at).year)
    found = session.scalar(select(Case.id).where(Case.case_type == PROCESS,
                                                 Case.scope_org_unit_id == village.id,
                                                 Case.title == title))
    if found is not None:
        return int(found)
    pv = processes.latest(session, PROCESS)

    def load() -> tuple[Case, CaseState | None]:
        case = Case(case_type=PROCESS, status="new", title=title, version=0,
                    process_version_id=pv.id, scope_org_unit_id=village.id, snapshot="",
                    data="{}", last_event_hash=GENESIS, created_by=actor.user_id,
                    created_at=at, updated_at=at)
        session.add(case)
        session.flush()
        return case, None

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        return EventDraft(CASE_STARTED, at=at, actor_id=actor.user_id,
                          actor_role=access.VILLAGE_CADRE,
                          inputs={"data": {"title": title}, "scope_org_unit_id": village.id,
                                  "title": title})

    return run_command(session, load=load, decide=decide).case_id


def clean(entries: list[Entry]) -> list[dict[str, str]]:
    """The entries as recorded, each value checked against its indicator's range.

    :raise ValidationFailedError: keyed by each bad entry's key
    """
    errors: dict[str, list[str]] = {}
    out: list[dict[str, str]] = []
    if len(entries) > MAX_VALUES:
        raise ValidationFailedError({"values": [f"at most {MAX_VALUES} values at a time"]})
    for e in entries:
        indicator = indicators.get(e.key)
        if indicator is None and not is_form_key(e.key):
            errors[e.key] = ["no such indicator"]
            continue
        try:
            value = indicators.check_value(indicator, e.value)
        except ValueError as err:
            errors[e.key] = [str(err)]
            continue
        out.append({"indicator": e.key, "period": e.period, "value": value})
    if errors:
        raise ValidationFailedError(errors)
    if not out:
        raise ValidationFailedError({"values": ["enter at least one value"]})
    return out


def record(session: Session, actor: Actor, village_id: int, entries: list[Entry], *,
           form_id: int | None = None, now: datetime | None = None) -> CommandResult:
    """Record the values a cadre of the village entered, as one `data_recorded` event."""
    village = require_cadre(session, actor, village_id)
    rows = clean(entries)
    at = now or utcnow()
    case_id = _record_case(session, actor, village, at)

    def load() -> tuple[Case, CaseState | None]:
        case = session.get(Case, case_id, populate_existing=True)
        if case is None:
            raise NotFoundError("no data record")
        return case, load_state(session, case)

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        moment = max(at, case.updated_at) if case.updated_at is not None else at
        return EventDraft(DATA_RECORDED, at=moment, actor_id=actor.user_id,
                          actor_role=access.VILLAGE_CADRE,
                          inputs={"village_id": village.id, "form_id": form_id,
                                  "values": rows})

    return run_command(session, load=load, decide=decide)


def _write(session: Session, village_id: int, rows: list[dict[str, Any]], at: datetime,
           actor_id: int | None, case_id: int, seq: int) -> None:
    for r in rows:
        found = session.scalar(select(IndicatorValue).where(
            IndicatorValue.village_id == village_id,
            IndicatorValue.indicator == r["indicator"], IndicatorValue.period == r["period"]))
        if found is None:
            found = IndicatorValue(village_id=village_id, indicator=r["indicator"],
                                   period=r["period"])
            session.add(found)
        found.value, found.entered_by, found.entered_at = str(r["value"]), actor_id, at
        found.case_id, found.seq = case_id, seq
    session.flush()


def project(session: Session, case: Case, draft: EventDraft, old: CaseState | None,
            new: CaseState) -> None:
    """The command-cycle hook: write the values of a `data_recorded` event."""
    if case.case_type != PROCESS or draft.type != DATA_RECORDED:
        return
    # The command has already bumped the case's version (a core UPDATE): that is the seq.
    seq = int(session.scalar(select(Case.version).where(Case.id == case.id)) or 0)
    _write(session, int(draft.inputs["village_id"]), list(draft.inputs["values"]), draft.at,
           draft.actor_id, case.id, seq)


def rebuild(session: Session) -> int:
    """Recompute every village value from the data records' events; returns the events."""
    events = list(session.scalars(
        select(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
        .where(Case.case_type == PROCESS, CaseEvent.type == DATA_RECORDED)
        .order_by(CaseEvent.global_seq)))
    session.execute(delete(IndicatorValue))
    for ev in events:
        _write(session, int(ev.inputs["village_id"]), list(ev.inputs["values"]), ev.at,
               ev.actor_id, ev.case_id, ev.seq)
    session.commit()
    return len(events)


def snapshot(session: Session) -> list[tuple[Any, ...]]:
    return [(v.village_id, v.indicator, v.period, v.value, v.entered_by, v.entered_at,
             v.case_id, v.seq) for v in session.scalars(
                 select(IndicatorValue).order_by(IndicatorValue.village_id,
                                                 IndicatorValue.indicator,
                                                 IndicatorValue.period))]


def held(session: Session, village_id: int) -> dict[tuple[str, str], IndicatorValue]:
    """Every value the village holds, by (indicator or form field key, period)."""
    return {(v.indicator, v.period): v for v in session.scalars(
        select(IndicatorValue).where(IndicatorValue.village_id == village_id))}
