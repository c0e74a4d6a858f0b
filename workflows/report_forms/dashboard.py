"""The forms aspect of supervision (measure 9; docs/report_forms.md), computed from the events
alone, never from the registry or value rows:

- the registry as the approval events leave it at each moment (`forms_at`): a proposal's
  case data when its status first became "published" or "all_held", in that order;
- the values as the `data_recorded` events recorded them.

Figures, per village and month (the local month of the due date):
- fields demanded: the fields of every form in force at the month's end (villages fill it,
  the village is in it) that is due in the month;
- filled from shared data: of those, the fields mapped to a one-form indicator whose value
  for the indicator's period the village had recorded by `as_of` (entered once, reused);
- share = filled from shared data ÷ fields demanded.
Per department: forms in force at `as_of`, and of them those read from shared data only; the
fields its forms demanded per month (summed over the villages) and the share filled from
shared data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, OrgKind, OrgUnit
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.event_fold import fold_all
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import DATA_RECORDED
from workflows.report_forms import indicators
from workflows.report_forms.forms import parse_fields
from workflows.report_forms.village import due_date

APPROVAL = str(ProcessId.REPORT_FORM_APPROVAL)
RECORD = str(ProcessId.VILLAGE_DATA)
MAX_MONTHS = 12


@dataclass
class FormState:
    form_id: int
    owner_unit_id: int
    data: dict[str, Any]
    collection: str
    since: date
    retired_on: date | None = None


@dataclass
class Cell:
    demanded: int = 0
    shared: int = 0

    @property
    def share(self) -> float | None:
        return round(self.shared / self.demanded, 4) if self.demanded else None


@dataclass
class FormsAspect:
    as_of: datetime
    months: list[str] = field(default_factory=list)
    villages: dict[int, str] = field(default_factory=dict)
    # (village id, YYYY-MM) -> cell
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)
    # owner unit id -> (in force, of them read from shared data)
    per_department: dict[int, tuple[int, int]] = field(default_factory=dict)
    # (owner unit id, YYYY-MM) -> the cells of its forms, summed over the villages
    department_cells: dict[tuple[int, str], Cell] = field(default_factory=dict)

    def total(self, month: str | None = None) -> Cell:
        out = Cell()
        for (_v, m), c in self.cells.items():
            if month is None or m == month:
                out.demanded += c.demanded
                out.shared += c.shared
        return out


def publications(session: Session, as_of: datetime) -> list[tuple[datetime, int, dict[str, Any],
                                                                   str]]:
    """(when, case id, case data, status) of every finished proposal by `as_of`."""
    out = []
    for case in fold_all(session, as_of=as_of, case_types=[APPROVAL]).values():
        for status in ("published", "all_held"):
            at = case.first_time(status)
            if at is not None:
                out.append((at, case.case_id, case.data, status))
    out.sort(key=lambda p: (p[0], p[1]))
    return out


def forms_at(pubs: list[tuple[datetime, int, dict[str, Any], str]], day: date
             ) -> dict[int, FormState]:
    """The registry as it stood at the end of `day`."""
    forms: dict[int, FormState] = {}
    for at, case_id, data, status in pubs:
        local = WorkCalendar.local_date(at)
        if local > day:
            break
        kind = data.get("change_kind", "new")
        collection = "shared" if status == "all_held" else "villages"
        if kind == "new":
            forms[case_id] = FormState(case_id, int(data["owner_unit_id"]), dict(data),
                                       collection, local)
        elif (form := forms.get(int(data.get("form_id") or 0))) is not None:
            if kind == "retire":
                form.retired_on = local
            else:
                form.data, form.collection = dict(data), collection
    return forms


def recorded(session: Session, as_of: datetime) -> set[tuple[int, str, str]]:
    """(village id, indicator, period) of every value recorded by `as_of`."""
    rows = session.scalars(select(CaseEvent).join(Case, Case.id == CaseEvent.case_id).where(
        Case.case_type == RECORD, CaseEvent.type == DATA_RECORDED, CaseEvent.at <= as_of))
    return {(int(ev.inputs["village_id"]), str(v["indicator"]), str(v["period"]))
            for ev in rows for v in ev.inputs["values"]}


def _months(first: date, last: date) -> list[date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out[-MAX_MONTHS:]


def _month_end(month: date) -> date:
    return due_date("monthly", 28, month)


def compute(session: Session, as_of: datetime) -> FormsAspect:
    board = FormsAspect(as_of)
    villages = list(session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.VILLAGE)
                                    .order_by(OrgUnit.path)))
    board.villages = {v.id: v.name for v in villages}
    pubs = publications(session, as_of)
    today = WorkCalendar.local_date(as_of)
    for form in forms_at(pubs, today).values():
        if form.retired_on is None:
            n, shared = board.per_department.get(form.owner_unit_id, (0, 0))
            board.per_department[form.owner_unit_id] = (
                n + 1, shared + (form.collection == "shared"))
    if not pubs:
        return board
    held = recorded(session, as_of)
    for month in _months(WorkCalendar.local_date(pubs[0][0]), today):
        key = f"{month.year:04d}-{month.month:02d}"
        board.months.append(key)
        for form in forms_at(pubs, _month_end(month)).values():
            if form.retired_on is not None or form.collection != "villages":
                continue
            data = form.data
            due = due_date(str(data["frequency"]), int(data["due_day"]), month)
            if (due.year, due.month) != (month.year, month.month):
                continue
            towns = set(data.get("town_ids") or [])
            fields = parse_fields(list(data.get("field_lines") or []))
            for v in villages:
                if towns and v.parent_id not in towns:
                    continue
                cell = board.cells.setdefault((v.id, key), Cell())
                owner = board.department_cells.setdefault((form.owner_unit_id, key), Cell())
                for f in fields:
                    code = f.get("indicator")
                    ind = indicators.get(code) if code else None
                    shared = ind is not None and (v.id, ind.code, indicators.period_of(
                        ind.frequency, due)) in held
                    for c in (cell, owner):
                        c.demanded += 1
                        c.shared += shared
    return board


def by_town(session: Session, board: FormsAspect) -> dict[int, dict[str, Cell]]:
    """The cells summed per town and month."""
    parents = dict(session.execute(select(OrgUnit.id, OrgUnit.parent_id)
                                   .where(OrgUnit.kind == OrgKind.VILLAGE)).all())
    out: dict[int, dict[str, Cell]] = defaultdict(dict)
    for (village_id, month), c in board.cells.items():
        town = parents.get(village_id)
        if town is None:
            continue
        cell = out[town].setdefault(month, Cell())
        cell.demanded += c.demanded
        cell.shared += c.shared
    return dict(out)
