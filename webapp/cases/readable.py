"""Case values as a person reads them (issue 18, item 2): units and villages by name, moments
in local time to the minute (no UTC, no microseconds), lists as lists, empty lists as "—",
files as "file, kind, size", and any other record as "label: value" pairs, never JSON.

`readable(name, value, users)` is a template global (registered by the cases blueprint);
templates/_show.html draws a string as text and a list as a list."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import g
from flask_babel import format_datetime, gettext

from webapp.core import i18n
from webapp.core.db import get_session
from webapp.core.lookups import unit_names

# Fields holding an org unit's id.
UNIT_FIELDS = frozenset({"town_id", "village_id", "responsible_unit_id", "owner_unit_id",
                         "org_unit_id", "scope_org_unit_id"})
USER_FIELDS = frozenset({"claimant_id", "user_id", "on_behalf_of", "substitute_id"})
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
KIB = 1024

Shown = str | list[str]


def _unit(unit_id: int) -> str:
    cache: dict[int, str] = g.setdefault("readable_units", {})
    if unit_id not in cache:
        cache.update(unit_names(get_session(), [unit_id]))
    return cache.get(unit_id, str(unit_id))


def _moment(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return str(format_datetime(moment, "yyyy-MM-dd HH:mm"))


def _file(record: dict[str, Any]) -> str:
    size = record.get("size")
    kib = f"{int(size) / KIB:.1f} KiB" if isinstance(size, int | float) else ""
    return " · ".join(p for p in (gettext("File"), str(record.get("mime") or ""), kib) if p)


def _is_unit(name: str) -> bool:
    return name in UNIT_FIELDS or name.endswith("_unit_id")


def text(name: str, value: Any, users: dict[int, str]) -> str:
    """One value as one line of text."""
    shown = readable(name, value, users)
    return shown if isinstance(shown, str) else "、".join(shown)


def readable(name: str, value: Any, users: dict[int, str] | None = None) -> Shown:
    """`value` of the field `name` as text, or as a list of texts for a list."""
    users = users or {}
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value is True or value is False:
        return str(gettext("Yes") if value else gettext("No"))
    if name in i18n.VALUE_FORMATS:
        return str(i18n.VALUE_FORMATS[name](value))
    if isinstance(value, int) and _is_unit(name):
        return _unit(value)
    if isinstance(value, int) and name in USER_FIELDS:
        return users.get(value, str(value))
    if isinstance(value, list | tuple):
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value) and (
                _is_unit(name) or name.endswith("_ids") or name in ("villages", "towns")):
            return [_unit(v) for v in value]
        return [text(name, v, users) for v in value]
    if isinstance(value, dict):
        if "mime" in value and "size" in value:
            return _file(value)
        return "；".join(f"{i18n.field_label(k)}：{text(str(k), v, users)}"
                        for k, v in value.items())
    if isinstance(value, str):
        if MOMENT.match(value):
            return _moment(value)
        return i18n.field_choice_label(value, name)
    return str(value)
