"""One entry of a village's calendar: an approved inspection or a meeting session that demands
the village's time (`workflows.inspections.ledger` lists them; `workflows.inspections.bundler`
makes the sessions' entries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CalendarEntry:
    village_id: int
    kind: str  # "inspection" | "meeting"
    case_id: int | None  # the inspection case; None for a combined session
    title: str
    start: date
    end: date
    status: str
    people: int = 0
    days: int = 0
    hours: float = 0.0
    materials: int = 0
    actual: bool = False  # figures recorded as actually happened
    session_key: str = ""  # the combined session (meetings)
    joins: int | None = None  # a team that joined this inspection case (its own case_id)
    joins_title: str = ""
