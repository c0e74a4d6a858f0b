"""The case engine: the ONLY module that imports SpiffWorkflow.

It parses process versions once (cached by content hash), runs commands on a workflow
restored from a snapshot that does not embed the spec, evaluates scripts and expressions
in a RestrictedPython sandbox with an allow-list of helpers, and pins what SpiffWorkflow
would otherwise take from randomness and the wall clock (task ids, state-change times,
timer "now") so that replaying the same inputs gives byte-identical snapshots.

Everything it returns is our own dataclasses; no SpiffWorkflow object leaves this module.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.engine.pinning import _pinned
from workflows.kernel.engine.prune import ENGINE_REV, REV_ATTR, finished_ids, prune, revision
from workflows.kernel.engine.sandbox import SCRIPT_ENGINE, _wrap_errors
from workflows.kernel.engine.specs import SERIALIZER, _properties, element_ids, parse, user_tasks
from workflows.kernel.engine.types import (
    SPIFF_VERSION,
    EngineResult,
    ProcessDefinition,
    ReadyTask,
    UserTaskSpec,
    WaitingTimer,
)
from workflows.kernel.errors import InvalidTransitionError, ProcessError

__all__ = [
    "ENGINE_REV",
    "SPIFF_VERSION",
    "EngineResult",
    "ProcessDefinition",
    "ReadyTask",
    "UserTaskSpec",
    "WaitingTimer",
    "complete_task",
    "element_ids",
    "inspect",
    "parse",
    "refresh_timers",
    "start",
    "user_tasks",
]


def _restore_order(wf: Any) -> None:
    """Give each task's data the key order a restore from the snapshot would give it.

    The snapshot stores a task's data as updates against its parent's; a restore rebuilds it
    as the parent's keys (in the parent's order) followed by the new keys. A live run can
    hold another order (e.g. a multi-instance child whose element variable was set before
    its subprocess copied the data), and then saving the restored workflow again would not
    give the same bytes. Parents come before children, so each sees its parent already fixed.
    """
    for w in [wf, *wf.subprocesses.values()]:
        stack = [w.task_tree]
        while stack:
            task = stack.pop()
            stack.extend(task.children)
            parent = task.parent
            if parent is None:
                continue
            ordered = {k: task.data[k] for k in parent.data if k in task.data}
            ordered.update({k: v for k, v in task.data.items() if k not in parent.data})
            if list(ordered) != list(task.data):
                task.data = ordered


def _dump(wf: Any) -> str:
    _restore_order(wf)
    dct = SERIALIZER.to_dict(wf)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    # Not sort_keys: SpiffWorkflow restores task data as deltas against the parent and
    # needs parents before children, i.e. the tree order to_dict produces (deterministic).
    try:
        return json.dumps(dct, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as err:  # e.g. a script left a set in the task data
        raise ProcessError(f"workflow data cannot be saved: {err}") from err


def _restore(defn: ProcessDefinition, snapshot: str) -> Any:
    """The workflow of a snapshot, with the spec re-attached and the sandboxed script engine."""
    parse(defn)
    wf = SERIALIZER.deserialize_json(snapshot)
    wf.script_engine = SCRIPT_ENGINE
    return wf


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data, default=str, sort_keys=True))
    return result


def _watched(wf: Any, watch: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in watch:
        try:
            task = wf.get_task_from_id(uuid.UUID(key))
        except WorkflowException:
            task = None
        out[key] = "REMOVED" if task is None else TaskState.get_name(task.state)
    return out


def _waiting_timer(t: Any) -> WaitingTimer | None:
    if not isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition):
        return None
    value = t._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if value is None:
        return None
    due = TimerEventDefinition.get_datetime(str(value)) if isinstance(value, str) else value
    return WaitingTimer(
        str(t.id),
        t.task_spec.bpmn_id or t.task_spec.name,
        datetime.fromisoformat(due.isoformat()).astimezone(UTC),
    )


def _case_data(wf: Any) -> dict[str, Any]:
    """The case data: the latest task data plus the process's BPMN data objects.

    Task data is copied along each path, so what a parallel branch (e.g. the script of a
    non-interrupting boundary timer) writes never reaches the main path. Values every branch
    must share live in data objects (workflow-level); they win over task data of that name.
    """
    if wf.is_completed():
        data = dict(wf.data)
    elif wf.last_task is not None:
        data = dict(wf.last_task.data)
    else:
        data = dict(wf.task_tree.data)
    data.pop("data_objects", None)
    data.update(wf.data_objects)
    return data


def _result(wf: Any, watch: Iterable[str] = (), *, save: bool = True) -> EngineResult:
    """What a run gives the reducer. Saving prunes the finished past from the tree first
    (engine revision 1 on, `prune`), after everything else was read from the whole tree."""
    data = _case_data(wf)
    ready, timers, finished = [], [], []
    for t in wf.get_tasks():  # one pass over the tree: it grows with every loop of a case
        spec = t.task_spec
        if t.state == TaskState.COMPLETED:
            if spec.bpmn_id:
                finished.append(spec.bpmn_id)
        elif t.state == TaskState.READY and spec.manual:
            ready.append(
                ReadyTask(
                    str(t.id),
                    spec.bpmn_id,
                    spec.bpmn_name or spec.bpmn_id,
                    spec.lane,
                    _properties(spec),
                    _json_safe(t.data),
                )
            )
        elif t.state == TaskState.WAITING:
            timer = _waiting_timer(t)
            if timer is not None:
                timers.append(timer)
    finished.extend(finished_ids(wf))
    finished.sort()
    watched = _watched(wf, watch)
    if save and revision(wf) >= 1:
        prune(wf)
    return EngineResult(
        _dump(wf),
        bool(wf.is_completed()),
        _json_safe(data),
        sorted(ready, key=lambda r: r.uuid),
        sorted(timers, key=lambda r: r.uuid),
        finished,
        watched,
    )


def _run_pinned(
    run: Callable[[], EngineResult], seed: str, now: datetime, calendar: WorkCalendar
) -> EngineResult:
    with _pinned(seed, now, calendar):
        result: EngineResult = _wrap_errors(run)
    return result


def start(
    defn: ProcessDefinition,
    data: dict[str, Any],
    *,
    seed: str,
    now: datetime,
    calendar: WorkCalendar,
    rev: int = ENGINE_REV,
) -> EngineResult:
    """Start an instance with `data` on the root task and run it to its first wait state.
    `rev`: the engine revision the case runs with for life (0: never pruned)."""
    spec, subs = parse(defn)

    def run() -> EngineResult:
        wf = BpmnWorkflow(spec, subs, script_engine=SCRIPT_ENGINE)
        setattr(wf, REV_ATTR, rev)
        wf.task_tree.data.update(copy.deepcopy(data))
        wf.do_engine_steps()
        return _result(wf)

    return _run_pinned(run, seed, now, calendar)


def complete_task(
    defn: ProcessDefinition,
    snapshot: str,
    task_uuid: str,
    data: dict[str, Any],
    *,
    seed: str,
    now: datetime,
    calendar: WorkCalendar,
    watch: Iterable[str] = (),
) -> EngineResult:
    """Complete the READY user task `task_uuid` with validated `data`, then run the engine."""

    def run() -> EngineResult:
        wf = _restore(defn, snapshot)
        try:
            task = wf.get_task_from_id(uuid.UUID(task_uuid))
        except (ValueError, WorkflowException):
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise InvalidTransitionError("the task is not open any more")
        task.set_data(**copy.deepcopy(data))
        task.run()
        wf.do_engine_steps()
        return _result(wf, watch)

    return _run_pinned(run, seed, now, calendar)


def refresh_timers(
    defn: ProcessDefinition,
    snapshot: str,
    *,
    seed: str,
    now: datetime,
    calendar: WorkCalendar,
    watch: Iterable[str] = (),
) -> EngineResult:
    """Fire every timer due at `now` and run the engine (the timer command)."""

    def run() -> EngineResult:
        wf = _restore(defn, snapshot)
        wf.refresh_timers()
        wf.do_engine_steps()
        return _result(wf, watch)

    return _run_pinned(run, seed, now, calendar)


def inspect(defn: ProcessDefinition, snapshot: str) -> EngineResult:
    """Read the state of a snapshot without changing it."""
    wf = _restore(defn, snapshot)
    return _result(wf, save=False)
