"""burden_complaint through the reducer (state.apply_event): each task's role, lane scope
and due time, and the deadline events its timer jobs record.

Driven only through snapshots; tests/bpmn/complaint_paths_helpers.py says how.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.bpmn.complaint_paths_helpers import (
    ACCEPT,
    ACCEPTED,
    DONE,
    EXTENSION,
    FILED,
    INTAKE_DUE,
    OFFICE,
    PASS,
    PROCESS,
    UNIT,
    cst,
    start_data,
)
from workflows.kernel import engine, forms
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.ids import ComplaintElement, ComplaintTask
from workflows.kernel.state import (
    CASE_STARTED,
    TASK_COMPLETED,
    TIMER_FIRED,
    TIMER_JOB,
    CaseState,
    EventDraft,
    apply_event,
)

# ------------------------------------------------------------------ roles, scopes, due dates


class ReducedCase:
    """The case through the reducer (state.apply_event), as commands and replay fold it."""

    def __init__(self, defn: engine.ProcessDefinition, calendar: WorkCalendar) -> None:
        self.defn, self.calendar = defn, calendar
        self.state: CaseState | None = None
        self.seq = 0

    def _apply(self, draft: EventDraft) -> CaseState:
        self.seq += 1
        self.state, _ = apply_event(self.defn, 1, self.seq, self.state, draft, self.calendar)
        return self.state

    def file(self, now: datetime) -> CaseState:
        return self._apply(EventDraft(CASE_STARTED, at=now, inputs={
            "data": start_data(), "scope_org_unit_id": OFFICE, "title": "重复报表"}))

    def open_task(self, task_id: str):
        assert self.state is not None
        [task] = [t for t in self.state.tasks.values()
                  if t.task_id == task_id and t.state == "open"]
        return task

    def submit(self, task_id: str, fields: dict[str, Any], now: datetime) -> CaseState:
        assert self.state is not None
        task = self.open_task(task_id)
        data = forms.validate_task(PROCESS, task_id, fields, case_data=self.state.data)
        return self._apply(EventDraft(TASK_COMPLETED, at=now, task_uuid=task.task_uuid,
                                      task_id=task_id, inputs={"data": data}))

    def fire(self, timer_id: str, now: datetime) -> CaseState:
        assert self.state is not None
        [job] = [j for j in self.state.jobs.values()
                 if j.task_id == timer_id and j.state == "pending"]
        return self._apply(EventDraft(TIMER_FIRED, at=now,
                                      inputs={"job": {"kind": TIMER_JOB, "key": job.key}}))


def test_every_task_has_its_lane_as_role_its_lane_scope_and_its_due_time(complaint_definition,
                                                                         calendar):
    case = ReducedCase(complaint_definition, calendar)
    seen: dict[str, tuple[str, int | None, datetime | None, str]] = {}

    def record(state: CaseState) -> None:
        for t in state.tasks.values():
            if t.state == "open":
                seen[t.task_id] = (t.role, t.scope_org_unit_id, t.due_at, t.name)

    record(case.file(FILED))
    record(case.submit("intake", ACCEPT, ACCEPTED))
    record(case.submit("correction", EXTENSION, cst(3, 10)))
    record(case.submit("review_extension", {"extension_decision": "approve"}, cst(3, 11)))
    record(case.submit("correction", DONE, cst(3, 12)))
    record(case.submit("verification", PASS, cst(3, 13)))
    state = case.submit("return_visit", {"rating": "satisfied"}, cst(3, 16))
    record(state)

    assert seen == {
        "intake": ("burden_office", OFFICE, INTAKE_DUE, "受理审核"),
        # the re-entered correction shows the moved deadline (03-17 + 3 working days)
        "correction": ("clerk", UNIT, cst(3, 20), "整改落实"),
        # 2 working days after 03-10: 11, 12
        "review_extension": ("burden_office", OFFICE, cst(3, 12), "延期审核"),
        "verification": ("verifier", OFFICE, cst(3, 17), "核查验收"),
        "return_visit": ("burden_office", OFFICE, cst(3, 20), "回访评价"),
        "appeal_window": ("complainant", None, cst(4, 7), "申诉期"),
    }
    assert {t.value for t in ComplaintTask} == set(seen)
    assert all(due.tzinfo == UTC for _, _, due, _ in seen.values() if due is not None)
    assert state.status == "closed"
    assert state.data["case_status"] == "closed"

    jobs = {j.task_id: j.state for j in state.jobs.values()}
    assert jobs[ComplaintElement.APPEAL_EXPIRED] == "pending"
    assert jobs[ComplaintElement.RETURN_VISIT_BREACH] == "cancelled"

    final = case.fire(ComplaintElement.APPEAL_EXPIRED, cst(4, 7))
    assert final.status == "closed"
    assert final.data["appeal_closed"] is True
    assert all(t.state != "open" for t in final.tasks.values())
    assert case.open_task  # the helper stays usable


def test_timer_jobs_record_deadline_events_through_the_reducer(complaint_definition, calendar):
    case = ReducedCase(complaint_definition, calendar)
    case.file(FILED)

    state = case.fire(ComplaintElement.INTAKE_BREACH, INTAKE_DUE)

    # One timer command fires every due timer: the warning's job is done as well.
    assert {j.task_id: j.state for j in state.jobs.values()} == {
        "intake_warning": "done", "intake_breach": "done"}
    assert [(e["stage"], e["kind"]) for e in state.data["deadline_events"]] == [
        ("intake", "warning"), ("intake", "breach")]
    assert state.data["breach_count"] == 1
    assert case.open_task("intake").due_at == INTAKE_DUE
