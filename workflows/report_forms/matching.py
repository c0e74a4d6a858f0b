"""Field-to-indicator matching: is a proposed form's field already held in the "one form"?

The words and their weights are the assessment catalog's Chinese text matching
(`workflows.catalog.duplicates`, jieba search-mode words minus generic words, IDF-weighted
cosine and containment), used through its public `score`, `ItemText` and `Weights`; the
indicator texts (name, definition, unit) are added as documents so that a word every indicator
uses (人数) weighs less than one only one uses (耕地). A field's own unit, when given, must agree
with the indicator's: "低保户数（户）" is not "低保人数（人）" (UNIT_PENALTY).

A field is "already held as indicator X" when X scores at least THRESHOLD; THRESHOLD was chosen
on tests/data/indicator_fields.json (tests/unit/test_report_form_matching.py holds the bar and
prints precision and recall; docs/report_forms.md reports them).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from workflows.catalog import duplicates
from workflows.report_forms.indicators import INDICATORS, Indicator

THRESHOLD = 0.35
UNIT_PENALTY = 0.5
TOP = 3
_UNIT = re.compile(r"[（(]\s*([^()（）]{1,6})\s*[)）]\s*$")


@dataclass(frozen=True)
class Suggestion:
    indicator: str
    name: str
    unit: str
    score: float
    likely: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_unit(text: str) -> tuple[str, str]:
    """'低保户数（户）' -> ('低保户数', '户'); a name without a unit keeps ''."""
    found = _UNIT.search(text)
    if found is None:
        return text.strip(), ""
    return text[: found.start()].strip(), found.group(1).strip()


@lru_cache(maxsize=1)
def weights() -> duplicates.Weights:
    return duplicates.REFERENCE.with_documents(i.text for i in INDICATORS)


def score(field_name: str, unit: str, indicator: Indicator) -> float:
    """0..1: how surely the field asks for what the indicator holds."""
    field = duplicates.ItemText(field_name, f"{field_name}（{unit}）" if unit else field_name)
    held = duplicates.ItemText(indicator.name, indicator.text)
    s = duplicates.score(field, held, weights())
    value = max(s.score, s.name_score)
    if unit and unit != indicator.unit:
        value *= UNIT_PENALTY
    return round(value, 4)


def suggest(field_text: str, limit: int = TOP) -> list[Suggestion]:
    """The best-scoring indicators for one field (any score above 0), best first."""
    name, unit = split_unit(field_text)
    scored = [(score(name, unit, i), i) for i in INDICATORS]
    found = [Suggestion(i.code, i.name, i.unit, s, s >= THRESHOLD)
             for s, i in scored if s > 0]
    found.sort(key=lambda m: (-m.score, m.indicator))
    return found[:limit]


def best(field_text: str) -> str | None:
    """The indicator the field is already held as, or None."""
    top = suggest(field_text, 1)
    return top[0].indicator if top and top[0].likely else None
