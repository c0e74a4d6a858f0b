"""The content hash of a form schema: what validates the input, not how it is written.

Recorded with every task completion (`forms.schema_hash`), so that an auditor can tell
whether the form that validated an old completion is still the one in force
(`workflows.supervision.audit_trail`). Hashing the class's source made every comment, refactor or
presentation hint (a widget in a field's metadata) look like a changed form; this hashes a
normalized description instead:

- each declared field, by name: its type, required / allow_none, the default (a callable
  by its name), its validators (marshmallow's own by their repr, which lists every
  parameter; a plain function by its name and the hash of its source), and the inner field
  of a List or the schema of a Nested, recursively;
- the unknown-field policy;
- every hook (pre_load, validates_schema, ...) by its name and the hash of its source.

Field metadata (labels, widgets) is left out: it changes how the form looks, not what it
accepts.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from typing import Any

from marshmallow import Schema, fields, validate


def _source_hash(obj: Any) -> str:
    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError):
        return repr(obj)
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def _callable(obj: Any) -> str:
    name = getattr(obj, "__qualname__", type(obj).__name__)
    return f"{name}:{_source_hash(obj)}"


def _validator(v: Any) -> str:
    return repr(v) if isinstance(v, validate.Validator) else _callable(v)


def _default(value: Any) -> str:
    if callable(value):
        return f"callable {getattr(value, '__qualname__', type(value).__name__)}"
    return repr(value)


def _field(f: fields.Field[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": type(f).__name__,
        "required": f.required,
        "allow_none": f.allow_none,
        "default": _default(f.load_default),
        "validators": [_validator(v) for v in f.validators],
    }
    if isinstance(f, fields.List):
        out["inner"] = _field(f.inner)
    if isinstance(f, fields.Nested):
        nested = f.nested
        out["nested"] = describe(nested if isinstance(nested, type) else type(f.schema))
    return out


def describe(schema: type[Schema]) -> dict[str, Any]:
    hooks = getattr(schema, "_hooks", {})
    return {
        "fields": {name: _field(f) for name, f in sorted(schema._declared_fields.items())},
        "unknown": str(getattr(schema.Meta, "unknown", None)),
        "hooks": {tag: sorted(_callable(getattr(schema, attr)) for attr, *_ in entries)
                  for tag, entries in sorted(hooks.items())},
    }


def form_hash(schema: type[Schema]) -> str:
    text = json.dumps(describe(schema), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
