"""The process diagram: DI of every element, the path of a case (real engine diffs), the
SVG (well-formed, one shape per element, one path per flow, escaped) and hostile XML."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.bpmn.complaint_paths_helpers import ACCEPT, DONE, PASS, cst, start_data
from tests.bpmn.conftest import load_definition
from webapp.cases.diagram_svg import render, wrap
from workflows.kernel import engine, forms
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.diagram import (
    Diagram,
    DiagramError,
    Progress,
    parse_diagram,
    path_of,
    progress_at,
)
from workflows.kernel.state import (
    CASE_STARTED,
    TASK_COMPLETED,
    TIMER_FIRED,
    CaseState,
    EventDraft,
    apply_event,
)
from workflows.report_forms import approval as report_form_approval

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
PROCESSES = ("report_form_approval", "burden_complaint")
SVG = "{http://www.w3.org/2000/svg}"
MODEL = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DRAFT = {"form_name": "低保台账", "purpose": "按季度汇总",
         "legal_basis": "《统计法》", "frequency": "monthly",
         "due_day": 25, "submission": "online",
         "field_lines": ["户籍人口（人）= POP_REG", "活动次数（次）= 新"]}


def diagram_of(process_id: str) -> Diagram:
    return parse_diagram((BPMN_DIR / f"{process_id}.bpmn").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Event:
    seq: int
    type: str
    task_id: str | None
    diff: dict[str, Any]


class Run:
    """A case folded in memory by the real reducer: its events carry the real diffs."""

    def __init__(self, process_id: str) -> None:
        self.process_id = process_id
        self.defn = load_definition(process_id)
        self.state: CaseState | None = None
        self.events: list[Event] = []

    def _apply(self, draft: EventDraft) -> None:
        seq = len(self.events) + 1
        self.state, diff = apply_event(self.defn, 1, seq, self.state, draft, WorkCalendar())
        self.events.append(Event(seq, draft.type, draft.task_id, diff))

    def start(self, data: dict[str, Any], at: datetime) -> None:
        self._apply(EventDraft(CASE_STARTED, at, inputs={"data": data, "title": "t"}))

    def complete(self, task_id: str, fields: dict[str, Any], at: datetime) -> None:
        assert self.state is not None
        task = next(t for t in self.state.tasks.values()
                    if t.state == "open" and t.task_id == task_id)
        data = forms.validate_task(self.process_id, task_id, fields, case_data=self.state.data)
        if (self.process_id, task_id) == ("report_form_approval", "draft_form"):
            # What the command adds to a draft: the field check (it reads no database).
            data = report_form_approval.draft_inputs(
                None, None, self.state, data)  # type: ignore[arg-type]
        self._apply(EventDraft(TASK_COMPLETED, at, task_uuid=task.task_uuid, task_id=task_id,
                               inputs={"data": data}))

    def fire(self, timer_id: str) -> None:
        assert self.state is not None
        job = next(j for j in self.state.jobs.values()
                   if j.state == "pending" and j.task_id == timer_id)
        self._apply(EventDraft(TIMER_FIRED, job.due_at,
                               inputs={"job": {"kind": job.kind, "key": job.key}}))

    @property
    def open_tasks(self) -> set[str]:
        assert self.state is not None
        return {t.task_id for t in self.state.tasks.values() if t.state == "open"}

    @property
    def finished(self) -> list[str]:
        assert self.state is not None
        return engine.inspect(self.defn, self.state.snapshot).finished_task_ids


# ------------------------------------------------------------------ the DI


@pytest.mark.parametrize("process_id", PROCESSES)
def test_every_element_and_flow_has_its_di(process_id: str) -> None:
    diagram = diagram_of(process_id)
    assert diagram.missing == ()
    assert all(s.bounds is not None for s in diagram.shapes)
    assert all(len(e.waypoints) >= 2 for e in diagram.edges)
    # Everything the engine knows is drawn, and the lanes are named.
    ids = {s.id for s in diagram.shapes}
    assert engine.element_ids(load_definition(process_id)) <= ids
    assert diagram.lanes and all(lane.name for lane in diagram.lanes)
    root = etree.parse(str(BPMN_DIR / f"{process_id}.bpmn")).getroot()
    flows = {el.get("id") for el in root.iter(f"{MODEL}sequenceFlow")}
    assert {f.id for f in diagram.flows} == flows


def test_missing_di_is_reported() -> None:
    text = (BPMN_DIR / "report_form_approval.bpmn").read_text(encoding="utf-8")
    broken = text.replace('bpmnElement="sign_off"', 'bpmnElement="nothing"').replace(
        'bpmnElement="flow_draft_sign"', 'bpmnElement="nothing_either"')
    assert set(parse_diagram(broken).missing) == {"sign_off", "flow_draft_sign"}
    # ... and the renderer leaves them out instead of failing.
    svg = etree.fromstring(str(render(parse_diagram(broken), Progress())).encode())
    assert not svg.xpath("//*[@data-element-id='sign_off']")


def test_shapes_carry_kind_name_bounds_and_attachment() -> None:
    d = diagram_of("report_form_approval")
    reminder = d.by_id["review_reminder"]
    assert (reminder.kind, reminder.attached_to, reminder.event, reminder.interrupting) == (
        "boundaryEvent", "review_form", "timer", False)
    assert d.by_id["sign_off_decision"].kind == "exclusiveGateway"
    task = d.by_id["draft_form"]
    assert (task.kind, task.name, task.bounds) == ("userTask", "填写报表申请", task.bounds)
    assert task.bounds is not None and (task.bounds.width, task.bounds.height) == (100, 80)
    flow = next(f for f in d.flows if f.id == "flow_head_approved")
    assert (flow.source, flow.target, flow.name) == ("sign_off_decision", "held_gateway", "同意")
    assert flow.waypoints == ((460, 275), (460, 355))
    assert [lane.name for lane in d.lanes] == ["clerk", "unit_head", "burden_office"]


# ------------------------------------------------------------------ the path


def test_report_form_path_step_by_step() -> None:
    d = diagram_of("report_form_approval")
    run = Run("report_form_approval")
    t = cst(3, 2)
    run.start({"review_reminder_days": 2}, t)
    p = path_of(d, run.events)
    assert (p.visited, p.current, p.taken) == (
        {"start", "draft_form"}, {"draft_form"}, {"flow_start_draft"})

    run.complete("draft_form", DRAFT, t)
    run.complete("sign_off", {"head_decision": "return", "comment": "重复"}, t)
    p = path_of(d, run.events)
    assert p.current == {"draft_form"} == run.open_tasks
    assert p.visited == {"start", "draft_form", "sign_off", "sign_off_decision"}
    assert p.taken == {"flow_start_draft", "flow_draft_sign", "flow_sign_gateway",
                       "flow_head_returned"}

    run.complete("draft_form", DRAFT, t)
    run.complete("sign_off", {"head_decision": "approve"}, t)
    run.fire("review_reminder")  # non-interrupting: the review stays open
    p = path_of(d, run.events)
    assert p.current == {"review_form"} == run.open_tasks
    assert p.visited == {"start", "draft_form", "sign_off", "sign_off_decision", "held_gateway",
                         "review_form", "review_reminder", "record_reminder", "reminder_end"}
    assert p.taken == {"flow_start_draft", "flow_draft_sign", "flow_sign_gateway",
                       "flow_head_returned", "flow_head_approved", "flow_needs_review",
                       "flow_reminder_record", "flow_reminder_end"}

    run.complete("review_form", {"review_decision": "approve"}, t + timedelta(days=3))
    done = path_of(d, run.events, finished=run.finished)
    assert done.current == frozenset()
    assert done.visited == p.visited | {"review_decision_gateway", "publish_form",
                                        "published_end"}
    assert done.taken == p.taken | {"flow_review_gateway", "flow_review_approved",
                                    "flow_publish_end"}
    # Without the engine's finished elements, the branch after the decision is not guessed:
    # the decision itself was reached for sure, what came after it is left unmarked.
    blind = path_of(d, run.events)
    assert blind.visited == p.visited | {"review_decision_gateway"}
    assert blind.taken == p.taken | {"flow_review_gateway"}

    # Time travel: as of event 3 (the return), whatever happened later is not there.
    then = progress_at(d, run.events, 3, finished=run.finished)
    assert then.current == {"draft_form"}
    assert then.visited == {"start", "draft_form", "sign_off", "sign_off_decision"}
    assert "flow_head_approved" not in then.taken and then.upto_seq == 3
    assert progress_at(d, run.events, 1).current == {"draft_form"}


def test_the_return_flow_is_not_taken_when_only_approved() -> None:
    d = diagram_of("report_form_approval")
    run = Run("report_form_approval")
    run.start({"review_reminder_days": 2}, cst(3, 2))
    run.complete("draft_form", DRAFT, cst(3, 2))
    run.complete("sign_off", {"head_decision": "approve"}, cst(3, 2))
    p = path_of(d, run.events, finished=run.finished)
    assert "flow_head_returned" not in p.taken  # draft_form was visited, but earlier
    assert p.current == {"review_form"}


def test_complaint_path_to_the_end() -> None:
    d = diagram_of("burden_complaint")
    run = Run("burden_complaint")
    run.start(start_data(), cst(3, 2, 9))
    run.complete("intake", ACCEPT, cst(3, 3))
    assert path_of(d, run.events).current == {"correction"}
    run.complete("correction", DONE, cst(3, 12))
    run.complete("verification", PASS, cst(3, 13))
    run.complete("return_visit", {"rating": "satisfied"}, cst(3, 16))
    p = path_of(d, run.events, finished=run.finished)
    assert p.current == {"appeal_window"} == run.open_tasks
    run.fire("appeal_expired")  # interrupting: the window closes, the case ends
    end = path_of(d, run.events, finished=run.finished)
    assert end.current == frozenset() and run.open_tasks == set()
    assert {"start", "start_intake", "intake", "intake_gateway", "accept_case", "correction",
            "correction_gateway", "verification", "verification_gateway", "return_visit",
            "rating_gateway", "close_case", "appeal_window", "appeal_expired",
            "close_appeal_window", "closed_end"} <= end.visited
    assert not {"rejected_end", "merged_end", "reopen_case", "review_extension",
                "intake_warning", "record_intake_warning"} & end.visited
    assert {"flow_intake_accepted", "flow_satisfied", "flow_appeal_expired",
            "flow_closed_end"} <= end.taken
    assert not {"flow_intake_rejected", "flow_appealed", "flow_not_satisfied"} & end.taken
    assert end.taken <= {f.id for f in d.flows}
    # Every taken flow joins two visited elements.
    for flow in d.flows:
        if flow.id in end.taken:
            assert {flow.source, flow.target} <= end.visited, flow.id


def test_the_path_is_deterministic() -> None:
    d = diagram_of("report_form_approval")
    run = Run("report_form_approval")
    run.start({"review_reminder_days": 2}, cst(3, 2))
    run.complete("draft_form", DRAFT, cst(3, 2))
    first = path_of(d, run.events)
    shuffled = list(run.events)
    random.Random(7).shuffle(shuffled)
    assert path_of(d, shuffled) == first
    assert render(d, first) == render(d, path_of(d, shuffled))
    assert path_of(d, []) == Progress()


# ------------------------------------------------------------------ the SVG


@pytest.mark.parametrize("process_id", PROCESSES)
def test_svg_has_one_shape_per_element_and_one_path_per_flow(process_id: str) -> None:
    d = diagram_of(process_id)
    svg = etree.fromstring(str(render(d, Progress(), title="流程")).encode())
    assert svg.tag == f"{SVG}svg" and svg.get("aria-label") == "Process diagram: 流程"
    assert svg.get("viewBox") and svg.find(f"{SVG}title") is not None
    drawn = [g.get("data-element-id") for g in svg.iter(f"{SVG}g") if g.get("data-element-id")]
    assert sorted(drawn) == sorted(s.id for s in d.shapes)
    paths = [p.get("data-flow-id") for p in svg.iter(f"{SVG}path") if p.get("data-flow-id")]
    assert sorted(paths) == sorted(f.id for f in d.flows)
    assert all(p.get("marker-end", "").startswith("url(#bpmn-arrow-")
               for p in svg.iter(f"{SVG}path") if p.get("data-flow-id"))
    assert {m.get("id") for m in svg.iter(f"{SVG}marker")} == {"bpmn-arrow-idle",
                                                               "bpmn-arrow-taken"}
    # Every element group has a title; no inline styles or scripts (CSP).
    for g in svg.iter(f"{SVG}g"):
        if g.get("data-element-id"):
            assert g.find(f"{SVG}title") is not None
    assert not svg.xpath("//*[@style]") and not svg.xpath("//*[local-name()='style']")
    assert not svg.xpath("//*[local-name()='script']")


def test_svg_marks_exactly_the_visited_and_current_elements() -> None:
    d = diagram_of("report_form_approval")
    progress = Progress(frozenset({"start", "draft_form", "sign_off"}), frozenset({"sign_off"}),
                        frozenset({"flow_start_draft", "flow_draft_sign"}), 2)
    svg = etree.fromstring(str(render(d, progress, title="报表")).encode())

    def marked(state: str) -> set[str]:
        return {g.get("data-element-id") for g in svg.iter(f"{SVG}g")
                if f"is-{state}" in (g.get("class") or "").split() and g.get("data-element-id")
                and "bpmn-node" in (g.get("class") or "")}

    assert marked("current") == {"sign_off"}
    assert marked("visited") == {"start", "draft_form"}
    assert {p.get("data-flow-id") for p in svg.iter(f"{SVG}path") if p.get("data-flow-id")
            and "is-taken" in (p.get("class") or "")} == {"flow_start_draft", "flow_draft_sign"}
    assert svg.get("aria-label") == "Process diagram: 报表. Open now: 部门负责人签批"
    gateways = [g for g in svg.iter(f"{SVG}g") if "bpmn-exclusiveGateway" in g.get("class", "")]
    assert len(gateways) == 3 and all(g.find(f"{SVG}path") is not None for g in gateways)


def test_hostile_names_stay_text() -> None:
    text = (BPMN_DIR / "report_form_approval.bpmn").read_text(encoding="utf-8")
    evil = "&lt;script&gt;alert(1)&lt;/script&gt; &quot;&amp;"
    hostile = text.replace('name="填写报表申请"', f'name="{evil}"').replace(
        'name="clerk"', 'name="&lt;/svg&gt;&lt;img src=x onerror=alert(1)&gt;"')
    d = parse_diagram(hostile)
    assert d.by_id["draft_form"].name == '<script>alert(1)</script> "&'
    markup = str(render(d, Progress(current=frozenset({"draft_form"}),
                                    visited=frozenset({"draft_form"}))))
    assert "<script" not in markup and "<img" not in markup and "</svg><" not in markup
    svg = etree.fromstring(markup.encode())
    assert not svg.xpath("//*[local-name()='script' or local-name()='img']")
    texts = "".join(svg.itertext())
    assert "<script>" in texts or "<scri" in texts  # kept as (wrapped) text
    assert '<script>alert(1)</script> "&' in svg.get("aria-label", "")


def test_labels_can_be_left_out() -> None:
    d = diagram_of("report_form_approval")
    svg = etree.fromstring(str(render(d, Progress(), labels=False)).encode())
    assert not list(svg.iter(f"{SVG}text"))
    assert len([g for g in svg.iter(f"{SVG}g") if g.get("data-element-id")]) == len(d.shapes)


def test_wrapping_counts_chinese_characters() -> None:
    assert wrap("区委办公室会签", 60, 3) == ["区委办公室", "会签"]
    assert wrap("Report form approval", 90, 3) == ["Report form", "approval"]
    assert wrap("一二三四五六七八九十", 36, 2) == ["一二三", "四五…"]
    assert wrap("", 100, 2) == []


# ------------------------------------------------------------------ hostile XML


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
  <bpmn:process id="p"><bpmn:userTask id="t" name="&lol9;"/></bpmn:process>
</bpmn:definitions>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
  <bpmn:process id="p"><bpmn:userTask id="t" name="x">&x;</bpmn:userTask></bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, XXE, "<a", "x" * 3_000_000],
                         ids=["billion-laughs", "xxe", "broken", "too-big"])
def test_hostile_or_broken_xml_is_refused(text: str) -> None:
    with pytest.raises(DiagramError):
        parse_diagram(text)


def test_the_parser_itself_resolves_nothing() -> None:
    """Even past the DTD check, the parser neither loads files nor expands entities."""
    from workflows.kernel import diagram

    root = etree.fromstring(XXE.encode(), parser=diagram._PARSER)
    assert "root:" not in "".join(root.itertext())
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(BILLION_LAUGHS.encode(), parser=diagram._PARSER)
