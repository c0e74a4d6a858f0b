"""Every path through supervision_review (docs/supervision.md), driven only through
snapshots: no violation; a violation corrected at the first check; a correction returned
by the check and corrected again; the correcting unit overridden by the reviewer. The task
forms go through `forms.validate_task` with the case data, as the service does.

Due times are worked out by hand in the comments (working days of the official calendar).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.bpmn.conftest import SnapshotDriver, load_definition
from workflows.kernel import engine, forms
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.ids import ProcessId, SupervisionElement, SupervisionTask

CST = timezone(timedelta(hours=8))
PROCESS = ProcessId.SUPERVISION_REVIEW
OFFICE = 16  # 区委督查办 (supervisor lane)
UNIT = 9  # the sampled case's responsible unit
OTHER_UNIT = 12

NO_VIOLATION = {"finding": "no_violation", "findings": "办理程序完整，时限内办结，回访属实。"}
VIOLATION = {"finding": "violation", "findings": "整改材料为事后补记，未实质减少报表。",
             "violation_kind": "substance", "correction_required": "合并报表并提交合并后的样表。"}
CORRECTED = {"actions_taken": "三张报表已合并为一张。", "evidence": "合并后的报表样张"}


def cst(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CST)


def start_data(unit: int | None = UNIT) -> dict[str, Any]:
    """The case_started data `workflows.supervision.sampling.draw` records for one sampled case."""
    draw = {"draw_id": "0123456789abcdef", "seed": "seed-1", "size": 1,
            "as_of": "2026-11-30T02:00:00+00:00", "case_types": ["burden_complaint"],
            "population": [4, 7, 9], "population_hash": "a" * 64, "drawn": [7],
            "drawn_by": 9}
    data = forms.validate_start(PROCESS, {
        "sampled_case_id": 7, "sampled_case_type": "burden_complaint",
        "sampled_title": "重复报表", "responsible_unit_id": unit, "draw": draw})
    data["lane_scopes"] = {"supervisor": OFFICE, "clerk": None}
    return data


class Review:
    def __init__(self, driver: SnapshotDriver) -> None:
        self.driver = driver
        self.last: engine.EngineResult | None = None

    @property
    def data(self) -> dict[str, Any]:
        assert self.last is not None
        return self.last.data

    def start(self, now: datetime, **kwargs: Any) -> engine.EngineResult:
        self.last = self.driver.start(start_data(**kwargs), now)
        return self.last

    def submit(self, task_id: str, fields: dict[str, Any], now: datetime) -> engine.EngineResult:
        data = forms.validate_task(PROCESS, task_id, fields, case_data=self.data)
        self.last = self.driver.complete(task_id, data, now)
        return self.last


@pytest.fixture
def review(calendar: WorkCalendar) -> Review:
    return Review(SnapshotDriver(load_definition(PROCESS), calendar, "review-1"))


def ready(result: engine.EngineResult) -> list[tuple[str, str | None]]:
    return [(t.task_id, t.lane) for t in result.ready]


def test_no_violation_ends_the_review(review: Review) -> None:
    started = review.start(cst(11, 30))
    assert ready(started) == [(SupervisionTask.REVIEW_CASE, "supervisor")]
    assert started.data["case_status"] == "in_review"
    # The command cycle gives the task 10 working days (state._due): from Mon 30 Nov,
    # Dec 1..4, 7..11 and 14 -> due Mon 14 Dec at the same clock time.
    assert started.ready[0].properties["due_working_days"] == "10"

    done = review.submit(SupervisionTask.REVIEW_CASE, NO_VIOLATION, cst(12, 1))
    assert done.completed and done.ready == []
    assert done.data["case_status"] == "no_violation"
    assert done.data["closed_at"] == cst(12, 1).isoformat()
    assert done.data["lane_scopes"]["clerk"] is None  # nobody else was ever involved


def test_violation_is_corrected_by_the_unit_and_passes_the_check(review: Review) -> None:
    review.start(cst(11, 30))
    ordered = review.submit(SupervisionTask.REVIEW_CASE, VIOLATION, cst(12, 1))
    assert ready(ordered) == [(SupervisionTask.CORRECT_VIOLATION, "clerk")]
    assert ordered.data["lane_scopes"]["clerk"] == UNIT
    assert ordered.data["case_status"] == "correction"

    corrected = review.submit(SupervisionTask.CORRECT_VIOLATION, CORRECTED, cst(12, 3))
    assert ready(corrected) == [(SupervisionTask.CHECK_CORRECTION, "supervisor")]
    passed = review.submit(SupervisionTask.CHECK_CORRECTION, {"check_decision": "pass"},
                           cst(12, 4))
    assert passed.completed and passed.data["case_status"] == "corrected"
    assert passed.data["closed_at"] == cst(12, 4).isoformat()


def test_a_returned_correction_goes_back_to_the_unit(review: Review) -> None:
    review.start(cst(11, 30))
    review.submit(SupervisionTask.REVIEW_CASE, VIOLATION, cst(12, 1))
    review.submit(SupervisionTask.CORRECT_VIOLATION, CORRECTED, cst(12, 2))
    returned = review.submit(SupervisionTask.CHECK_CORRECTION,
                             {"check_decision": "return", "comment": "样表仍有重复栏目"},
                             cst(12, 3))
    assert ready(returned) == [(SupervisionTask.CORRECT_VIOLATION, "clerk")]
    assert returned.data["case_status"] == "correction" and not returned.completed
    review.submit(SupervisionTask.CORRECT_VIOLATION, CORRECTED, cst(12, 7))
    passed = review.submit(SupervisionTask.CHECK_CORRECTION, {"check_decision": "pass"},
                           cst(12, 8))
    assert passed.completed and passed.data["case_status"] == "corrected"


def test_the_reviewer_may_name_another_unit_to_correct(review: Review) -> None:
    review.start(cst(11, 30))
    ordered = review.submit(SupervisionTask.REVIEW_CASE,
                            {**VIOLATION, "responsible_unit_id": OTHER_UNIT}, cst(12, 1))
    assert ordered.data["lane_scopes"]["clerk"] == OTHER_UNIT


def test_a_violation_needs_its_kind_what_to_correct_and_a_unit(review: Review) -> None:
    review.start(cst(11, 30), unit=None)
    with pytest.raises(ValidationFailedError) as err:
        forms.validate_task(PROCESS, SupervisionTask.REVIEW_CASE, {"finding": "violation",
                                                                   "findings": "有问题"})
    assert set(err.value.fields) == {"violation_kind", "correction_required"}
    with pytest.raises(ValidationFailedError) as err:
        review.submit(SupervisionTask.REVIEW_CASE, VIOLATION, cst(12, 1))
    assert set(err.value.fields) == {"responsible_unit_id"}
    ordered = review.submit(SupervisionTask.REVIEW_CASE,
                            {**VIOLATION, "responsible_unit_id": OTHER_UNIT}, cst(12, 1))
    assert ordered.data["lane_scopes"]["clerk"] == OTHER_UNIT


def test_a_returned_check_needs_a_reason_and_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationFailedError) as err:
        forms.validate_task(PROCESS, SupervisionTask.CHECK_CORRECTION,
                            {"check_decision": "return"})
    assert set(err.value.fields) == {"comment"}
    with pytest.raises(ValidationFailedError):
        forms.validate_task(PROCESS, SupervisionTask.CORRECT_VIOLATION,
                            {**CORRECTED, "finding": "no_violation"})


def test_the_start_data_must_carry_the_draw() -> None:
    with pytest.raises(ValidationFailedError) as err:
        forms.validate_start(PROCESS, {"sampled_case_id": 7,
                                       "sampled_case_type": "burden_complaint"})
    assert "draw" in err.value.fields


def test_every_element_constant_is_on_a_path_taken_above() -> None:
    """The scripts named in ids.py are the ones these paths run through."""
    names = {e.value for e in SupervisionElement}
    assert names == {"start_review", "review_gateway", "record_no_violation",
                     "order_correction", "check_gateway", "record_corrected"}
