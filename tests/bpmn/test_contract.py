"""Every deployed model in bpmn/ keeps the house rules.

- it parses, and the file name is its executable process id;
- every user task is in a lane and has either a positive integer `due_working_days` property
  or a `due_field` naming the data key a script of the model sets (its ISO deadline);
- it validates against the BPMN 2.0 schema with SpiffWorkflow's extensions;
- every id is readable (snake_case, never a modeler default like Activity_0x1y2z3);
- it has diagram interchange: a shape for every flow node and lane, an edge for every flow.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR as SPIFF_VALIDATOR

from workflows.kernel import engine

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
MODEL_FILES = sorted(BPMN_DIR.glob("*.bpmn"))

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
}
READABLE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
MODELER_DEFAULT_ID = re.compile(
    r"^(Activity|Gateway|Event|StartEvent|EndEvent|Flow|Lane|LaneSet|Participant|Process|"
    r"Collaboration|DataObject|DataObjectReference|TextAnnotation|Association|Definitions|"
    r"BPMNDiagram|BPMNPlane)_")
FLOW_NODE_TAGS = [
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "task", "userTask", "manualTask", "scriptTask", "serviceTask",
    "businessRuleTask", "sendTask", "receiveTask", "callActivity", "subProcess",
    "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
    "complexGateway",
]

each_model = pytest.mark.parametrize("path", MODEL_FILES, ids=[p.name for p in MODEL_FILES])


def tree(path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.parse(str(path), parser).getroot()


def definition(path: Path) -> engine.ProcessDefinition:
    """The model together with every other file in bpmn/ (call activities, DMN tables)."""
    sources = {p.name: p.read_text(encoding="utf-8")
               for p in sorted(BPMN_DIR.iterdir()) if p.suffix in (".bpmn", ".dmn")}
    process_id = path.stem
    digest = hashlib.sha256(
        "\0".join([process_id, *(f"{k}\0{v}" for k, v in sorted(sources.items()))]).encode()
    ).hexdigest()
    return engine.ProcessDefinition(process_id, digest, sources)


def test_there_are_models_to_check():
    assert MODEL_FILES


@each_model
def test_file_name_is_the_executable_process_id(path):
    executable = [p.get("id") for p in tree(path).iterfind("bpmn:process", NS)
                  if p.get("isExecutable") == "true"]

    assert executable == [path.stem]


@each_model
def test_model_parses(path):
    spec, _ = engine.parse(definition(path))

    assert spec.name == path.stem


RECORD_ONLY = {"administration", "village_data"}


@each_model
def test_every_user_task_has_a_lane_and_a_due_time(path):
    tasks = engine.user_tasks(definition(path))
    # The administration record (workflows/admin/record.py) and a village's data record
    # (workflows/report_forms/values.py) only collect events: nothing to route, and it must
    # stay so (a task there would wait for nobody).
    if path.stem in RECORD_ONLY:
        assert not tasks, f"{path.stem} must have no user task"
        return
    assert tasks, "a process with no user task has nothing to route"
    scripts = "\n".join(el.text or "" for el in tree(path).iterfind(".//bpmn:script", NS))

    for task in tasks:
        assert task.lane, f"{task.task_id} is not in a lane"
        raw = task.properties.get("due_working_days")
        key = task.properties.get("due_field")
        assert (raw is None) != (key is None), (
            f"{task.task_id} needs exactly one of due_working_days and due_field")
        if key is not None:
            assert READABLE_ID.match(key), f"{task.task_id}: due_field {key!r}"
            assert re.search(rf"^{key} = ", scripts, re.MULTILINE), (
                f"{task.task_id}: no script sets its due_field {key}")
            continue
        assert re.fullmatch(r"[0-9]+", raw) and int(raw) > 0, (
            f"{task.task_id}: due_working_days must be a positive integer, not {raw!r}")


@each_model
def test_model_is_valid_bpmn_with_spiff_extensions(path):
    validator = SPIFF_VALIDATOR.validator

    assert validator.validate(etree.parse(str(path))), [str(e) for e in validator.error_log]


@each_model
def test_every_id_is_readable(path):
    ids = [el.get("id") for el in tree(path).iter() if el.get("id") is not None]
    ids += sorted(engine.element_ids(definition(path)))

    bad = [i for i in ids if not READABLE_ID.match(i) or MODELER_DEFAULT_ID.match(i)]
    assert bad == []


@each_model
def test_ids_are_unique(path):
    ids = [el.get("id") for el in tree(path).iter() if el.get("id") is not None]

    assert len(ids) == len(set(ids))


@each_model
def test_every_flow_node_and_lane_has_a_shape(path):
    root = tree(path)
    nodes = {el.get("id") for tag in [*FLOW_NODE_TAGS, "lane", "participant"]
             for el in root.iterfind(f".//bpmn:{tag}", NS)}
    shapes = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNShape", NS)}

    assert nodes, "no flow nodes found"
    assert sorted(nodes - shapes) == []


@each_model
def test_every_sequence_flow_has_an_edge(path):
    root = tree(path)
    flows = {el.get("id") for el in root.iterfind(".//bpmn:sequenceFlow", NS)}
    edges = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNEdge", NS)}

    assert flows
    assert sorted(flows - edges) == []


@each_model
def test_diagram_refers_only_to_existing_elements(path):
    root = tree(path)
    ids = {el.get("id") for el in root.iter() if el.get("id") is not None}
    refs = {el.get("bpmnElement") for el in root.iter(
        f"{{{NS['bpmndi']}}}BPMNShape", f"{{{NS['bpmndi']}}}BPMNEdge",
        f"{{{NS['bpmndi']}}}BPMNPlane")}

    assert sorted(refs - ids) == []
