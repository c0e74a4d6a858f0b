"""The script sandbox: RestrictedPython with an allow-list of helpers, and the mapping of
SpiffWorkflow's script errors to ours (refusals become ScriptSecurityError)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal

from RestrictedPython.compile import compile_restricted
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.exceptions import WorkflowException

from workflows.kernel.errors import ProcessError, ScriptSecurityError
from workflows.kernel.script_helpers import HELPERS

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


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """Runs scripts in the RestrictedEnvironment, reading BPMN data objects when the script
    runs rather than when its task became ready.

    Data objects hold what every branch shares (e.g. the deadline log that non-interrupting
    boundary timers append to). Two branches that become ready in one command would otherwise
    each start from the same copy, and the second write-back would drop the first's change.
    """

    def execute(
        self, task: Any, script: str, external_context: dict[str, Any] | None = None
    ) -> Any:
        for data_object in getattr(task.task_spec, "data_input_associations", None) or ():
            data_object.get(task)
        return super().execute(task, script, external_context)


SCRIPT_ENGINE = SandboxScriptEngine(environment=RestrictedEnvironment())


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
