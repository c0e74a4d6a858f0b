"""Dates a request may not hold (issue 19, item 5): a draft of an inspection or a meeting
whose dates are already past is refused, the field named, at the command's time
(`registry.command_now`, the local date in China)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from workflows.kernel import registry
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ValidationFailedError

INSPECTION_DATES = ("window_start",)
MEETING_DATES = ("preferred_date", "urgent_date")


def today(now: datetime | None = None) -> date | None:
    moment = now or registry.command_now()
    return WorkCalendar.local_date(moment) if moment is not None else None


def refuse_past(data: dict[str, Any], names: tuple[str, ...]) -> None:
    """422 on the first of `names` that holds a date before today (local time)."""
    day = today()
    if day is None:
        return
    for name in names:
        raw = data.get(name)
        if not isinstance(raw, str) or not raw:
            continue
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            continue
        if value < day:
            raise ValidationFailedError({name: [f"{raw} is already past (today is {day})"]})


