"""The inbox's query parameters: tab, filters and search, parsed from plain strings (a URL
query, an API call, a saved filter) with errors naming the parameter at fault."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from workflows.kernel.errors import ValidationFailedError

ALL, MINE, GROUPS, FOLLOWING = "all", "mine", "groups", "following"
DONE = "done"  # the tasks the actor completed (workflows.inbox.done): no open task matches
TEAM = "team"  # a unit head's: the open tasks of the units the head heads, to reassign
TABS = (ALL, MINE, GROUPS, FOLLOWING, TEAM, DONE)
OVERDUE, TODAY, WEEK = "overdue", "today", "week"
DUE_CHOICES = (OVERDUE, TODAY, WEEK)
MAX_TEXT = 100  # characters of a search or a code parameter
MAX_ID = 2**31 - 1
TEXT_PARAMS = ("process", "task", "status", "category", "q")
ID_PARAMS = ("town", "village", "unit")


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows: one tab, narrowed by filters and a search (empty = any)."""

    tab: str = ALL
    process: str = ""
    task: str = ""
    status: str = ""
    due: str = ""
    town: int | None = None
    village: int | None = None
    unit: int | None = None
    category: str = ""
    q: str = ""

    def params(self) -> dict[str, str]:
        """The non-default parameters as strings (a URL query or a saved filter)."""
        default = InboxFilter()
        return {k: str(v) for k, v in asdict(self).items() if v != getattr(default, k)}

    def narrowed(self) -> bool:
        """True when anything but the tab is set."""
        return any(k != "tab" for k in self.params())


NAMES = tuple(f.name for f in fields(InboxFilter))


def parse_filter(params: Mapping[str, str]) -> InboxFilter:
    """An InboxFilter from string parameters; other keys are ignored.

    :raise ValidationFailedError: naming each bad parameter
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}
    tab = (params.get("tab") or ALL).strip()
    if tab not in TABS:
        errors["tab"] = [f"Must be one of: {', '.join(TABS)}."]
    values["tab"] = tab
    due = (params.get("due") or "").strip()
    if due and due not in DUE_CHOICES:
        errors["due"] = [f"Must be one of: {', '.join(DUE_CHOICES)}."]
    values["due"] = due
    for name in TEXT_PARAMS:
        text = " ".join((params.get(name) or "").replace("\x00", "").split())
        if len(text) > MAX_TEXT:
            errors[name] = [f"Longer than maximum length {MAX_TEXT}."]
        values[name] = text
    for name in ID_PARAMS:
        raw = (params.get(name) or "").strip()
        if not raw:
            values[name] = None
        elif len(raw) <= 10 and raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ID:
            values[name] = int(raw)
        else:
            errors[name] = ["Not a valid integer."]
    if errors:
        raise ValidationFailedError(errors)
    return InboxFilter(**values)  # type: ignore[arg-type]
