"""Working days on the official PRC calendar (holidays and 调休 make-up working days).

The calendar comes from the maintained `holidays` package, which covers every year (the
`chinese-calendar` package raises for years after its data ends). Announced changes that
the package does not know yet go into the append-only `calendar_override` table; a
calendar is built with the overrides in force at the command's time, so replay computes
the same deadlines.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

CHINA_TZ = ZoneInfo("Asia/Shanghai")
MAX_WORKING_DAYS = 3660


@lru_cache(maxsize=256)
def _official(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=year)


class WorkCalendar:
    """Working-day arithmetic; `overrides` maps a day to True (working) or False (day off)."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if not 1 <= day.year <= 9998:
            return day.weekday() < 5
        return bool(_official(day.year).is_working_day(day))

    @staticmethod
    def local_date(moment: datetime) -> date:
        return moment.astimezone(CHINA_TZ).date()

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same local clock time on the `days`-th working day after `start`'s local date."""
        if days < 0 or days > MAX_WORKING_DAYS:
            raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}: {days}")
        local = start.astimezone(CHINA_TZ)
        day = local.date()
        left = days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return datetime.combine(day, local.timetz()).astimezone(UTC)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days from start's local date (exclusive) to end's (inclusive); negative if
        end is earlier."""
        a, b = self.local_date(start), self.local_date(end)
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        count = 0
        day = a
        while day < b:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return sign * count
