"""The public entry points other features use (pyproject.toml ignore_imports):

- `fields_already_held(case_data)`: of a report form proposal (the approval's case data),
  how many fields the "one form" already holds, and how many there are: for the burden-impact
  estimate shown at approval.
- `form_minutes(session, village_id, months)` (and `current_month()`): per month (YYYY-MM),
  the form fields demanded of a village, those still to fill and the estimated minutes: for
  the village burden ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models import OrgUnit, utcnow
from workflows.kernel.calendar import WorkCalendar
from workflows.report_forms import approval, village
from workflows.report_forms.village import MINUTES_PER_FIELD

__all__ = ["MINUTES_PER_FIELD", "current_month", "fields_already_held", "form_minutes"]


def current_month() -> str:
    """This month (China time) as YYYY-MM."""
    day = WorkCalendar.local_date(utcnow())
    return f"{day.year:04d}-{day.month:02d}"


def fields_already_held(case_data: Mapping[str, Any]) -> tuple[int, int]:
    """(held, total) for a proposal: a field is held when it is mapped to an indicator or
    the matching finds it already held ("reuse it"). Uses the check recorded at the draft
    when there is one, else checks the draft's field lines now; (0, 0) before a draft."""
    check = case_data.get("field_check")
    if not isinstance(check, dict) or "fields" not in check:
        lines = case_data.get("field_lines")
        if not isinstance(lines, list) or not lines:
            return 0, 0
        try:
            check = approval.field_check([str(x) for x in lines])
        except ValueError:
            return 0, 0
    rows = list(check.get("fields") or [])
    held = sum(1 for r in rows if r.get("indicator") or r.get("held_as"))
    return held, len(rows)


def form_minutes(session: Session, village_id: int, months: list[str]
                 ) -> dict[str, tuple[int, int, int]]:
    """Per month (YYYY-MM, of `months`): (fields demanded, remaining, minutes)."""
    unit = session.get(OrgUnit, village_id)
    if unit is None:
        return {}
    firsts = [date(int(m[:4]), int(m[5:7]), 1) for m in sorted(set(months))]
    return village.month_burden(session, unit, firsts)
