"""HTML forms generated from the marshmallow schemas of `workflows.kernel.forms`.

String -> text input (textarea when long) or select for OneOf, Integer -> number,
Boolean -> checkbox, List -> a textarea (one entry per line), unless the field names a widget
in its metadata (`metadata={"widget": ...}`, see WIDGETS): the villages grouped by town
(with the whole-town boxes of a "towns" field beside it), the catalog items in force, or
material rows with an "already held" box; an Integer with the widget "scale" is a labelled
choice of each value of its range (radio buttons; the labels are `choice_label("<field>.<n>")`).
`webapp.core.pickers` supplies the pickers' choices. Parsing
turns the posted form back into the JSON-like dict the schema validates; the schema itself
stays the one place that decides what is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict

TEXTAREA_FROM = 500  # a String allowed to be longer than this renders as a textarea
# Widgets posting one value per ticked box (a list of ids), and the material rows.
CHECKLISTS = ("villages", "towns", "catalog_items")
MATERIALS = "materials"
SCALE = "scale"  # an Integer range as one labelled radio button per value
# An Integer naming an org unit: a choice of the units where somebody holds the field's
# metadata "role" (webapp.core.pickers), never a number to type.
UNIT = "unit"
WIDGETS = (*CHECKLISTS, MATERIALS)
ROW = re.compile(r"^(?P<field>[a-z_]+)-(?P<index>\d{1,3})-name$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    # text | textarea | select | number | checkbox | list (one entry per line) | a widget
    kind: str
    required: bool
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    # villages: the "towns" field whose whole-town boxes it draws; towns: the villages field
    # that draws them (the towns field then draws nothing itself).
    companion: str = ""
    # A number input's step: "" (whole numbers) or a Float's ("any", or its metadata "step").
    step: str = ""
    # Metadata "prefill": a decision form fills it from the case data (e.g. what the
    # complainant chose); other decision fields start empty.
    prefill: bool = False
    # A unit field's metadata "role": the role somebody must hold in a unit offered.
    role: str = ""


def _validators(field: fields.Field[Any]) -> list[Any]:
    return list(getattr(field, "validators", []) or [])


def _spec(name: str, field: fields.Field[Any]) -> FieldSpec:
    spec = _kind(name, field)
    if field.metadata.get("prefill"):
        spec = replace(spec, prefill=True)
    return spec


def _kind(name: str, field: fields.Field[Any]) -> FieldSpec:
    required = bool(field.required)
    checks = _validators(field)
    if isinstance(field, fields.List):
        widget = str(field.metadata.get("widget", ""))
        counts = [v for v in checks if isinstance(v, validate.Length)]
        most = counts[0].max if counts else None
        return FieldSpec(name, widget if widget in WIDGETS else "list", required, max=most)
    if isinstance(field, fields.Boolean):
        return FieldSpec(name, "checkbox", False)
    if isinstance(field, fields.Integer):
        ranges = [v for v in checks if isinstance(v, validate.Range)]
        low = ranges[0].min if ranges else None
        high = ranges[0].max if ranges else None
        if field.metadata.get("widget") == UNIT:
            return FieldSpec(name, UNIT, required, role=str(field.metadata.get("role", "")))
        if field.metadata.get("widget") == SCALE and low is not None and high is not None:
            steps = tuple(str(n) for n in range(int(low), int(high) + 1))
            return FieldSpec(name, SCALE, required, steps, min=low, max=high)
        return FieldSpec(name, "number", required, min=low, max=high)
    if isinstance(field, fields.Float):
        ranges = [v for v in checks if isinstance(v, validate.Range)]
        low = ranges[0].min if ranges else None
        high = ranges[0].max if ranges else None
        return FieldSpec(name, "number", required, min=low, max=high,
                         step=str(field.metadata.get("step", "any")))
    one_of = [v for v in checks if isinstance(v, validate.OneOf)]
    if one_of:
        return FieldSpec(name, "select", required, tuple(str(c) for c in one_of[0].choices))
    lengths = [v for v in checks if isinstance(v, validate.Length)]
    high = lengths[0].max if lengths else None
    low = lengths[0].min if lengths else None
    if lengths and lengths[0].equal is not None:  # e.g. a date, YYYY-MM-DD
        high = low = lengths[0].equal
    kind = "textarea" if high is None or high > TEXTAREA_FROM else "text"
    return FieldSpec(name, kind, required, min=low, max=high)


def field_specs(schema_cls: type[Schema]) -> list[FieldSpec]:
    """The form fields of a schema, in declaration order; a villages field and a towns field
    are paired (one picker)."""
    specs = [_spec(name, field) for name, field in schema_cls().fields.items()
             if not field.dump_only]
    villages = next((s for s in specs if s.kind == "villages"), None)
    towns = next((s for s in specs if s.kind == "towns"), None)
    if villages is None or towns is None:
        return specs
    paired = {villages.name: replace(villages, companion=towns.name),
              towns.name: replace(towns, companion=villages.name)}
    return [paired.get(s.name, s) for s in specs]


def decision_field(specs: list[FieldSpec]) -> FieldSpec | None:
    """The one required choice of a decision form (e.g. approve / return), if that is all
    the form requires."""
    required = [s for s in specs if s.required]
    if len(required) == 1 and required[0].kind == "select":
        return required[0]
    return None


def parse(specs: list[FieldSpec], form: MultiDict[str, str]) -> dict[str, Any]:
    """The posted values of the schema's fields; empty inputs are left out so the schema
    reports them as missing (or applies its default)."""
    data: dict[str, Any] = {}
    for spec in specs:
        if spec.kind == "checkbox":
            data[spec.name] = spec.name in form
            continue
        if spec.kind in CHECKLISTS:
            picked = [v.strip() for v in form.getlist(spec.name) if v.strip()]
            if picked:
                data[spec.name] = picked
            continue
        if spec.kind == MATERIALS and spec.name not in form:
            rows = material_rows(spec.name, form)
            if rows:
                data[spec.name] = rows
            continue
        value = form.get(spec.name)
        if value is None or not value.strip():
            continue
        data[spec.name] = (value.strip() if spec.kind in ("number", "select", SCALE, UNIT)
                           else value)
    return data


def material_rows(name: str, form: MultiDict[str, str]) -> list[dict[str, Any]]:
    """The filled rows of a materials widget (`name-N-name`, `name-N-held`), in row order;
    a row without a name is left out. (A materials field posted as text, one per line with
    "*" for already held, is passed on as text for the schema to split.)"""
    numbered = []
    for key in form:
        match = ROW.match(key)
        if match and match["field"] == name:
            numbered.append(int(match["index"]))
    rows = []
    for index in sorted(numbered):
        text = form.get(f"{name}-{index}-name", "").strip()
        if text:
            rows.append({"name": text, "already_held": f"{name}-{index}-held" in form})
    return rows


def initial_values(specs: list[FieldSpec], data: dict[str, Any],
                   decision: bool = False) -> dict[str, Any]:
    """Prefill a form from the case data (used when a returned draft is revised); a
    decision form only its "prefill" fields."""
    return {s.name: data[s.name] for s in specs
            if s.name in data and data[s.name] is not None and (s.prefill or not decision)}
