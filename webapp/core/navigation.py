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


# The staff menu's feature entries: a feature adds its page (endpoint, label msgid, element
# id, who sees it) and the base template lists those the signed-in actor may open.
MenuVisible = Callable[[object], bool]
_menu: list[tuple[str, str, str, MenuVisible]] = []


def add_menu_item(endpoint: str, label: str, item_id: str, visible: MenuVisible) -> None:
    """Register a staff menu entry (once per endpoint; the label is a catalog msgid)."""
    if all(e != endpoint for e, _l, _i, _v in _menu):
        _menu.append((endpoint, label, item_id, visible))


def menu_items(actor: object) -> list[tuple[str, str, str]]:
    """(url, label msgid, element id) of the registered entries `actor` may open."""
    if actor is None:
        return []
    return [(url_for(endpoint), label, item_id)
            for endpoint, label, item_id, visible in _menu if visible(actor)]
