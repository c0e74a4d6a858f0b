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
import itertools
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

import SpiffWorkflow
import SpiffWorkflow.task as spiff_task_module
from lxml import etree
from RestrictedPython.compile import compile_restricted
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer_module
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from workflows.calendar import WorkCalendar
from workflows.errors import InvalidTransitionError, ProcessError, ScriptSecurityError
from workflows.script_helpers import HELPERS, CommandClock, command_clock

SPIFF_VERSION: str = SpiffWorkflow.__version__
ID_NAMESPACE = uuid.UUID("6f1d3c52-6a0e-4b7e-9a55-1d2c3b4a5e6f")


# ----------------------------------------------------------------- our types


@dataclass(frozen=True)
class ProcessDefinition:
    """One deployed process version: its id, content hash and source files."""

    process_id: str
    content_hash: str
    sources: dict[str, str]


@dataclass(frozen=True)
class ReadyTask:
    uuid: str
    task_id: str
    name: str
    lane: str | None
    properties: dict[str, str]
    data: dict[str, Any]


@dataclass(frozen=True)
class WaitingTimer:
    uuid: str
    task_id: str
    due_at: datetime


@dataclass(frozen=True)
class EngineResult:
    snapshot: str
    completed: bool
    data: dict[str, Any]
    ready: list[ReadyTask] = field(default_factory=list)
    timers: list[WaitingTimer] = field(default_factory=list)
    finished_task_ids: list[str] = field(default_factory=list)
    # State names ("COMPLETED", "CANCELLED", ...) of the task uuids the caller asked about.
    watched: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UserTaskSpec:
    task_id: str
    name: str
    lane: str | None
    properties: dict[str, str]


# ----------------------------------------------------------------- sandbox


SAFE_BUILTINS: dict[str, Any] = dict(safe_builtins)
SAFE_BUILTINS.update(
    {
        name: vars(__import__("builtins"))[name]
        for name in (
            "sorted",
            "min",
            "max",
            "sum",
            "any",
            "all",
            "enumerate",
            "list",
            "dict",
            "set",
            "map",
            "filter",
            "reversed",
        )
    }
)


def _refuse_import(name: str, *args: Any, **kwargs: Any) -> Any:
    raise ScriptSecurityError(f"scripts may not import modules ({name}) (sandbox)")


# `import x` in a script looks up __import__ here; refuse it with a clear reason.
SAFE_BUILTINS["__import__"] = _refuse_import


def _guarded_getattr(obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    try:
        return safer_getattr(obj, name, *args, **kwargs)  # type: ignore[no-untyped-call]
    except NotImplementedError as err:  # str.format / string.Formatter attribute escapes
        raise ScriptSecurityError(f"scripts may not use .{name} (sandbox): {err}") from err


def _inplace(op: str, x: Any, y: Any) -> Any:
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: a * b,
    }
    if op not in ops:
        raise ScriptSecurityError(f"operator {op} is not allowed in scripts")
    return ops[op](x, y)


SANDBOX_GLOBALS: dict[str, Any] = {
    "__builtins__": SAFE_BUILTINS,
    "_getattr_": _guarded_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": _inplace,
    **HELPERS,
}


@lru_cache(maxsize=1024)
def _compile(source: str, mode: Literal["exec", "eval"]) -> Any:
    source = source.strip() if mode == "eval" else source
    try:
        compile(source, "<bpmn>", mode)
    except SyntaxError as err:
        raise ProcessError(
            f"syntax error in script: {err.msg}", line_number=err.lineno or 1
        ) from err
    try:
        return compile_restricted(source, filename="<bpmn>", mode=mode)
    except SyntaxError as err:
        # RestrictedPython reports policy violations with lineno=None, which breaks
        # SpiffWorkflow's error formatter; give it a line and a clear message.
        raise ScriptSecurityError(
            f"script refused by the sandbox: {err.msg}", line_number=1
        ) from err


class RestrictedEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """TaskDataEnvironment that compiles with RestrictedPython and exposes only HELPERS."""

    def __init__(self) -> None:
        super().__init__(dict(SANDBOX_GLOBALS))

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> Any:
        code = _compile(expression, "eval")
        scope = copy.copy(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)

    def execute(
        self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None
    ) -> bool:
        self.check_for_overwrite(context, external_context or {})
        code = _compile(script, "exec")
        context.update(copy.copy(self.globals))
        context.update(external_context or {})
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


