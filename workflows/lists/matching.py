"""Chinese text matching of a text against the lists: the assessment catalog's duplicate check
(`workflows.catalog.duplicates`, its named entry point: the same words, weights, score and
threshold) applied to list entries (title as the name, description as the content).

Used when an entry is proposed (is it already on its list?) and when a department asks
villages to take on work (is the work on the self-governance or assistance list?)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import EntryStatus, ListEntry, ListEntryVersion
from workflows.catalog import duplicates

THRESHOLD = duplicates.THRESHOLD


def in_force(entry: ListEntry, on: date) -> bool:
    return (entry.status == EntryStatus.ACTIVE and entry.in_force_from <= on
            and (entry.in_force_to is None or on <= entry.in_force_to))


def entries(session: Session, kinds: Iterable[str], on: date | None = None
            ) -> list[tuple[ListEntry, ListEntryVersion]]:
    """Active entries of the given lists with their current version (in force on `on`)."""
    rows = session.execute(
        select(ListEntry, ListEntryVersion)
        .join(ListEntryVersion, (ListEntryVersion.entry_id == ListEntry.id)
              & (ListEntryVersion.version == ListEntry.current_version))
        .where(ListEntry.list_kind.in_(sorted(set(kinds))),
               ListEntry.status == EntryStatus.ACTIVE)
        .order_by(ListEntry.id))
    return [(e, v) for e, v in rows if on is None or in_force(e, on)]


def _catalog_entry(entry: ListEntry, version: ListEntryVersion) -> duplicates.CatalogEntry:
    return duplicates.CatalogEntry(entry.id, entry.code, entry.unit_id,
                                   duplicates.ItemText(version.title, version.description))


def match(
    session: Session, text: Mapping[str, Any], kinds: Iterable[str], *,
    on: date | None = None, exclude_entry_id: int | None = None,
) -> dict[str, Any]:
    """The best matches of `text` ({"name", "content"}) among the entries of `kinds`, as plain
    data to record in an event: threshold, how many compared, the matches (entry id, code,
    list kind, title, score, shared words, passages, likely)."""
    rows = [(e, v) for e, v in entries(session, kinds, on) if e.id != exclude_entry_id]
    kind_of = {e.id: e.list_kind for e, _ in rows}
    found = duplicates.top_matches(duplicates.ItemText.of(text),
                                   [_catalog_entry(e, v) for e, v in rows])
    matches = []
    for m in found:
        d = m.as_dict()
        matches.append({
            "entry_id": d["item_id"], "code": d["code"], "title": d["name"],
            "list_kind": kind_of[m.item_id], "unit_id": d["owner_unit_id"],
            "score": d["score"], "shared_words": d["shared_words"],
            "passages": d["passages"], "likely": d["likely"],
        })
    return {"threshold": THRESHOLD, "compared": len(rows), "matches": matches}


def similarity(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """The catalog's score (0..1) of two texts ({"name", "content"} each)."""
    return duplicates.score(duplicates.ItemText.of(a), duplicates.ItemText.of(b)).score
