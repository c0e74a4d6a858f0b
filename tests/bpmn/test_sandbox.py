"""Scripts, gateway conditions and timer expressions run in the RestrictedPython sandbox.

Each test builds a tiny process in memory. An escape attempt must be refused with
ScriptSecurityError and the workflow must not get past the offending element; ordinary
scripts and the allow-listed helpers must keep working.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

import pytest

from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ProcessError, ScriptSecurityError

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 3, 6, 10, 0, tzinfo=CST)  # a Friday

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="probe_definitions" targetNamespace="https://jianfu.example/test">
  <bpmn:process id="{pid}" isExecutable="true">
"""
FOOTER = """  </bpmn:process>
</bpmn:definitions>
"""

SCRIPT_PROCESS = """
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="probe"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="after"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="probe"/>
    <bpmn:sequenceFlow id="f2" sourceRef="probe" targetRef="after"/>
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end"/>
"""

GATEWAY_PROCESS = """
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="before"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="choose" default="f_low">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f_high</bpmn:outgoing>
      <bpmn:outgoing>f_low</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:userTask id="high"><bpmn:incoming>f_high</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="low"><bpmn:incoming>f_low</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end_high"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_low"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="before"/>
    <bpmn:sequenceFlow id="f2" sourceRef="before" targetRef="choose"/>
    <bpmn:sequenceFlow id="f_high" sourceRef="choose" targetRef="high">
      <bpmn:conditionExpression
          xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_low" sourceRef="choose" targetRef="low"/>
    <bpmn:sequenceFlow id="f3" sourceRef="high" targetRef="end_high"/>
    <bpmn:sequenceFlow id="f4" sourceRef="low" targetRef="end_low"/>
"""

TIMER_PROCESS = """
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_timer">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">{expression}</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="after"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="after"/>
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end"/>
"""


def build(pid: str, body: str, **values: str) -> engine.ProcessDefinition:
    text = HEADER.format(pid=pid) + body.format(
        **{k: escape(v) for k, v in values.items()}) + FOOTER
    digest = hashlib.sha256(f"{pid}\0{text}".encode()).hexdigest()
    return engine.ProcessDefinition(pid, digest, {f"{pid}.bpmn": text})


def run_script(script: str, data: dict[str, object] | None = None) -> engine.EngineResult:
    defn = build("script_probe", SCRIPT_PROCESS, script=script)
    return engine.start(defn, data or {}, seed="probe", now=NOW, calendar=WorkCalendar())


ESCAPES = {
    "dunder-import": "x = __import__('os')",
    "import-statement": "import os",
    "from-import": "from os import path",
    "import-harmless-module": "import datetime",
    "open-file": "f = open('/etc/passwd')",
    "subclasses-walk": "x = ().__class__.__base__.__subclasses__()",
    "getattr-dunder": "x = getattr(1, '__class__')",
    "eval": "x = eval('1')",
    "exec": "exec('a=1')",
    "compile": "x = compile('1', 'f', 'eval')",
    "globals": "g = globals()",
    "locals": "g = locals()",
    "vars": "g = vars()",
    "type": "t = type(1)",
    "lambda-globals": "f = lambda: 0\nx = f.__globals__",
    "helper-globals": "x = now_iso.__globals__",
    "helper-code": "x = working_days_after.__code__",
    "builtin-self": "x = sum.__self__",
    "builtins-name": "x = __builtins__",
    "generator-frame": "x = (i for i in [1]).gi_frame",
    "fstring-dunder": "x = f'{(1).__class__}'",
    "format-attribute": "x = '{0.__class__}'.format(1)",
    "format-deep": "x = '{0.__class__.__base__.__subclasses__}'.format(1)",
    "format-map": "x = '{0.__class__}'.format_map({})",
    "str-format-unbound": "x = str.format('{0.__class__}', 1)",
}


@pytest.mark.parametrize("script", list(ESCAPES.values()), ids=list(ESCAPES))
def test_escape_attempts_in_scripts_are_refused(script):
    with pytest.raises(ScriptSecurityError) as caught:
        run_script(script)

    assert caught.value.task_id == "probe"
    assert "sandbox" in str(caught.value)


