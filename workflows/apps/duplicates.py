"""Duplicate check of a proposed app or work group against the registry, with the assessment
catalog's Chinese matching (`workflows.catalog.duplicates`: jieba words weighed by IDF, the
names-with-contents cosine plus containment). An app's name and purpose play the item's name
and content; its kind (app, WeChat group, DingTalk group) is shown beside the score and never
added to it, as the catalog does with an item's target.

The check runs in the command layer when the draft is submitted: its result is recorded in
the event as task data, so the engine never reads the registry and replay stays exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AppStatus, GovApp, GovAppVersion
from workflows.catalog import duplicates as matching

THRESHOLD = matching.THRESHOLD
TOP_MATCHES = 5


def text_of(data: Mapping[str, Any]) -> matching.ItemText:
    return matching.ItemText(str(data.get("app_name") or ""),
                             str(data.get("app_purpose") or ""), str(data.get("app_kind") or ""))


def active_entries(session: Session) -> list[matching.CatalogEntry]:
    """Every active app and group, as its current version says."""
    rows = session.execute(
        select(GovApp, GovAppVersion)
        .join(GovAppVersion, (GovAppVersion.app_id == GovApp.id)
              & (GovAppVersion.version == GovApp.current_version))
        .where(GovApp.status == AppStatus.ACTIVE)
        .order_by(GovApp.id)
    )
    return [
        matching.CatalogEntry(app.id, app.code, app.owner_unit_id,
                              matching.ItemText(v.name, v.purpose, app.kind))
        for app, v in rows
    ]


def check(session: Session, proposal: Mapping[str, Any],
          exclude_app_id: int | None = None) -> dict[str, Any]:
    """The check as the draft records it: threshold, how many compared, the top matches."""
    entries = [e for e in active_entries(session) if e.item_id != exclude_app_id]
    return check_entries(proposal, entries)


def check_entries(proposal: Mapping[str, Any],
                  entries: list[matching.CatalogEntry]) -> dict[str, Any]:
    """`check` against the given registry entries (plain data, no database)."""
    found = matching.top_matches(text_of(proposal), entries, limit=TOP_MATCHES)
    kind = str(proposal.get("app_kind") or "")
    kinds = {e.item_id: e.text.target for e in entries}
    return {
        "threshold": THRESHOLD,
        "compared": len(entries),
        "matches": [
            {"app_id": m.item_id, "code": m.code, "name": m.name,
             "owner_unit_id": m.owner_unit_id, "score": m.score,
             "same_kind": kinds.get(m.item_id) == kind,
             "shared_words": m.shared_words, "likely": m.likely}
            for m in found
        ],
    }
