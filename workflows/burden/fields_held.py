"""Fields already held for a report form request: a named hook the report form feature fills.

`workflows.report_forms` knows which fields of a proposed form are already held as indicators
of the "one form". It registers that knowledge here with `provide(source)` (a function of
(session, draft data) -> FieldsHeld, or None when it cannot tell). Until a source is
registered, `count` computes what the draft itself says: fields given as rows that name an
indicator are held; the older draft's `field_count` with `already_collected` counts all of
them as held or none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class FieldsHeld:
    total: int
    held: int
    source: str  # "report_forms" (the registered source) | "draft" (what the draft says)


FieldsHeldSource = Callable[[Session, dict[str, Any]], FieldsHeld | None]
_sources: list[FieldsHeldSource] = []


def provide(source: FieldsHeldSource) -> None:
    """Register the report form feature's count (replaces any earlier one)."""
    _sources[:] = [source]


def _from_draft(data: dict[str, Any]) -> FieldsHeld:
    rows = data.get("fields")
    if isinstance(rows, list) and rows:
        held = sum(1 for r in rows if isinstance(r, dict) and r.get("indicator"))
        return FieldsHeld(len(rows), held, "draft")
    total = int(data.get("field_count") or 0)
    return FieldsHeld(total, total if data.get("already_collected") else 0, "draft")


def count(session: Session, data: dict[str, Any]) -> FieldsHeld:
    """How many fields the form asks for and how many of them are already held."""
    for source in _sources:
        found = source(session, data)
        if found is not None:
            return found
    return _from_draft(data)
