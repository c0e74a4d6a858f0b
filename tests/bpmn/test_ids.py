"""workflows/ids.py mirrors bpmn/: every constant exists in its file, and every user task of
every deployed process has a constant and a registered form schema."""

from __future__ import annotations

from pathlib import Path

from workflows import engine, forms, ids
from workflows.processes import bundle, content_hash

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def _definition(process_id: str) -> engine.ProcessDefinition:
    sources = bundle(BPMN_DIR, process_id)
    return engine.ProcessDefinition(process_id, content_hash(sources), sources)


def test_every_process_file_has_a_process_id_constant() -> None:
    files = {p.stem for p in BPMN_DIR.glob("*.bpmn")}
    assert files == {p.value for p in ids.ProcessId}


def test_constants_exist_in_the_bpmn() -> None:
    defn = _definition(ids.ProcessId.REPORT_FORM_APPROVAL)
    elements = engine.element_ids(defn)
    for enum in (ids.ReportFormTask, ids.ReportFormElement):
        missing = {m.value for m in enum} - elements
        assert not missing, f"{enum.__name__} names ids missing from the BPMN: {missing}"


def test_every_user_task_has_a_constant_and_a_form() -> None:
    for process_id, enum in ids.USER_TASKS.items():
        tasks = {t.task_id for t in engine.user_tasks(_definition(process_id))}
        assert tasks == {m.value for m in enum}
        for task_id in tasks:
            assert forms.form_schema(process_id, task_id) is not None, task_id
        assert process_id in forms.START_FORMS
