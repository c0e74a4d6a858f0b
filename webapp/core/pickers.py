"""What the form widgets of `webapp.core.schema_form` (WIDGETS) need to draw themselves: their
choices (from `webapp.core.lookups`) and what is ticked or filled now, whether the values come
from the case data (lists of ids, material dicts), from a re-shown post (lists of the posted
strings, material rows) or as text (ids separated by commas, materials one per line with
"*" in front when already held)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from webapp.core import lookups
from webapp.core.schema_form import FieldSpec

MIN_ROWS = 5  # material rows shown at least
FREE_ROWS = 3  # empty rows shown after the filled ones
MAX_ROWS = 50
SEPARATORS = re.compile(r"[,，、\s]+")


@dataclass(frozen=True)
class VillagePicker:
    """The towns with their villages; `villages_field` posts the villages ticked one by one,
    `towns_field` the whole towns ticked (either may be empty when the form lacks it)."""

    towns: list[lookups.TownChoice]
    villages_field: str
    towns_field: str
    villages: frozenset[str]
    whole_towns: frozenset[str]


@dataclass(frozen=True)
class ItemPicker:
    items: list[lookups.ItemChoice]
    chosen: frozenset[str]


@dataclass(frozen=True)
class UnitPicker:
    """The departments and the towns where somebody holds the field's role."""

    departments: list[tuple[int, str]]
    towns: list[tuple[int, str]]
    chosen: str


@dataclass(frozen=True)
class MaterialRow:
    name: str
    held: bool


def chosen(value: Any) -> frozenset[str]:
    """The ids in a value, as the strings the checkboxes carry."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        parts = SEPARATORS.split(value)
    elif isinstance(value, list | tuple | set | frozenset):
        parts = [str(v).strip() for v in value]
    else:
        parts = [str(value)]
    return frozenset(p for p in parts if p)


def _ids(values: frozenset[str]) -> list[int]:
    return sorted(int(v) for v in values if v.isdigit() and len(v) <= 9)


def material_rows(value: Any, most: int | None) -> list[MaterialRow]:
    """The filled rows, then empty ones to fill (at least MIN_ROWS in all)."""
    filled: list[MaterialRow] = []
    if isinstance(value, str):
        for line in (raw.strip() for raw in value.splitlines()):
            if line:
                filled.append(MaterialRow(line.lstrip("*").strip(), line.startswith("*")))
    elif isinstance(value, list):
        for entry in value:
            if isinstance(entry, dict):
                filled.append(MaterialRow(str(entry.get("name") or ""),
                                          bool(entry.get("already_held"))))
            elif entry:
                filled.append(MaterialRow(str(entry), False))
    limit = min(most or MAX_ROWS, MAX_ROWS)
    count = max(len(filled), min(max(MIN_ROWS, len(filled) + FREE_ROWS), limit))
    return filled + [MaterialRow("", False)] * (count - len(filled))


def build(session: Session, specs: list[FieldSpec], values: dict[str, Any]) -> dict[str, Any]:
    """The picker of each widget field, by field name (nothing is read for other forms)."""
    out: dict[str, Any] = {}
    for spec in specs:
        value = values.get(spec.name)
        if spec.kind == "villages" or (spec.kind == "towns" and not spec.companion):
            villages_field = spec.name if spec.kind == "villages" else ""
            towns_field = spec.companion if spec.kind == "villages" else spec.name
            out[spec.name] = VillagePicker(
                lookups.villages_by_town(session), villages_field, towns_field,
                chosen(value) if villages_field else frozenset(),
                chosen(values.get(towns_field)) if towns_field else frozenset())
        elif spec.kind == "catalog_items":
            ticked = chosen(value)
            out[spec.name] = ItemPicker(lookups.catalog_items(session, _ids(ticked)), ticked)
        elif spec.kind == "unit":
            units = lookups.units_with_role(session, spec.role)
            out[spec.name] = UnitPicker(units.departments, units.towns,
                                        "" if value is None else str(value).strip())
        elif spec.kind == "materials":
            out[spec.name] = material_rows(value, spec.max)
    return out
