"""Helpers BPMN scripts and expressions may call (the allow-list), plus the per-command
context they read. Everything here is deterministic: time comes from the command."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from workflows.kernel.calendar import WorkCalendar


@dataclass(frozen=True)
class CommandClock:
    now: datetime
    calendar: WorkCalendar


_CLOCK: ContextVar[CommandClock | None] = ContextVar("jianfu_command_clock", default=None)


@contextmanager
def command_clock(clock: CommandClock) -> Iterator[None]:
    token = _CLOCK.set(clock)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def _clock() -> CommandClock:
    clock = _CLOCK.get()
    if clock is None:
        raise RuntimeError("script helper called outside a command")
    return clock


def now_iso() -> str:
    """The command's timestamp (never the wall clock)."""
    return _clock().now.isoformat()


def working_days_after(days: int) -> str:
    """ISO deadline `days` working days after the command's timestamp (official calendar)."""
    clock = _clock()
    return clock.calendar.add_working_days(clock.now, int(days)).isoformat()


def _moment(iso: str) -> datetime:
    """An ISO timestamp as an aware datetime (a naive one is read as UTC, as stored)."""
    moment = datetime.fromisoformat(str(iso))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def add_working_days(iso: str, days: int) -> str:
    """ISO moment `days` working days after `iso` (official calendar, same rule as
    working_days_after: the same local clock time on the days-th working day)."""
    return _clock().calendar.add_working_days(_moment(iso), int(days)).isoformat()


def warning_at(due_iso: str, fraction: float = 0.8) -> str:
    """ISO moment `fraction` of the way from the command's timestamp to `due_iso` (elapsed
    time, not working days): the early-warning point of a deadline set now."""
    fraction = float(fraction)
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be between 0 and 1: {fraction}")
    now = _clock().now.astimezone(UTC)
    due = _moment(due_iso).astimezone(UTC)
    return (now + (due - now) * fraction).isoformat()


def today_iso() -> str:
    return _clock().calendar.local_date(_clock().now).isoformat()


def is_working_day(day: str) -> bool:
    return _clock().calendar.is_working_day(date.fromisoformat(day))


HELPERS: dict[str, Callable[..., Any]] = {
    "now_iso": now_iso,
    "today_iso": today_iso,
    "working_days_after": working_days_after,
    "add_working_days": add_working_days,
    "warning_at": warning_at,
    "is_working_day": is_working_day,
}
