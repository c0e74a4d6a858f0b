"""Where a staff page goes after a task's decision: the case pages ask, a feature answers.

The inbox registers its answer (back to the inbox view the task was opened from, or the page
the form names), so the case pages need not know the inbox; without one, the inbox page.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for

_after_decision: list[Callable[[], str]] = []


def after_decision_is(answer: Callable[[], str]) -> Callable[[], str]:
    """Register where to go after a decision (a decorator; the last one registered wins)."""
    _after_decision.append(answer)
    return answer


def after_decision() -> str:
    return _after_decision[-1]() if _after_decision else url_for("inbox.inbox")
