"""Per-command determinism: task ids from uuid5(seed, n), state-change times and timer
"now" from the command's timestamp."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import SpiffWorkflow.task as spiff_task_module
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer_module

from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.engine.types import ID_NAMESPACE
from workflows.kernel.script_helpers import CommandClock, command_clock


class _FixedClock:
    def __init__(self, ts: float) -> None:
        self._ts = ts

    def time(self) -> float:
        return self._ts


def _fixed_datetime(now: datetime) -> type[datetime]:
    # SpiffWorkflow fires a timer only when due < now; the extra microsecond makes a timer
    # command stamped exactly with the due time fire it (due <= command time).
    timer_now = now + timedelta(microseconds=1)

    class FixedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> FixedDatetime:
            moment = timer_now if tz is None else timer_now.astimezone(tz)
            return cls.fromisoformat(moment.isoformat())

    return FixedDatetime


_PIN_LOCK = threading.RLock()


@contextmanager
def _pinned(seed: str, now: datetime, calendar: WorkCalendar) -> Iterator[None]:
    """For one command: task ids from uuid5(seed, n), state-change times and timer "now"
    from the command's timestamp. Module-level patches, so a lock serializes engine runs."""
    if now.tzinfo is None:
        raise ValueError("command time must be timezone-aware")
    counter = itertools.count()

    def next_id() -> uuid.UUID:
        return uuid.uuid5(ID_NAMESPACE, f"{seed}/{next(counter)}")

    with _PIN_LOCK:
        saved = (spiff_task_module.uuid4, spiff_task_module.time, spiff_timer_module.datetime)
        spiff_task_module.uuid4 = next_id
        spiff_task_module.time = _FixedClock(now.timestamp())
        spiff_timer_module.datetime = _fixed_datetime(now)
        try:
            with command_clock(CommandClock(now, calendar)):
                yield
        finally:
            (spiff_task_module.uuid4, spiff_task_module.time, spiff_timer_module.datetime) = saved
