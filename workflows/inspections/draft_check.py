"""The checks a clerk meets while drafting (issue 19, item 5), before the head signs.

- (`workflows.inspections.dates.refuse_past`: a draft with dates already past is refused.)
- `warnings`: what the automatic check would say of the draft as it stands: a village over
  its quota for the quarter or the year, an approved inspection overlapping it, more people
  or days than its kind allows. Advisory only: the check after the head's approval still
  decides. The limits come from the case's pinned decision table (`inspection_quota.dmn`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from models import Case, ProcessVersion
from workflows.inspections import requests as inspections
from workflows.kernel.errors import ValidationFailedError

QUOTA_TABLE = "inspection_quota.dmn"
LIMIT_NAMES = ("quarter_quota", "year_quota", "max_people", "max_days")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"


def limits(session: Session, case: Case, kind: str) -> dict[str, int]:
    """Quota and limits of `kind` in the case's pinned decision table ({} if none)."""
    version = session.get(ProcessVersion, case.process_version_id)
    source = (version.sources or {}).get(QUOTA_TABLE) if version is not None else None
    if not source:
        return {}
    root = etree.fromstring(source.encode("utf-8"), _PARSER)
    outputs = [o.get("name") for o in root.iter(f"{DMN}output")]
    for rule in root.iter(f"{DMN}rule"):
        entry = rule.find(f"{DMN}inputEntry/{DMN}text")
        if entry is None or (entry.text or "").strip().strip('"') != kind:
            continue
        values = [(o.findtext(f"{DMN}text") or "").strip() for o in rule.iter(f"{DMN}outputEntry")]
        return {str(n): int(v) for n, v in zip(outputs, values, strict=False)
                if n in LIMIT_NAMES and v.isdigit()}
    return {}


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class DraftWarning:
    """One thing the check would object to: `kind` (quota_quarter, quota_year, overlap,
    people, days) and what the sentence needs."""

    kind: str
    params: dict[str, Any]


def warnings(session: Session, case: Case, values: dict[str, Any]) -> list[DraftWarning]:
    """The draft's problems as the check after the head's approval would find them today."""
    try:
        start = date.fromisoformat(str(values.get("window_start") or ""))
        end = date.fromisoformat(str(values.get("window_end") or ""))
        villages, _ = inspections.resolve_villages(
            session, [int(v) for v in values.get("village_ids") or []],
            [int(t) for t in values.get("town_ids") or []])
    except (ValueError, TypeError, ValidationFailedError):
        return []
    kind = str(values.get("inspection_type") or "")
    facts = inspections.check_facts(session, case.id, {
        "window_start": start.isoformat(), "window_end": end.isoformat(),
        "inspection_type": kind, "villages": villages, "item_ids": []})
    limit = limits(session, case, kind)
    out: list[DraftWarning] = []
    for count in facts["village_counts"]:
        for period, quota_key, label in (("quarter", "quarter_quota", f"{start.year}-Q"
                                          f"{(start.month - 1) // 3 + 1}"),
                                         ("year", "year_quota", str(start.year))):
            quota = limit.get(quota_key)
            if quota is not None and int(count[period]) > quota:
                out.append(DraftWarning(f"quota_{period}", {
                    "village": count["name"], "period": label, "count": count[period],
                    "quota": quota}))
    for o in facts["overlaps"]:
        out.append(DraftWarning("overlap", {
            "case": o["case_id"], "title": o["title"], "start": o["window_start"],
            "end": o["window_end"], "villages": "、".join(o["villages"])}))
    for field, key in (("people", "max_people"), ("days", "max_days")):
        given, most = _number(values.get(field)), limit.get(key)
        if given is not None and most is not None and given > most:
            out.append(DraftWarning(field, {"given": given, "most": most}))
    return out
