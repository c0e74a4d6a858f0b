"""Chinese text similarity for "is this the same thing again?" checks: jieba segments the
text, rapidfuzz scores the token sets. Used for similar complaints at intake (and meant for
the assessment-item duplicate check)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
from rapidfuzz import fuzz

jieba.setLogLevel(logging.WARNING)

# Words that carry no meaning for "same complaint?" (particles, filler verbs).
_STOP_TEXT = (
    "的 了 和 与 及 或 在 是 有 也 都 就 又 还 被 把 让 给 对 向 从 这 那 这个 那个 一个 我们 "
    "他们 我 你 他 她 它 要 要求 进行 一些 很多 每 每个 个 次 里 上 下 中 等"
)
STOPWORDS = frozenset(_STOP_TEXT.split(" "))
_WORD = re.compile(r"\w", re.UNICODE)


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    """Meaningful words of `text` (segmented by jieba, stopwords and punctuation dropped)."""
    words = (w.strip().lower() for w in jieba.cut(text or ""))
    return tuple(w for w in words if w and _WORD.search(w) and w not in STOPWORDS)


def text_score(a: str, b: str) -> float:
    """0..1: how much of the shorter text's words the other text also says."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    return float(fuzz.token_set_ratio(" ".join(ta), " ".join(tb))) / 100.0


def shared_words(a: str, b: str, limit: int = 8) -> list[str]:
    """Words both texts use, longest first: the passages a reviewer should compare."""
    common = set(tokens(a)) & set(tokens(b))
    return sorted(common, key=lambda w: (-len(w), w))[:limit]
