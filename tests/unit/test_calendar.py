"""Working-day arithmetic on the official PRC calendar (holidays and 调休 make-up days)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from workflows.kernel.calendar import MAX_WORKING_DAYS, WorkCalendar

CST = timezone(timedelta(hours=8))


def cst(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=CST)


def dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


# ------------------------------------------------------------------ is_working_day


def test_ordinary_week_is_monday_to_friday(cal):
    week = dates(date(2026, 3, 9), date(2026, 3, 15))  # Mon..Sun, no holiday

    assert [cal.is_working_day(d) for d in week] == [True] * 5 + [False] * 2


def test_national_day_2026_is_off_from_1_to_7_october(cal):
    assert not any(cal.is_working_day(d) for d in dates(date(2026, 10, 1), date(2026, 10, 7)))
    assert cal.is_working_day(date(2026, 9, 30))
    assert cal.is_working_day(date(2026, 10, 8))
    assert cal.is_working_day(date(2026, 10, 9))


@pytest.mark.parametrize("day", [date(2026, 9, 20), date(2026, 10, 10)],
                         ids=["sunday-09-20", "saturday-10-10"])
def test_national_day_make_up_weekend_days_are_working_days(cal, day):
    assert day.weekday() >= 5
    assert cal.is_working_day(day)


def test_spring_festival_2026_is_off_from_15_to_23_february(cal):
    assert not any(cal.is_working_day(d) for d in dates(date(2026, 2, 15), date(2026, 2, 23)))
    assert cal.is_working_day(date(2026, 2, 13))
    assert cal.is_working_day(date(2026, 2, 24))


@pytest.mark.parametrize("day", [date(2026, 2, 14), date(2026, 2, 28)],
                         ids=["saturday-02-14", "saturday-02-28"])
def test_spring_festival_make_up_saturdays_are_working_days(cal, day):
    assert day.weekday() == 5
    assert cal.is_working_day(day)


def test_an_ordinary_saturday_is_not_a_working_day(cal):
    assert not cal.is_working_day(date(2026, 3, 7))


# ------------------------------------------------------------------ add_working_days


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        pytest.param(cst(2026, 3, 6), 1, cst(2026, 3, 9), id="friday-plus-1-is-monday"),
        pytest.param(cst(2026, 3, 6), 5, cst(2026, 3, 13), id="friday-plus-5-skips-weekend"),
        pytest.param(cst(2026, 3, 7), 1, cst(2026, 3, 9), id="from-a-saturday"),
        pytest.param(cst(2026, 9, 30), 1, cst(2026, 10, 8), id="national-day-skipped"),
        pytest.param(cst(2026, 9, 28), 5, cst(2026, 10, 10), id="make-up-saturday-counts"),
        pytest.param(cst(2026, 10, 3), 3, cst(2026, 10, 10), id="from-inside-the-holiday"),
        pytest.param(cst(2026, 9, 18), 1, cst(2026, 9, 20), id="make-up-sunday-counts"),
        pytest.param(cst(2026, 2, 13), 1, cst(2026, 2, 14), id="spring-make-up-02-14"),
        pytest.param(cst(2026, 2, 14), 1, cst(2026, 2, 24), id="spring-festival-skipped"),
        pytest.param(cst(2026, 2, 27), 1, cst(2026, 2, 28), id="spring-make-up-02-28"),
        pytest.param(cst(2026, 2, 12), 20, cst(2026, 3, 18), id="twenty-across-spring"),
    ],
)
def test_add_working_days_on_the_official_calendar(cal, start, days, expected):
    assert cal.add_working_days(start, days) == expected


def test_add_working_days_keeps_the_local_clock_time_and_returns_utc(cal):
    due = cal.add_working_days(cst(2026, 3, 6, 17, 45), 1)

    assert due.utcoffset() == timedelta(0)
    assert due.astimezone(CST) == cst(2026, 3, 9, 17, 45)


def test_add_working_days_counts_from_the_china_local_date(cal):
    # 17:30 UTC on 30 September is already 01:30 on 1 October in Beijing.
    due = cal.add_working_days(datetime(2026, 9, 30, 17, 30, tzinfo=UTC), 1)

    assert due == cst(2026, 10, 8, 1, 30)


def test_zero_working_days_is_the_start_itself(cal):
    start = cst(2026, 10, 3)  # even on a holiday

    assert cal.add_working_days(start, 0) == start


def test_negative_working_days_raise_value_error(cal):
    with pytest.raises(ValueError, match="working days"):
        cal.add_working_days(cst(2026, 3, 6), -1)


def test_absurdly_many_working_days_raise_value_error(cal):
    with pytest.raises(ValueError, match="working days"):
        cal.add_working_days(cst(2026, 3, 6), MAX_WORKING_DAYS + 1)


# ------------------------------------------------------------------ overrides


def test_override_can_force_a_working_day_off():
    cal = WorkCalendar({date(2026, 3, 9): False})

    assert not cal.is_working_day(date(2026, 3, 9))
    assert cal.add_working_days(cst(2026, 3, 6), 1) == cst(2026, 3, 10)


def test_override_can_force_a_saturday_to_be_working():
    cal = WorkCalendar({date(2026, 3, 7): True})

    assert cal.is_working_day(date(2026, 3, 7))
    assert cal.add_working_days(cst(2026, 3, 6), 1) == cst(2026, 3, 7)


def test_override_wins_over_the_official_calendar():
    cal = WorkCalendar({date(2026, 10, 10): False, date(2026, 10, 7): True})

    assert not cal.is_working_day(date(2026, 10, 10))
    assert cal.is_working_day(date(2026, 10, 7))
    assert cal.add_working_days(cst(2026, 9, 30), 1) == cst(2026, 10, 7)


def test_overrides_are_copied_not_shared():
    overrides = {date(2026, 3, 9): False}
    cal = WorkCalendar(overrides)
    overrides[date(2026, 3, 9)] = True

    assert not cal.is_working_day(date(2026, 3, 9))


# ------------------------------------------------------------------ working_days_between


def test_working_days_between_counts_end_inclusive_start_exclusive(cal):
    assert cal.working_days_between(cst(2026, 9, 30), cst(2026, 10, 10)) == 3
    assert cal.working_days_between(cst(2026, 10, 10), cst(2026, 9, 30)) == -3
    assert cal.working_days_between(cst(2026, 3, 6, 9), cst(2026, 3, 6, 18)) == 0


@pytest.mark.parametrize("days", [0, 1, 2, 5, 9, 23])
def test_working_days_between_inverts_add_working_days(cal, days):
    start = cst(2026, 9, 25)
    assert cal.working_days_between(start, cal.add_working_days(start, days)) == days


# ------------------------------------------------------------------ no year may crash


@pytest.mark.parametrize("month_day", [(1, 1), (9, 30)], ids=["jan-1", "sep-30"])
def test_every_year_from_1990_to_2200_has_working_days(cal, month_day):
    month, day = month_day
    for year in range(1990, 2201):
        start = cst(year, month, day)

        due = cal.add_working_days(start, 10)

        assert due > start, year
        assert due - start < timedelta(days=30), year
        assert cal.is_working_day(due.astimezone(CST).date()), year
        assert cal.working_days_between(start, due) == 10, year
