"""HTML forms generated from the marshmallow schemas of `workflows.forms`.

String -> text input (textarea when long) or select for OneOf, Integer -> number,
Boolean -> checkbox. Parsing turns the posted form back into the JSON-like dict the
schema validates; the schema itself stays the one place that decides what is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict

TEXTAREA_FROM = 500  # a String allowed to be longer than this renders as a textarea


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text | textarea | select | number | checkbox
    required: bool
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None


def _validators(field: fields.Field[Any]) -> list[Any]:
    return list(getattr(field, "validators", []) or [])


def _spec(name: str, field: fields.Field[Any]) -> FieldSpec:
    required = bool(field.required)
    checks = _validators(field)
    if isinstance(field, fields.Boolean):
        return FieldSpec(name, "checkbox", False)
    if isinstance(field, fields.Integer):
        ranges = [v for v in checks if isinstance(v, validate.Range)]
        low = ranges[0].min if ranges else None
        high = ranges[0].max if ranges else None
        return FieldSpec(name, "number", required, min=low, max=high)
    one_of = [v for v in checks if isinstance(v, validate.OneOf)]
    if one_of:
        return FieldSpec(name, "select", required, tuple(str(c) for c in one_of[0].choices))
    lengths = [v for v in checks if isinstance(v, validate.Length)]
    high = lengths[0].max if lengths else None
    low = lengths[0].min if lengths else None
    kind = "textarea" if high is None or high > TEXTAREA_FROM else "text"
    return FieldSpec(name, kind, required, min=low, max=high)


def field_specs(schema_cls: type[Schema]) -> list[FieldSpec]:
    """The form fields of a schema, in declaration order."""
    return [_spec(name, field) for name, field in schema_cls().fields.items()
            if not field.dump_only]


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
        value = form.get(spec.name)
        if value is None or not value.strip():
            continue
        data[spec.name] = value.strip() if spec.kind in ("number", "select") else value
    return data


def initial_values(specs: list[FieldSpec], data: dict[str, Any]) -> dict[str, Any]:
    """Prefill a form from the case data (used when a returned draft is revised)."""
    return {s.name: data[s.name] for s in specs if s.name in data and data[s.name] is not None}
