"""What a village sees of the report forms: the forms it must fill, each pre-filled from its
data ("N of M fields already filled"), and its form calendar with the fields that remain and
the estimated minutes (docs/report_forms.md).

A form of frequency F is due, for the period P (indicators.period_of(F, day)), on its due day
in P's last month. A field mapped to an indicator takes the village's value of that indicator
for the indicator's own period on the due day (a yearly indicator: the year; a monthly one:
the due month); a field the form declared new takes the value entered for the form and P.
So a value entered once fills every form that uses it in the same period, and a value changed
in a later period fills the later period's forms only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from models import FormStatus, IndicatorValue, OrgUnit
from workflows.report_forms import indicators
from workflows.report_forms.registry import FormRow, rows
from workflows.report_forms.values import form_key, held

# Minutes a cadre needs per field still to fill (look up, type, check); the formula of the
# estimate (docs/report_forms.md): remaining fields x MINUTES_PER_FIELD.
MINUTES_PER_FIELD = 3
CALENDAR_MONTHS = 3  # the calendar shows the current month and the next two


@dataclass(frozen=True)
class Field:
    key: str  # what the value is stored under: indicator code or F<form>.<key>
    name: str
    unit: str
    indicator: str | None
    period: str
    value: str | None
    value_row: IndicatorValue | None


@dataclass(frozen=True)
class FormInstance:
    form: FormRow
    period: str
    due: date
    fields: list[Field]

    @property
    def total(self) -> int:
        return len(self.fields)

    @property
    def filled(self) -> int:
        return sum(1 for f in self.fields if f.value is not None)

    @property
    def remaining(self) -> int:
        return self.total - self.filled

    @property
    def minutes(self) -> int:
        return self.remaining * MINUTES_PER_FIELD


def applies(form: FormRow, village: OrgUnit) -> bool:
    """Villages fill the form (not satisfied from shared data) and the village is in it."""
    return form.form.status == FormStatus.IN_FORCE and covers(form, village)


def covers(form: FormRow, village: OrgUnit) -> bool:
    towns = form.towns()
    return form.form.collection == "villages" and (towns is None or village.parent_id in towns)


def in_force_on(form: FormRow, day: date) -> bool:
    """The form was in force at the end of `day` (as the supervision figures count it)."""
    retired = form.form.retired_on
    return form.form.effective_date <= day and (retired is None or retired > day)


def due_date(frequency: str, due_day: int, day: date) -> date:
    """The due date of the period `day` is in."""
    if frequency == "monthly":
        return date(day.year, day.month, due_day)
    if frequency == "quarterly":
        return date(day.year, ((day.month - 1) // 3 + 1) * 3, due_day)
    return date(day.year, 12, due_day)


def instance(session: Session, form: FormRow, village: OrgUnit, day: date,
             values: dict[tuple[str, str], IndicatorValue] | None = None) -> FormInstance:
    """The form for the period `day` is in, each field with the village's value if held."""
    version = form.version
    period = indicators.period_of(version.frequency, day)
    due = due_date(version.frequency, version.due_day, day)
    have = held(session, village.id) if values is None else values
    out = []
    for f in version.fields:
        code = f.get("indicator")
        indicator = indicators.get(code) if code else None
        if indicator is not None:
            key, field_period = indicator.code, indicators.period_of(indicator.frequency, due)
        else:
            key, field_period = form_key(form.form.id, str(f["key"])), period
        row = have.get((key, field_period))
        out.append(Field(key, str(f["name"]), str(f.get("unit") or ""), code, field_period,
                         row.value if row is not None else None, row))
    return FormInstance(form, period, due, out)


def forms_of(session: Session, village: OrgUnit) -> list[FormRow]:
    return [r for r in rows(session, status=FormStatus.IN_FORCE) if applies(r, village)]


def _months(start: date, count: int) -> list[date]:
    out = []
    y, m = start.year, start.month
    for _ in range(count):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def calendar(session: Session, village: OrgUnit, today: date,
             months: int = CALENDAR_MONTHS) -> list[FormInstance]:
    """The forms due in this month and the next ones, by due date: each with its filled and
    remaining fields and the estimated minutes."""
    values = held(session, village.id)
    seen: set[tuple[int, str]] = set()
    out = []
    for month in _months(today, months):
        for form in forms_of(session, village):
            due = due_date(form.version.frequency, form.version.due_day, month)
            if (due.year, due.month) != (month.year, month.month):
                continue
            inst = instance(session, form, village, month, values)
            if (form.form.id, inst.period) not in seen:
                seen.add((form.form.id, inst.period))
                out.append(inst)
    out.sort(key=lambda i: (i.due, i.form.form.code))
    return out


def month_burden(session: Session, village: OrgUnit, months: list[date]
                 ) -> dict[str, tuple[int, int, int]]:
    """Per month (YYYY-MM) of the given months: (fields demanded, fields remaining,
    estimated minutes) of the forms in force in the month and due in it (the version in
    force now stands for the month: the registry's own history is in the supervision
    figures, `workflows.report_forms.dashboard`)."""
    values = held(session, village.id)
    out: dict[str, tuple[int, int, int]] = {}
    forms = [r for r in rows(session) if covers(r, village)]
    for month in months:
        total = remaining = 0
        for form in forms:
            due = due_date(form.version.frequency, form.version.due_day, month)
            if ((due.year, due.month) != (month.year, month.month)
                    or not in_force_on(form, due_date("monthly", 28, month))):
                continue
            inst = instance(session, form, village, month, values)
            total, remaining = total + inst.total, remaining + inst.remaining
        if total:
            out[f"{month.year:04d}-{month.month:02d}"] = (
                total, remaining, remaining * MINUTES_PER_FIELD)
    return out
