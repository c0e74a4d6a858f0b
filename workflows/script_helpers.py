"""Helpers BPMN scripts and expressions may call (the allow-list), plus the per-command
context they read. Everything here is deterministic: time comes from the command."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from workflows.calendar import WorkCalendar


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


def today_iso() -> str:
    return _clock().calendar.local_date(_clock().now).isoformat()


def is_working_day(day: str) -> bool:
    return _clock().calendar.is_working_day(date.fromisoformat(day))


HELPERS: dict[str, Callable[..., Any]] = {
    "now_iso": now_iso,
    "today_iso": today_iso,
    "working_days_after": working_days_after,
    "is_working_day": is_working_day,
}
