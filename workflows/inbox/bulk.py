"""Bulk claim and bulk decision from the inbox: each item is its own command (its own
transaction and event), so one conflict or refusal never stops the others; the result
lists every item's outcome.

A bulk decision is allowed only on tasks whose form schema declares `allows_bulk = True`;
the decision goes into the schema's one required choice field (e.g. `head_decision`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, validate
from sqlalchemy.orm import Session

from workflows.kernel import cases, forms
from workflows.kernel.access import Actor
from workflows.kernel.errors import CaseError, ValidationFailedError

MAX_ITEMS = 100
CLAIM, DECIDE = "claim", "decide"


@dataclass(frozen=True)
class BulkItem:
    case_id: int
    task_uuid: str


@dataclass(frozen=True)
class ItemResult:
    case_id: int
    task_uuid: str
    ok: bool
    status: int  # 200 or the error's HTTP status
    message: str  # "" or the error message (English; translated when shown)
    fields: dict[str, list[str]]


def decision_field(schema: type[Schema]) -> str | None:
    """The one required choice of a bulk-capable schema (None when it has none)."""
    if not getattr(schema, "allows_bulk", False):
        return None
    required = [(name, f) for name, f in schema().fields.items() if f.required]
    if len(required) != 1:
        return None
    name, field = required[0]
    if not any(isinstance(v, validate.OneOf) for v in field.validators):
        return None
    return name


def _decide(session: Session, actor: Actor, item: BulkItem, decision: str,
            comment: str) -> None:
    case, state = cases.get_case(session, actor, item.case_id)
    task = cases._open_task(state, item.task_uuid)
    schema = forms.form_schema(case.case_type, task.task_id)
    name = decision_field(schema) if schema is not None else None
    if schema is None or name is None:
        raise ValidationFailedError({"decision": ["this task does not allow bulk decisions"]})
    fields: dict[str, Any] = {name: decision}
    if comment and "comment" in schema().fields:
        fields["comment"] = comment
    cases.complete_task(session, actor, item.case_id, item.task_uuid, fields)


def run_bulk(
    session: Session,
    actor: Actor,
    action: str,
    items: Sequence[BulkItem],
    *,
    decision: str = "",
    comment: str = "",
) -> list[ItemResult]:
    """Claim, or decide, every item in turn; one result per item, in order."""
    if action not in (CLAIM, DECIDE):
        raise ValidationFailedError({"action": [f"Must be one of: {CLAIM}, {DECIDE}."]})
    if not items:
        raise ValidationFailedError({"tasks": ["select at least one task"]})
    if len(items) > MAX_ITEMS:
        raise ValidationFailedError({"tasks": [f"at most {MAX_ITEMS} tasks at once"]})
    if action == DECIDE and not decision:
        raise ValidationFailedError({"decision": ["Missing data for required field."]})
    results: list[ItemResult] = []
    for item in dict.fromkeys(items):  # each task once, in the order given
        try:
            if action == CLAIM:
                cases.claim_task(session, actor, item.case_id, item.task_uuid)
            else:
                _decide(session, actor, item, decision, comment)
        except CaseError as err:
            session.rollback()
            fields = err.fields if isinstance(err, ValidationFailedError) else {}
            results.append(ItemResult(item.case_id, item.task_uuid, False, err.status,
                                      str(err), fields))
        else:
            results.append(ItemResult(item.case_id, item.task_uuid, True, 200, "", {}))
    return results