SCRIPT_ENGINE = PythonScriptEngine(environment=RestrictedEnvironment())


# ----------------------------------------------------------------- specs and serializer

_SPECS: dict[str, tuple[Any, dict[str, Any]]] = {}
_SPECS_LOCK = threading.Lock()
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


class _SpecRef:
    def __init__(self, content_hash: str) -> None:
        self.content_hash = content_hash


class _CachedSpecConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Keeps the process spec out of the snapshot; restores it from the version cache."""

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(workflow)
        dct["spec"] = self.registry.convert(_SpecRef(workflow.spec.jianfu_hash))
        dct["subprocess_specs"] = {}
        return dct

    def from_dict(self, dct: dict[str, Any]) -> Any:
        content_hash = dct["spec"]["content_hash"]
        workflow = super().from_dict(dct)
        workflow.subprocess_specs = _SPECS[content_hash][1]
        return workflow


def _make_serializer() -> Any:
    cfg = dict(SPIFF_CONFIG)
    cfg[BpmnWorkflow] = _CachedSpecConverter
    registry = BpmnWorkflowSerializer.configure(cfg)
    registry.register(
        _SpecRef,
        lambda ref: {"content_hash": ref.content_hash},
        lambda d: _SPECS[d["content_hash"]][0],
    )
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _make_serializer()


def _spec_key(defn: ProcessDefinition) -> str:
    return f"{defn.process_id}@{defn.content_hash}"


def parse(defn: ProcessDefinition) -> tuple[Any, dict[str, Any]]:
    """Parse a process version (hardened XML, no entities, no network) once, then cache it."""
    key = _spec_key(defn)
    cached = _SPECS.get(key)
    if cached is not None:
        return cached
    with _SPECS_LOCK:
        if key in _SPECS:
            return _SPECS[key]
        parser = SpiffBpmnParser()
        try:
            for name, text in sorted(defn.sources.items()):
                xml = etree.fromstring(text.encode("utf-8"), parser=_XML_PARSER)
                if name.endswith(".dmn"):
                    parser.add_dmn_xml(xml, filename=name)
                else:
                    parser.add_bpmn_xml(xml, filename=name)
            spec = parser.get_spec(defn.process_id)
            subs = parser.get_subprocess_specs(defn.process_id)
        except (etree.XMLSyntaxError, WorkflowException, ValueError, KeyError) as err:
            raise ProcessError(f"cannot parse process {defn.process_id}: {err}") from err
        spec.jianfu_hash = key
        _SPECS[key] = (spec, subs)
        return spec, subs


def user_tasks(defn: ProcessDefinition) -> list[UserTaskSpec]:
    """Every user task of the process (for contract tests and form registries)."""
    spec, subs = parse(defn)
    out = []
    for s in [spec, *subs.values()]:
        for ts in s.task_specs.values():
            if getattr(ts, "manual", False) and ts.__class__.__name__ == "UserTask":
                out.append(
                    UserTaskSpec(ts.bpmn_id, ts.bpmn_name or ts.bpmn_id, ts.lane, _properties(ts))
                )
    return sorted(out, key=lambda t: t.task_id)


def element_ids(defn: ProcessDefinition) -> set[str]:
    spec, subs = parse(defn)
    ids: set[str] = set()
    for s in [spec, *subs.values()]:
        ids.update(ts.bpmn_id for ts in s.task_specs.values() if ts.bpmn_id)
    return ids


def _properties(task_spec: Any) -> dict[str, str]:
    ext = getattr(task_spec, "extensions", {}) or {}
    props = ext.get("properties", {}) or {}
    return {str(k): str(v) for k, v in props.items()}


# ----------------------------------------------------------------- determinism


class _FixedClock:
    def __init__(self, ts: float) -> None:
        self._ts = ts

    def time(self) -> float:
        return self._ts


def _fixed_datetime(now: datetime) -> type[datetime]:
    # SpiffWorkflow fires a timer only when due < now; the extra microsecond makes a timer
    # command stamped exactly with the due time fire it (due <= command time).
    timer_now = now + timedelta(microseconds=1)

    class FixedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> FixedDatetime:
            moment = timer_now if tz is None else timer_now.astimezone(tz)
            return cls.fromisoformat(moment.isoformat())

    return FixedDatetime


_PIN_LOCK = threading.RLock()


@contextmanager
def _pinned(seed: str, now: datetime, calendar: WorkCalendar) -> Iterator[None]:
    """For one command: task ids from uuid5(seed, n), state-change times and timer "now"
    from the command's timestamp. Module-level patches, so a lock serializes engine runs."""
    if now.tzinfo is None:
        raise ValueError("command time must be timezone-aware")
    counter = itertools.count()

    def next_id() -> uuid.UUID:
        return uuid.uuid5(ID_NAMESPACE, f"{seed}/{next(counter)}")

    with _PIN_LOCK:
        saved = (spiff_task_module.uuid4, spiff_task_module.time, spiff_timer_module.datetime)
        spiff_task_module.uuid4 = next_id
        spiff_task_module.time = _FixedClock(now.timestamp())
        spiff_timer_module.datetime = _fixed_datetime(now)
        try:
            with command_clock(CommandClock(now, calendar)):
                yield
        finally:
            (spiff_task_module.uuid4, spiff_task_module.time, spiff_timer_module.datetime) = saved


