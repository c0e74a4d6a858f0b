#!/usr/bin/env python3
"""Precision, recall and false-positive rate of the assessment-item duplicate check on the
labelled pairs of tests/data/item_pairs.json, for each split (tune, holdout; see the file's
"splits" header) and overall.

Positives are the pairs labelled duplicate or overlap; a pair is flagged when its score
reaches `duplicates.THRESHOLD`. Two views of the unrelated pairs: as written, and "same
target and period": every unrelated proposal given the target and period of the item it is
paired with (the hardest case the form allows; the new pairs are written that way already).

Usage: python bench/duplicates_report.py [--threshold 0.4] [--misses tune] [--write-words]
(--misses lists the failing pairs of a split: never run it on holdout while tuning;
--write-words regenerates workflows/catalog/duplicate_words.py, the reference document
frequencies, from the catalog items and the tune split only, never the holdout).
tests/unit/test_catalog_item_duplicates.py holds the bar with the same functions.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workflows.catalog import duplicates as dup

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "item_pairs.json"
POSITIVE = frozenset({"duplicate", "overlap"})
SPLITS = ("tune", "holdout")


@dataclass(frozen=True)
class Pair:
    proposal: dup.ItemText
    existing: dup.ItemText
    label: str
    split: str


@dataclass(frozen=True)
class Figures:
    """What one split achieves at one threshold."""

    split: str
    pairs: int
    duplicates: int
    duplicates_found: int
    overlaps: int
    overlaps_found: int
    unrelated: int
    unrelated_flagged: int
    unrelated_flagged_same: int  # with the target and period of the paired item

    @property
    def recall(self) -> float:
        positives = self.duplicates + self.overlaps
        return (self.duplicates_found + self.overlaps_found) / positives if positives else 1.0

    @property
    def duplicate_recall(self) -> float:
        return self.duplicates_found / self.duplicates if self.duplicates else 1.0

    @property
    def precision(self) -> float:
        tp = self.duplicates_found + self.overlaps_found
        return tp / (tp + self.unrelated_flagged) if tp else 0.0

    @property
    def fp_rate(self) -> float:
        return self.unrelated_flagged / self.unrelated if self.unrelated else 0.0

    @property
    def fp_rate_same(self) -> float:
        return self.unrelated_flagged_same / self.unrelated if self.unrelated else 0.0

    def line(self) -> str:
        return (
            f"{self.split:8} {self.pairs:4} pairs | precision {self.precision:.3f} "
            f"recall {self.recall:.3f} (duplicates {self.duplicates_found}/{self.duplicates}, "
            f"overlaps {self.overlaps_found}/{self.overlaps}) | unrelated flagged "
            f"{self.unrelated_flagged}/{self.unrelated} = {self.fp_rate:.3f}, same target and "
            f"period {self.unrelated_flagged_same}/{self.unrelated} = {self.fp_rate_same:.3f}"
        )


def load_pairs(path: Path = DATA) -> list[Pair]:
    data = json.loads(path.read_text(encoding="utf-8"))
    catalog = {k: dup.ItemText.of(v) for k, v in data["catalog"].items()}
    return [
        Pair(dup.ItemText.of(p["proposal"]), catalog[p["existing"]], p["label"], p["split"])
        for p in data["pairs"]
    ]


def same_target_and_period(pair: Pair) -> dup.ItemText:
    return dataclasses.replace(
        pair.proposal, target=pair.existing.target, period=pair.existing.period
    )


def flagged(proposal: dup.ItemText, existing: dup.ItemText, threshold: float) -> bool:
    return dup.score(proposal, existing).score >= threshold


def figures(pairs: list[Pair], split: str, threshold: float = dup.THRESHOLD) -> Figures:
    chosen = [p for p in pairs if split in (p.split, "all")]
    hits = [flagged(p.proposal, p.existing, threshold) for p in chosen]
    same = [
        flagged(same_target_and_period(p), p.existing, threshold) if p.label == "unrelated"
        else False
        for p in chosen
    ]

    def count(label: str, marks: list[bool] | None = None) -> int:
        return sum(1 for p, m in zip(chosen, marks or [True] * len(chosen), strict=True)
                   if p.label == label and m)

    return Figures(
        split, len(chosen), count("duplicate"), count("duplicate", hits), count("overlap"),
        count("overlap", hits), count("unrelated"), count("unrelated", hits),
        count("unrelated", same),
    )


def misses(pairs: list[Pair], split: str, threshold: float) -> list[str]:
    out = []
    for p in pairs:
        if p.split != split:
            continue
        proposal = same_target_and_period(p) if p.label == "unrelated" else p.proposal
        s = dup.score(proposal, p.existing)
        if (s.score >= threshold) != (p.label in POSITIVE):
            out.append(f"{p.label:9} {s.score:.3f} {p.proposal.name} / {p.existing.name} "
                       f"(name {s.name_score:.2f} content {s.content_score:.2f})")
    return out


WORDS = Path(__file__).resolve().parent.parent / "workflows" / "catalog" / "duplicate_words.py"
WORDS_HEADER = '''"""Reference document frequencies of the words of assessment items, for the
IDF weights of the duplicate check (workflows/catalog/duplicates.py): in how many of
REFERENCE_DOCUMENTS texts (name and content of each catalog item and of each tune-split
proposal of tests/data/item_pairs.json; never the holdout split) each word occurs, for the
words in at least two. Generated by `python bench/duplicates_report.py --write-words`: do not edit.
"""

from __future__ import annotations

'''


def reference_texts(path: Path = DATA) -> list[str]:
    """The catalog items and the tune split's proposals (never the holdout's)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    items = [dup.ItemText.of(v) for v in data["catalog"].values()]
    items += [dup.ItemText.of(p["proposal"]) for p in data["pairs"] if p["split"] == "tune"]
    return [i.text for i in items]


def write_words(path: Path = WORDS) -> None:
    texts = reference_texts()
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(dup.terms(text)))
    kept = sorted(((w, n) for w, n in df.items() if n >= 2), key=lambda p: (-p[1], p[0]))
    lines, line = [], ""
    for w, n in kept:
        piece = f"{w}:{n}"
        if len(line) + len(piece) + 1 > 44:
            lines.append(line)
            line = ""
        line = f"{line} {piece}".strip()
    lines.append(line)
    body = "\n".join(f"    {line!r}," for line in lines)
    path.write_text(
        WORDS_HEADER + f"REFERENCE_DOCUMENTS = {len(texts)}\n_PAIRS = (\n{body}\n)\n"
        "DOCUMENT_FREQUENCY: dict[str, int] = {\n"
        "    word: int(n) for word, n in (p.split(\":\") for p in \" \".join(_PAIRS).split())\n"
        "}\n",
        encoding="utf-8",
    )
    print(f"{path}: {len(kept)} words over {len(texts)} texts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=dup.THRESHOLD)
    parser.add_argument("--misses", choices=SPLITS)
    parser.add_argument("--write-words", action="store_true")
    args = parser.parse_args()
    if args.write_words:
        write_words()
        return
    pairs = load_pairs()
    print(f"threshold {args.threshold}")
    for split in (*SPLITS, "all"):
        print(figures(pairs, split, args.threshold).line())
    if args.misses:
        print("\n".join(misses(pairs, args.misses, args.threshold)))


if __name__ == "__main__":
    main()