@pytest.mark.parametrize(
    "template",
    [
        "open({path!r}, 'w').write('pwned')",
        "import os\nos.mkdir({path!r})",
        "__import__('os').mkdir({path!r})",
        "ok = 1\n[c for c in ().__class__.__base__.__subclasses__()]",
    ],
)
def test_a_refused_script_has_no_effect_and_the_workflow_does_not_advance(tmp_path, template):
    target = tmp_path / "pwned"

    with pytest.raises(ScriptSecurityError):
        run_script(template.format(path=str(target)))

    assert not target.exists()


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("a = 1 + 2", {"a": 3}),
        ("x = [i * 2 for i in range(3)]", {"x": [0, 2, 4]}),
        ("d = {'k': 1}\nd['k'] = 2\nd['n'] = 3", {"d": {"k": 2, "n": 3}}),
        ("total = sum([1, 2])", {"total": 3}),
        ("x = 1\nx += 2", {"x": 3}),
        ("a, b = [1, 2]", {"a": 1, "b": 2}),
        ("x = '%s-%d' % ('a', 1)", {"x": "a-1"}),
        ("x = min([3, 1]) + max(2, 5) + len('ab')", {"x": 8}),
        ("x = working_days_after(2)", {"x": "2026-03-10T02:00:00+00:00"}),  # Fri -> Tue
        ("x = now_iso()", {"x": "2026-03-06T10:00:00+08:00"}),
        ("x = today_iso()", {"x": "2026-03-06"}),
        ("x = is_working_day('2026-10-10')", {"x": True}),  # make-up Saturday
    ],
)
def test_ordinary_scripts_and_helpers_work(script, expected):
    result = run_script(script)

    assert result.data == expected
    assert [t.task_id for t in result.ready] == ["after"]


def test_scripts_read_and_update_task_data():
    result = run_script("count = count + 1\nnames = names + ['b']",
                        {"count": 1, "names": ["a"]})

    assert result.data == {"count": 2, "names": ["a", "b"]}


@pytest.mark.parametrize("script", ["x = {1, 2}", "x = str.mro()"])
def test_a_script_leaving_unsaveable_data_is_a_process_error(script):
    with pytest.raises(ProcessError, match="cannot be saved"):
        run_script(script)


def test_task_data_may_not_shadow_a_helper():
    with pytest.raises(ProcessError, match="now_iso"):
        run_script("x = 1", {"now_iso": "2000-01-01"})


# ------------------------------------------------------------------ gateway conditions


def complete_before(condition: str, data: dict[str, object]) -> engine.EngineResult:
    defn = build("gateway_probe", GATEWAY_PROCESS, condition=condition)
    started = engine.start(defn, {}, seed="g/0", now=NOW, calendar=WorkCalendar())
    [before] = started.ready
    return engine.complete_task(defn, started.snapshot, before.uuid, data, seed="g/1", now=NOW,
                                calendar=WorkCalendar())


@pytest.mark.parametrize(
    "condition",
    [
        "__import__('os').system('true') == 0",
        "().__class__.__base__ is not None",
        "eval('amount') > 10",
        "'{0.__class__}'.format(amount) != ''",
        "open('/etc/passwd') is not None",
    ],
)
def test_escape_attempts_in_gateway_conditions_are_refused(condition):
    with pytest.raises(ScriptSecurityError, match="sandbox"):
        complete_before(condition, {"amount": 20})


@pytest.mark.parametrize(("amount", "branch"), [(20, "high"), (5, "low")])
def test_ordinary_gateway_conditions_route(amount, branch):
    result = complete_before("amount > 10 and is_working_day(today_iso())", {"amount": amount})

    assert [t.task_id for t in result.ready] == [branch]


# ------------------------------------------------------------------ timer expressions


def test_escape_attempt_in_a_timer_expression_is_refused():
    defn = build("timer_probe", TIMER_PROCESS, expression="__import__('os').getcwd()")

    with pytest.raises(ScriptSecurityError, match="sandbox"):
        engine.start(defn, {}, seed="t", now=NOW, calendar=WorkCalendar())


def test_a_helper_timer_expression_waits_for_its_working_day_due_time():
    defn = build("timer_probe", TIMER_PROCESS, expression="working_days_after(1)")

    result = engine.start(defn, {}, seed="t", now=NOW, calendar=WorkCalendar())

    assert result.ready == []
    assert [(t.task_id, t.due_at) for t in result.timers] == [
        ("wait", datetime(2026, 3, 9, 10, 0, tzinfo=CST))]
