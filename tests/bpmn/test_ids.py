"""workflows/kernel/ids.py mirrors bpmn/: every constant exists in its file, and every user task of
every deployed process has a constant and a registered form schema."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import pytest
from lxml import etree

from workflows.kernel import engine, forms, ids
from workflows.kernel.processes import bundle, content_hash

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def _definition(process_id: str) -> engine.ProcessDefinition:
    sources = bundle(BPMN_DIR, process_id)
    return engine.ProcessDefinition(process_id, content_hash(sources), sources)


def test_every_process_file_has_a_process_id_constant() -> None:
    files = {p.stem for p in BPMN_DIR.glob("*.bpmn")}
    assert files == {p.value for p in ids.ProcessId}


CONSTANTS: dict[ids.ProcessId, tuple[type[StrEnum], ...]] = {
    ids.ProcessId.REPORT_FORM_APPROVAL: (ids.ReportFormTask, ids.ReportFormElement),
    ids.ProcessId.BURDEN_COMPLAINT: (ids.ComplaintTask, ids.ComplaintElement),
    ids.ProcessId.ASSESSMENT_ITEM_APPROVAL: (ids.ItemTask, ids.ItemElement),
    ids.ProcessId.SUPERVISION_REVIEW: (ids.SupervisionTask, ids.SupervisionElement),
    ids.ProcessId.INSPECTION_REQUEST: (ids.InspectionTask, ids.InspectionElement),
    ids.ProcessId.MEETING_REQUEST: (ids.MeetingTask, ids.MeetingElement),
    ids.ProcessId.ADMINISTRATION: (ids.AdministrationTask, ids.AdministrationElement),
    ids.ProcessId.LIST_CHANGE: (ids.ListTask, ids.ListElement),
    ids.ProcessId.PLAQUE_CHANGE: (ids.PlaqueTask, ids.PlaqueElement),
    ids.ProcessId.WORK_ASSIGNMENT: (ids.WorkTask, ids.WorkElement),
    ids.ProcessId.VILLAGE_DATA: (ids.VillageDataTask, ids.VillageDataElement),
    ids.ProcessId.APP_REQUEST: (ids.AppTask, ids.AppElement),
    ids.ProcessId.FIVE_YEAR_PLAN_CHECK: (ids.PlanCheckTask, ids.PlanCheckElement),
    ids.ProcessId.PILOT_VARIANT_APPROVAL: (ids.VariantTask, ids.VariantElement),
    ids.ProcessId.INNOVATION_PRACTICE: (ids.PracticeTask, ids.PracticeElement),
}


def test_every_process_has_its_constants_listed_here() -> None:
    assert set(CONSTANTS) == set(ids.ProcessId)
    assert set(ids.USER_TASKS) == set(ids.ProcessId)


@pytest.mark.parametrize("process_id", sorted(CONSTANTS))
def test_constants_exist_in_the_bpmn(process_id: ids.ProcessId) -> None:
    elements = engine.element_ids(_definition(process_id))
    for enum in CONSTANTS[process_id]:
        missing = {m.value for m in enum} - elements
        assert not missing, f"{enum.__name__} names ids missing from the BPMN: {missing}"


def test_the_complaint_deadline_timers_are_non_interrupting_on_their_stage_tasks() -> None:
    root = etree.parse(str(BPMN_DIR / "burden_complaint.bpmn")).getroot()
    boundaries = {
        el.get("id"): (el.get("attachedToRef"), el.get("cancelActivity"))
        for el in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}boundaryEvent")
    }
    expected = {
        timer.value: (task.value, "false")
        for task, pair in ids.COMPLAINT_DEADLINE_TIMERS.items()
        for timer in pair
    }
    expected[ids.ComplaintElement.APPEAL_EXPIRED] = (ids.ComplaintTask.APPEAL_WINDOW, "true")
    assert boundaries == expected


def test_the_item_review_reminder_is_non_interrupting_and_returns_are_caught() -> None:
    root = etree.parse(str(BPMN_DIR / "assessment_item_approval.bpmn")).getroot()
    boundaries = {
        el.get("id"): (el.get("attachedToRef"), el.get("cancelActivity"))
        for el in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}boundaryEvent")
    }
    assert boundaries == {
        ids.ItemElement.REVIEW_REMINDER: (ids.ItemTask.REVIEW_ITEM, "false"),
        # An error boundary event always interrupts: the other office's task is withdrawn.
        ids.ItemElement.JOINT_RETURNED: (ids.ItemElement.JOINT_SIGN_OFF, None),
    }


def test_every_user_task_has_a_constant_and_a_form() -> None:
    for process_id, enum in ids.USER_TASKS.items():
        tasks = {t.task_id for t in engine.user_tasks(_definition(process_id))}
        assert tasks == {m.value for m in enum}
        for task_id in tasks:
            assert forms.form_schema(process_id, task_id) is not None, task_id
        assert process_id in forms.START_FORMS
