"""Duplicate and overlap check of a proposed assessment item against the active catalog.

Text: jieba segments names and contents (`workflows.kernel.similarity.tokens`), the words every
item uses ("考核", "检查", "村级" ...) are dropped, and what is left is compared three ways:
the names, the names with contents (word overlap; rapidfuzz ratios of the word lists and of
the joined words, which catch rewordings jieba segments differently), and containment: how
many of one item's name words the other item's text mentions (a proposal for "三会一课"
checks inside an existing Party-branch item that lists 三会一课 is a partial overlap).
Signals: the same target (villages / towns; "both" meets either) and an overlapping period
of the year. The weights and `THRESHOLD` were chosen on the labelled pairs in
tests/data/item_pairs.json (tests/unit/test_catalog_item_duplicates.py holds the bar).

The check runs in the command layer (the unit head's sign-off): its result is recorded in
the event as task data, so the engine never reads the catalog and replay stays exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AssessmentItem, AssessmentItemVersion, ItemStatus
from workflows.catalog.forms import PERIOD_MONTHS
from workflows.kernel.similarity import tokens

# Chosen on the labelled set: every score at or above it is a likely duplicate or overlap.
THRESHOLD = 0.32
TOP_MATCHES = 5
NAME_WEIGHT = 0.25
CONTENT_WEIGHT = 0.5
CONTAIN_WEIGHT = 0.25
TARGET_BONUS = 0.04
PERIOD_BONUS = 0.02
MAX_PASSAGES = 3
PASSAGE_FLOOR = 0.5

# Words nearly every assessment item uses: they say nothing about *what* is assessed.
_GENERIC_TEXT = (
    "考核 检查 评比 评选 考评 评估 评定 考察 抽查 排查 巡查 核查 专项 工作 情况 成效 效果 "
    "村级 各村 村 村内 村庄 农村 乡镇 乡村 城乡 居民 基层 落实 开展 进行 组织 实地 查阅 资料 "
    "台账 记录 规范 规范化 标准化 建设 管理 制度 推进 提升 按时 及时 是否 重点 相关 有关 "
    "数量 质量 完成 完成率 以上 每月 按月 每年 年度 季度 创建 示范 实施 执行 对象 人员 内容"
)
GENERIC_WORDS = frozenset(_GENERIC_TEXT.split())
_CLAUSE = re.compile(r"[，。；;,.!?！？\n]+")


@dataclass(frozen=True)
class ItemText:
    """What the check compares of an item (a proposal or a catalog row)."""

    name: str
    content: str
    target: str = ""
    frequency: str = ""
    period: str = ""

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> ItemText:
        return cls(
            str(data.get("name") or ""),
            str(data.get("content") or ""),
            str(data.get("target") or ""),
            str(data.get("frequency") or ""),
            str(data.get("period") or ""),
        )


@dataclass(frozen=True)
class Passage:
    proposal: str
    existing: str
    score: float


@dataclass(frozen=True)
class Score:
    score: float
    name_score: float
    content_score: float
    contained: float
    same_target: bool
    same_period: bool


@dataclass(frozen=True)
class Match:
    """One catalog item the proposal resembles, with why."""

    item_id: int
    code: str
    name: str
    owner_unit_id: int
    score: float
    name_score: float
    content_score: float
    same_target: bool
    same_period: bool
    shared_words: list[str]
    passages: list[Passage]
    likely: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def terms(text: str) -> tuple[str, ...]:
    """The words of `text` that say what is assessed (jieba words minus generic ones)."""
    return tuple(w for w in tokens(text) if w not in GENERIC_WORDS)


def _text_similarity(a: str, b: str) -> float:
    """0..1: word overlap (of the shorter text) and fuzzy ratios of words and raw text."""
    ta, tb = terms(a), terms(b)
    if not ta or not tb:
        return 0.0
    sa, sb = set(ta), set(tb)
    overlap = len(sa & sb) / min(len(sa), len(sb))
    dice = 2 * len(sa & sb) / (len(sa) + len(sb))
    words = fuzz.token_sort_ratio(" ".join(ta), " ".join(tb)) / 100.0
    chars = fuzz.ratio("".join(ta), "".join(tb)) / 100.0
    return max(0.5 * overlap + 0.5 * dice, 0.5 * words + 0.5 * chars)


def _contained(a: ItemText, b: ItemText) -> float:
    """0..1: the larger share of one item's name words that the other's text mentions."""

    def share(x: ItemText, y: ItemText) -> float:
        words = set(terms(x.name))
        text = f"{y.name}{y.content}"
        return sum(1 for w in words if w in text) / len(words) if words else 0.0

    return max(share(a, b), share(b, a))


def _targets_meet(a: str, b: str) -> bool:
    return bool(a and b) and (a == b or "both" in (a, b))


def _periods_meet(a: str, b: str) -> bool:
    return bool(PERIOD_MONTHS.get(a, frozenset()) & PERIOD_MONTHS.get(b, frozenset()))


def score(proposal: ItemText, existing: ItemText) -> Score:
    """How likely `proposal` assesses what `existing` already does (0..1, capped)."""
    name_score = _text_similarity(proposal.name, existing.name)
    content_score = _text_similarity(
        f"{proposal.name}。{proposal.content}", f"{existing.name}。{existing.content}"
    )
    contained = _contained(proposal, existing)
    same_target = _targets_meet(proposal.target, existing.target)
    same_period = _periods_meet(proposal.period, existing.period)
    total = NAME_WEIGHT * name_score + CONTENT_WEIGHT * content_score + CONTAIN_WEIGHT * contained
    if total > 0:
        total += TARGET_BONUS * same_target + PERIOD_BONUS * same_period
    return Score(round(min(total, 1.0), 4), round(name_score, 4), round(content_score, 4),
                 round(contained, 4), same_target, same_period)


def shared_terms(a: str, b: str, limit: int = 8) -> list[str]:
    """Meaningful words both texts use, longest first."""
    common = set(terms(a)) & set(terms(b))
    return sorted(common, key=lambda w: (-len(w), w))[:limit]


def passages(a: str, b: str, limit: int = MAX_PASSAGES) -> list[Passage]:
    """The clause pairs of the two contents that say the most alike things."""
    clauses_a = [c.strip() for c in _CLAUSE.split(a) if len(c.strip()) >= 4]
    clauses_b = [c.strip() for c in _CLAUSE.split(b) if len(c.strip()) >= 4]
    found = []
    for ca in clauses_a:
        best = max(
            ((_text_similarity(ca, cb), cb) for cb in clauses_b), default=(0.0, ""),
            key=lambda pair: pair[0],
        )
        if best[0] >= PASSAGE_FLOOR:
            found.append(Passage(ca, best[1], round(best[0], 4)))
    found.sort(key=lambda p: (-p.score, p.proposal))
    return found[:limit]


@dataclass(frozen=True)
class CatalogEntry:
    item_id: int
    code: str
    owner_unit_id: int
    text: ItemText


def match(proposal: ItemText, entry: CatalogEntry, threshold: float = THRESHOLD) -> Match:
    s = score(proposal, entry.text)
    return Match(
        entry.item_id,
        entry.code,
        entry.text.name,
        entry.owner_unit_id,
        s.score,
        s.name_score,
        s.content_score,
        s.same_target,
        s.same_period,
        shared_terms(f"{proposal.name} {proposal.content}",
                     f"{entry.text.name} {entry.text.content}"),
        passages(proposal.content, entry.text.content),
        s.score >= threshold,
    )


def top_matches(
    proposal: ItemText,
    entries: Iterable[CatalogEntry],
    *,
    exclude_item_id: int | None = None,
    limit: int = TOP_MATCHES,
) -> list[Match]:
    """The `limit` best-scoring catalog items (any score above 0), best first."""
    scored = [
        match(proposal, e) for e in entries if e.item_id != exclude_item_id
    ]
    scored = [m for m in scored if m.score > 0]
    scored.sort(key=lambda m: (-m.score, m.item_id))
    return scored[:limit]


def active_entries(session: Session) -> list[CatalogEntry]:
    """Every active item of every department, as its current version says."""
    rows = session.execute(
        select(AssessmentItem, AssessmentItemVersion)
        .join(
            AssessmentItemVersion,
            (AssessmentItemVersion.item_id == AssessmentItem.id)
            & (AssessmentItemVersion.version == AssessmentItem.current_version),
        )
        .where(AssessmentItem.status == ItemStatus.ACTIVE)
        .order_by(AssessmentItem.id)
    )
    return [
        CatalogEntry(
            item.id,
            item.code,
            item.owner_unit_id,
            ItemText(v.name, v.content, v.target, v.frequency, v.period),
        )
        for item, v in rows
    ]


def check(
    session: Session, proposal: Mapping[str, Any], exclude_item_id: int | None = None
) -> dict[str, Any]:
    """The check as the sign-off records it: threshold and top matches (plain data)."""
    entries = [e for e in active_entries(session) if e.item_id != exclude_item_id]
    found = top_matches(ItemText.of(proposal), entries)
    return {
        "threshold": THRESHOLD,
        "compared": len(entries),
        "matches": [m.as_dict() for m in found],
    }
