"""Field-to-indicator matching on a labelled set (tests/data/indicator_fields.json): precision
and recall of "already held as indicator X" (workflows/report_forms/matching.py).

Run alone to see the figures:
    .venv/bin/pytest -q -s -p no:cacheprovider tests/unit/test_report_form_matching.py
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflows.report_forms import matching
from workflows.report_forms.forms import parse_field

DATA = Path(__file__).resolve().parents[1] / "data" / "indicator_fields.json"


def figures() -> tuple[float, float, int, int, int]:
    rows = json.loads(DATA.read_text(encoding="utf-8"))["fields"]
    tp = fp = fn = 0
    for text, label in rows:
        found = matching.best(text)
        if found is not None and found == label:
            tp += 1
        elif found is not None:
            fp += 1
        if label is not None and found != label:
            fn += 1
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), tp, fp, fn


def test_precision_and_recall_on_the_labelled_fields() -> None:
    precision, recall, tp, fp, fn = figures()
    print(f"\nindicator matching: precision {precision:.3f} recall {recall:.3f} "
          f"(tp {tp}, fp {fp}, fn {fn}, threshold {matching.THRESHOLD})")
    assert precision >= 0.95
    assert recall >= 0.95


def test_the_labelled_set_has_both_kinds_and_every_indicator() -> None:
    rows = json.loads(DATA.read_text(encoding="utf-8"))["fields"]
    labels = {label for _t, label in rows}
    assert None in labels and len(rows) >= 60
    from workflows.report_forms.indicators import BY_CODE

    assert labels - {None} == set(BY_CODE)


@pytest.mark.parametrize(("text", "expected"), [
    ("低保户数（户）", "LOW_INCOME_HH"),
    ("低保人数（人）", "LOW_INCOME_POP"),  # 户 and 人 are told apart
    ("活动照片张数", None),
])
def test_households_and_people_are_told_apart_by_words_and_units(text: str,
                                                                  expected: str | None) -> None:
    assert matching.best(text) == expected


def test_a_unit_that_disagrees_halves_the_score() -> None:
    from workflows.report_forms.indicators import BY_CODE

    households = BY_CODE["LOW_INCOME_HH"]
    assert matching.score("低保户数", "人", households) == pytest.approx(
        matching.score("低保户数", "户", households) * matching.UNIT_PENALTY, abs=1e-3)


@pytest.mark.parametrize(("line", "parsed"), [
    ("户籍人口（人）= POP_REG", {"name": "户籍人口", "unit": "人", "indicator": "POP_REG"}),
    ("户籍人口＝pop_reg", {"name": "户籍人口", "unit": "人", "indicator": "POP_REG"}),
    ("活动次数（次）= 新", {"name": "活动次数", "unit": "次", "indicator": None}),
    ("活动次数", {"name": "活动次数", "unit": "", "indicator": None}),
])
def test_a_draft_line_is_parsed(line: str, parsed: dict[str, object]) -> None:
    assert parse_field(line) == parsed


def test_an_unknown_indicator_code_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="户籍人口"):
        parse_field("户籍人口 = NOPE")
