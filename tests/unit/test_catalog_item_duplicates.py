"""The duplicate check on the hand-labelled pairs (tests/data/item_pairs.json).

Positives are reworded duplicates and partial overlaps (what the reviewer must see);
negatives are unrelated items, many of them sharing words, department, target or period.
The weights and THRESHOLD were chosen on this set, so the figures are what it achieves on
the data it was tuned on: at 0.32, precision 0.91 and recall 0.94 (61 pairs: 22 duplicates,
11 overlaps, 28 unrelated); the bar below is the issue's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflows.catalog import duplicates as dup

DATA = Path(__file__).resolve().parents[1] / "data" / "item_pairs.json"
POSITIVE = frozenset({"duplicate", "overlap"})


def _pairs() -> list[tuple[dup.ItemText, dup.ItemText, str]]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    catalog = {k: dup.ItemText.of(v) for k, v in data["catalog"].items()}
    return [(dup.ItemText.of(p["proposal"]), catalog[p["existing"]], p["label"])
            for p in data["pairs"]]


def precision_recall(threshold: float) -> tuple[float, float, int, int, int]:
    tp = fp = fn = 0
    for proposal, existing, label in _pairs():
        hit = dup.score(proposal, existing).score >= threshold
        tp += hit and label in POSITIVE
        fp += hit and label not in POSITIVE
        fn += (not hit) and label in POSITIVE
    return tp / (tp + fp), tp / (tp + fn), tp, fp, fn


def test_the_labelled_set_is_big_enough_and_balanced() -> None:
    labels = [label for _, _, label in _pairs()]
    assert len(labels) >= 40
    assert {"duplicate", "overlap", "unrelated"} <= set(labels)
    assert labels.count("unrelated") >= len(labels) // 3


def test_precision_and_recall_at_the_chosen_threshold() -> None:
    precision, recall, tp, fp, fn = precision_recall(dup.THRESHOLD)
    print(f"threshold {dup.THRESHOLD}: precision {precision:.3f} recall {recall:.3f} "
          f"(tp {tp}, fp {fp}, fn {fn})")
    assert recall >= 0.9
    assert precision >= 0.8


@pytest.mark.parametrize("shift", [-0.02, 0.02])
def test_the_bar_holds_a_little_either_side_of_the_threshold(shift: float) -> None:
    """The threshold does not sit on a knife edge."""
    precision, recall, *_ = precision_recall(dup.THRESHOLD + shift)
    assert recall >= 0.9
    assert precision >= 0.8


def test_every_reworded_duplicate_is_found() -> None:
    missed = [(p.name, e.name) for p, e, label in _pairs()
              if label == "duplicate" and dup.score(p, e).score < dup.THRESHOLD]
    assert missed == []


def test_top_matches_rank_the_duplicate_first_with_passages() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    entries = [dup.CatalogEntry(i, f"KH-2026-{i:03d}", 1, dup.ItemText.of(v))
               for i, v in enumerate(data["catalog"].values(), start=1)]
    proposal = dup.ItemText(
        "村庄清洁行动考核评比",
        "对各村生活垃圾清运、污水处理、户厕改造和村容村貌整治情况实地检查并打分排名。",
        "villages", "quarterly", "all_year")

    found = dup.top_matches(proposal, entries)

    assert found[0].name == "村级人居环境整治考核"
    assert found[0].likely and found[0].same_target and found[0].same_period
    assert found[0].passages and found[0].passages[0].score >= dup.PASSAGE_FLOOR
    assert "村容村貌" in found[0].shared_words
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    assert len(found) <= dup.TOP_MATCHES


def test_the_item_being_changed_is_not_its_own_duplicate() -> None:
    text = dup.ItemText("村级人居环境整治考核", "生活垃圾、生活污水、厕所改造和村容村貌。",
                        "villages", "quarterly", "all_year")
    entry = dup.CatalogEntry(7, "KH-2026-007", 1, text)

    assert dup.top_matches(text, [entry], exclude_item_id=7) == []
    assert dup.top_matches(text, [entry])[0].score >= 0.9


def test_unrelated_texts_score_low_and_empty_texts_zero() -> None:
    a = dup.ItemText("森林防火工作检查", "护林员巡山、野外用火管理。", "both", "yearly", "q1")
    b = dup.ItemText("城乡居民医保参保扩面考核", "医保参保率和缴费进度。", "both", "yearly",
                     "q1")
    assert dup.score(a, b).score < dup.THRESHOLD
    assert dup.score(dup.ItemText("", ""), b).score == 0.0