# ----------------------------------------------------------------- running


def _dump(wf: Any) -> str:
    dct = SERIALIZER.to_dict(wf)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    # Not sort_keys: SpiffWorkflow restores task data as deltas against the parent and
    # needs parents before children, i.e. the tree order to_dict produces (deterministic).
    try:
        return json.dumps(dct, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as err:  # e.g. a script left a set in the task data
        raise ProcessError(f"workflow data cannot be saved: {err}") from err


def _restore(defn: ProcessDefinition, snapshot: str) -> Any:
    parse(defn)
    return SERIALIZER.deserialize_json(snapshot)


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


def _result(wf: Any, watch: Iterable[str] = ()) -> EngineResult:
    if wf.is_completed():
        data = wf.data
    elif wf.last_task is not None:
        data = wf.last_task.data
    else:
        data = wf.task_tree.data
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
    finished.sort()
    return EngineResult(
        _dump(wf),
        bool(wf.is_completed()),
        _json_safe(data),
        sorted(ready, key=lambda r: r.uuid),
        sorted(timers, key=lambda r: r.uuid),
        finished,
        _watched(wf, watch),
    )


_FORBIDDEN_BUILTINS = frozenset(vars(__import__("builtins"))) - frozenset(SAFE_BUILTINS)


def _forbidden_name(err: BaseException | None) -> str | None:
    """The builtin a script reached for that the sandbox withholds, if that is the cause."""
    if isinstance(err, NameError) and err.name in _FORBIDDEN_BUILTINS:
        return err.name
    return None


def _wrap_errors(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except WorkflowTaskException as err:
        cause = err.__cause__ or err.__context__
        bpmn_id = getattr(getattr(getattr(err, "task", None), "task_spec", None), "bpmn_id", None)
        where = {"task_id": bpmn_id, "line_number": err.line_number, "error_line": err.error_line}
        if isinstance(cause, ScriptSecurityError):
            raise ScriptSecurityError(f"task {bpmn_id}: {cause}", **where) from err
        name = _forbidden_name(cause)
        if name is not None:
            raise ScriptSecurityError(
                f"task {bpmn_id}: scripts may not use {name}() (sandbox)", **where
            ) from err
        raise ProcessError(f"task {bpmn_id}: {err}", **where) from err
    except ScriptSecurityError:
        raise
    except WorkflowException as err:
        raise ProcessError(str(err)) from err


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
) -> EngineResult:
    """Start an instance with `data` on the root task and run it to its first wait state."""
    spec, subs = parse(defn)

    def run() -> EngineResult:
        wf = BpmnWorkflow(spec, subs, script_engine=SCRIPT_ENGINE)
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
        wf.script_engine = SCRIPT_ENGINE
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
        wf.script_engine = SCRIPT_ENGINE
        wf.refresh_timers()
        wf.do_engine_steps()
        return _result(wf, watch)

    return _run_pinned(run, seed, now, calendar)


def inspect(defn: ProcessDefinition, snapshot: str) -> EngineResult:
    """Read the state of a snapshot without changing it."""
    wf = _restore(defn, snapshot)
    return _result(wf)
