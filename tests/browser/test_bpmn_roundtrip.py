"""The modeler round trip (issue 18, item 13): every process file opened and saved by bpmn-js
(the npm package pinned in package.json, loaded from node_modules into headless Chromium: no
network) still parses, keeps every element and flow, and the inspection request saved that way
runs the same paths as the file itself (tests/bpmn/test_inspection_request_paths.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.bpmn import test_inspection_request_paths as paths
from tests.bpmn.conftest import SnapshotDriver
from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.ids import InspectionTask
from workflows.kernel.processes import bundle, content_hash

ROOT = Path(__file__).resolve().parents[2]
MODELER = ROOT / "node_modules" / "bpmn-js" / "dist" / "bpmn-modeler.production.min.js"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
SAVE = """async (xml) => {
  const modeler = new BpmnJS({ container: '#canvas' });
  const imported = await modeler.importXML(xml);
  const saved = await modeler.saveXML({ format: true });
  return { warnings: imported.warnings.map(w => w.message), xml: saved.xml };
}"""


@pytest.fixture(scope="module")
def modeler(chromium: Any) -> Iterator[Any]:
    assert MODELER.exists(), "run `npm ci` (make test does) to install bpmn-js"
    page = chromium.new_page()
    page.set_content('<div id="canvas" style="width:1200px;height:800px"></div>')
    page.add_script_tag(path=str(MODELER))
    yield page
    page.close()


def _saved(modeler: Any, path: Path) -> tuple[list[str], str]:
    out = modeler.evaluate(SAVE, path.read_text(encoding="utf-8"))
    return list(out["warnings"]), str(out["xml"])


def _ids(xml: str, tag: str) -> set[str]:
    root = etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False))
    return {e.get("id") for e in root.iter(f"{{{NS['bpmn']}}}{tag}")}


FILES = sorted(p.relative_to(ROOT / "bpmn").as_posix() for p in (ROOT / "bpmn").rglob("*.bpmn"))


@pytest.mark.parametrize("name", FILES)
def test_a_saved_file_keeps_everything_and_parses(modeler: Any, name: str) -> None:
    path = ROOT / "bpmn" / name
    warnings, xml = _saved(modeler, path)
    assert warnings == []
    original = path.read_text(encoding="utf-8")
    for tag in ("sequenceFlow", "userTask", "scriptTask", "exclusiveGateway",
                "loopDataInputRef", "completionCondition", "timeDate", "script"):
        assert len(_ids(xml, tag)) == len(_ids(original, tag)), tag
        assert xml.count(f"<bpmn:{tag}") == original.count(f"<bpmn:{tag}"), tag
    process_id = Path(name).stem
    sources = {**bundle(ROOT / "bpmn", process_id), f"{process_id}.bpmn": xml} \
        if "/" not in name else {Path(name).name: xml}
    engine.parse(engine.ProcessDefinition(process_id, content_hash(sources), sources))


@pytest.fixture(scope="module")
def saved_inspection(modeler: Any) -> engine.ProcessDefinition:
    _, xml = _saved(modeler, ROOT / "bpmn" / "inspection_request.bpmn")
    assert "<bpmn:loopDataInputRef>towns</bpmn:loopDataInputRef>" in xml
    sources = {**bundle(ROOT / "bpmn", "inspection_request"), "inspection_request.bpmn": xml}
    return engine.ProcessDefinition("inspection_request", content_hash(sources), sources)


@pytest.fixture
def new_case(saved_inspection: engine.ProcessDefinition) -> Any:
    def make(case: str = "saved-1") -> SnapshotDriver:
        return SnapshotDriver(saved_inspection, WorkCalendar(), case)
    return make


# The paths of the file itself, run again on the file bpmn-js saved.
test_saved_objection_returns_at_once = \
    paths.test_a_town_objection_returns_the_draft_at_once_and_withdraws_the_other_reviews
test_saved_objection_after_agreement = \
    paths.test_an_objection_after_the_other_towns_agreed_keeps_their_opinions
test_saved_waits_for_the_visit = \
    paths.test_approval_schedules_every_village_and_waits_for_the_visit_to_end
test_saved_outcome_ratings_closure = paths.test_outcome_ratings_and_closure_after_the_visit
test_saved_supervision = paths.test_the_supervision_office_approval_joins_the_same_gateway
test_saved_overlap_merge = paths.test_overlap_suggests_a_joint_inspection_and_merge_ends_the_request
test_saved_overlap_reschedule = paths.test_overlap_reschedule_goes_back_to_the_draft
test_saved_head_return = paths.test_head_return_goes_back_to_the_draft_with_the_reason
test_saved_rejection = paths.test_rejection_ends_the_request
test_saved_approval_return = paths.test_approval_return_goes_back_to_the_draft


def test_the_saved_file_runs_every_task_the_original_has() -> None:
    assert {str(t) for t in InspectionTask} <= _ids(
        (ROOT / "bpmn" / "inspection_request.bpmn").read_text(encoding="utf-8"), "userTask")


def test_the_first_version_lost_its_loops_in_the_modeler(modeler: Any) -> None:
    """Why version 2 exists: bpmn-js dropped version 1's loop references on save."""
    warnings, xml = _saved(modeler, ROOT / "tests" / "bpmn" / "versions"
                           / "inspection_request_v1.bpmn")
    assert any("unresolved reference <towns>" in w for w in warnings)
    assert "loopDataInputRef" not in xml
