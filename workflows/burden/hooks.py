"""The burden estimate plugs into the draft of every gated request (docs/burden_estimate.md).

Each gated process's draft task already has the feature's own task-input hook (villages
resolved, checks); `register` wraps it so that, after the feature's hook, the command adds
`burden_estimate` to the task data recorded in the event. So this feature must be installed
after the features it wraps (`workflows.features.FEATURES` lists it last).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models import Case
from workflows.burden import estimate, fields_held
from workflows.burden.fields_held import FieldsHeld
from workflows.kernel import registry
from workflows.kernel.ids import AppTask, InspectionTask, MeetingTask, ProcessId, ReportFormTask
from workflows.kernel.registry import TaskInputHook
from workflows.kernel.state import CaseState
from workflows.report_forms import burden as report_form_burden

Estimator = Callable[[Session, dict[str, Any], date, int | None], dict[str, Any]]
KEY = "burden_estimate"
# (process, its draft task) -> how its estimate is computed.
GATED: dict[tuple[str, str], Estimator] = {
    (ProcessId.INSPECTION_REQUEST, InspectionTask.DRAFT_REQUEST): estimate.for_inspection,
    (ProcessId.MEETING_REQUEST, MeetingTask.DRAFT_MEETING): estimate.for_meeting,
    (ProcessId.REPORT_FORM_APPROVAL, ReportFormTask.DRAFT_FORM): estimate.for_form,
    (ProcessId.APP_REQUEST, AppTask.DRAFT_APP): estimate.for_app,
}
PROCESSES = frozenset(str(p) for p, _ in GATED)


def with_estimate(inner: TaskInputHook | None, estimator: Estimator) -> TaskInputHook:
    def hook(session: Session, case: Case, state: CaseState,
             data: dict[str, Any]) -> dict[str, Any]:
        out = inner(session, case, state, data) if inner is not None else dict(data)
        merged = {**state.data, **out}
        today = estimate.local_today(registry.command_now())
        return {**out, KEY: estimator(session, merged, today, case.id)}

    hook.__wrapped__ = inner  # type: ignore[attr-defined]
    return hook


def _report_form_fields(_session: Session, data: dict[str, Any]) -> FieldsHeld | None:
    """The report form feature's count of a proposal's fields already held (its field check
    recorded at the draft: mapped to an indicator, or found already held)."""
    held, total = report_form_burden.fields_already_held(data)
    return FieldsHeld(total, held, "report_forms") if total else None


def register() -> None:
    fields_held.provide(_report_form_fields)
    for (process, task), estimator in GATED.items():
        key = (str(process), str(task))
        inner = registry.TASK_INPUT_HOOKS.get(key)
        if getattr(inner, "__wrapped__", False) is not False:
            continue  # already wrapped (install is idempotent)
        registry.add_task_input_hook(key[0], key[1], with_estimate(inner, estimator))
