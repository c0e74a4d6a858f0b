"""Task form schemas: each BPMN user task (and each process start) maps to a marshmallow
schema; unknown keys are refused, not ignored (DESIGN §2 step 3).

The tables below are filled by the features (`workflows.kernel.registry`): the kernel knows
which form validates which task only once `workflows.features.install` has run. The shared
building blocks (`StrictSchema`, the head's sign-off) live here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflows.kernel import form_hash
from workflows.kernel.errors import ValidationFailedError


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def _reason_needed(data: dict[str, Any], decision_field: str, approve: str = "approve") -> None:
    """Refuse a decision other than `approve` without a comment saying why."""
    if data.get(decision_field) != approve and not (data.get("comment") or "").strip():
        raise ValidationError("a reason is required when not approving", "comment")


class SignOffSchema(StrictSchema):
    """The unit head's sign-off, shared by the approval processes."""

    head_decision = fields.String(required=True, validate=validate.OneOf(["approve", "return"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    allows_bulk = True

    @validates_schema
    def reason(self, data: dict[str, Any], **_: Any) -> None:
        _reason_needed(data, "head_decision")


# Public name of the check (the schemas' hooks call it by the name above: a hook's source is
# part of its form's hash, `workflows.kernel.form_hash`).
reason_needed = _reason_needed

TaskCheck = Callable[[dict[str, Any], dict[str, Any]], None]
# Each process's start form, by process id.
START_FORMS: dict[str, type[Schema]] = {}
# Processes the public (or a sampling draw) starts through their own service, never a clerk
# through cases.start_case or the staff "new case" page.
PUBLIC_STARTS: set[str] = set()
# Each user task's form, by (process id, task id).
TASK_FORMS: dict[tuple[str, str], type[Schema]] = {}
# Checks that need the case data as well as the form: called with (validated fields, case
# data); they raise marshmallow ValidationError naming the field.
TASK_CHECKS: dict[tuple[str, str], TaskCheck] = {}


def register_process(
    process_id: str,
    *,
    start: type[Schema] | None = None,
    tasks: dict[str, type[Schema]] | None = None,
    checks: dict[str, TaskCheck] | None = None,
    public: bool = False,
) -> None:
    """What a feature registers for one process: its start form, its task forms, the
    checks that need the case data, and whether only its own service starts it."""
    if start is not None:
        START_FORMS[process_id] = start
    for task_id, schema in (tasks or {}).items():
        TASK_FORMS[(process_id, task_id)] = schema
    for task_id, check in (checks or {}).items():
        TASK_CHECKS[(process_id, task_id)] = check
    if public:
        PUBLIC_STARTS.add(process_id)


def register_task_forms(table: Mapping[tuple[str, str], type[Schema]]) -> None:
    """Task forms of one or more processes, keyed by (process id, task id)."""
    TASK_FORMS.update(table)


def _flat(messages: Any) -> list[str]:
    """The messages of one field; a list field's are keyed by position ({0: [...]}), a nested
    schema's by its fields: flattened, each once, so the form shows them by the field."""
    if isinstance(messages, dict):
        found = [m for v in messages.values() for m in _flat(v)]
        return list(dict.fromkeys(found))
    if isinstance(messages, list):
        return [m for v in messages for m in _flat(v)]
    return [str(messages)]


def _failed(err: ValidationError) -> ValidationFailedError:
    # A check's error is keyed by its field_name; a schema's errors are already a dict.
    messages: Any = err.normalized_messages()  # type: ignore[no-untyped-call]
    return ValidationFailedError({str(k): _flat(v) for k, v in messages.items()})


def _load(schema_cls: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = schema_cls().load(data)
    except ValidationError as err:
        raise _failed(err) from err
    return loaded


def validate_start(process_id: str, data: dict[str, Any]) -> dict[str, Any]:
    schema = START_FORMS.get(process_id)
    if schema is None:
        raise ValidationFailedError({"process_id": [f"unknown process {process_id}"]})
    return _load(schema, data)


def validate_task(
    process_id: str,
    task_id: str,
    data: dict[str, Any],
    case_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The validated fields of a task form; `case_data` (the case's current data) lets a
    check in TASK_CHECKS refuse what the form alone cannot see (e.g. a second extension)."""
    schema = TASK_FORMS.get((process_id, task_id))
    if schema is None:
        raise ValidationFailedError({"task": [f"no form registered for {task_id}"]})
    loaded = _load(schema, data)
    check = TASK_CHECKS.get((process_id, task_id))
    if check is not None:
        try:
            check(loaded, case_data or {})
        except ValidationError as err:
            raise _failed(err) from err
    return loaded


def form_schema(process_id: str, task_id: str) -> type[Schema] | None:
    return TASK_FORMS.get((process_id, task_id))


def schema_hash(process_id: str, task_id: str) -> str | None:
    """The content hash of a task's form schema (`workflows.kernel.form_hash`), recorded with every
    completion so an auditor can tell which form validated it."""
    schema = form_schema(process_id, task_id)
    return None if schema is None else form_hash.form_hash(schema)
