"""Every path through app_request (政务应用和工作群申请), driven only through snapshots: each
command restores the workflow from the previous command's snapshot string and checks that
`inspect` of the new snapshot shows what the command returned (tests/bpmn/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.bpmn.conftest import SnapshotDriver, load_definition
from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.ids import AppElement, AppTask

CST = timezone(timedelta(hours=8))
NO_MATCHES = {"threshold": 0.2, "compared": 0, "matches": []}
LIKELY = {"threshold": 0.2, "compared": 1,
          "matches": [{"app_id": 7, "code": "YY-2026-001", "likely": True, "score": 0.5}]}


def cst(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=CST)


@pytest.fixture
def new_request(calendar: WorkCalendar) -> Callable[[], SnapshotDriver]:
    defn = load_definition("app_request")
    return lambda: SnapshotDriver(defn, calendar, "app-1")


def lanes(result: engine.EngineResult) -> list[tuple[str, str | None]]:
    return [(t.task_id, t.lane) for t in result.ready]


def draft(check: dict[str, Any] = NO_MATCHES, name: str = "防汛值守打卡") -> dict[str, Any]:
    return {"app_name": name, "duplicate_check": check, "burden_estimate": {"formula": 1}}


def reach_burden_review(case: SnapshotDriver, check: dict[str, Any] = NO_MATCHES
                        ) -> engine.EngineResult:
    case.start({"app_change": "new"}, cst(2, 9))
    case.complete(AppTask.DRAFT_APP, draft(check), cst(2, 10))
    return case.complete(AppTask.SIGN_OFF, {"head_decision": "approve", "comment": ""},
                         cst(2, 11))


def reach_cyberspace(case: SnapshotDriver) -> engine.EngineResult:
    reach_burden_review(case)
    return case.complete(AppTask.BURDEN_REVIEW, {"burden_decision": "to_cyberspace", "comment": ""},
                         cst(3))


def test_start_opens_the_draft_for_the_clerk(new_request: Callable[[], SnapshotDriver]) -> None:
    result = new_request().start({"app_change": "new"}, cst(2, 9))
    assert lanes(result) == [("draft_app", "clerk")]
    assert result.data["case_status"] == "drafting"
    assert result.data["returns"] == []
    assert AppElement.START_APP_REQUEST in result.finished_task_ids


def test_the_draft_goes_to_the_unit_head(new_request: Callable[[], SnapshotDriver]) -> None:
    case = new_request()
    case.start({"app_change": "new"}, cst(2, 9))
    result = case.complete(AppTask.DRAFT_APP, draft(), cst(2, 10))
    assert lanes(result) == [("sign_off", "unit_head")]
    assert result.ready[0].properties == {"due_working_days": "3"}


def test_approved_by_both_offices_is_published(
        new_request: Callable[[], SnapshotDriver]) -> None:
    case = new_request()
    review = reach_burden_review(case)
    assert lanes(review) == [("burden_review", "burden_office")]
    assert review.data["case_status"] == "burden_review"
    assert review.data["likely_duplicates"] is False
    cyberspace = case.complete(AppTask.BURDEN_REVIEW,
                               {"burden_decision": "to_cyberspace", "comment": ""}, cst(3))
    assert lanes(cyberspace) == [("cyberspace_review", "office_approver")]
    result = case.complete(AppTask.CYBERSPACE_REVIEW,
                           {"cyberspace_decision": "approve", "comment": ""}, cst(4))
    assert result.completed
    assert result.data["case_status"] == "published"
    assert result.data["published_at"] == "2026-03-04T10:00:00+08:00"
    assert {AppElement.PUBLISH_APP, "published_end"} <= set(result.finished_task_ids)
    assert AppElement.RECORD_REJECTION not in result.finished_task_ids


def test_a_likely_duplicate_is_flagged_for_the_review(
        new_request: Callable[[], SnapshotDriver]) -> None:
    review = reach_burden_review(new_request(), LIKELY)
    assert review.data["likely_duplicates"] is True
    assert review.data["duplicate_matches"][0]["code"] == "YY-2026-001"


def test_head_return_reopens_the_draft_with_the_reason(
        new_request: Callable[[], SnapshotDriver]) -> None:
    case = new_request()
    case.start({"app_change": "new"}, cst(2, 9))
    case.complete(AppTask.DRAFT_APP, draft(name="v1"), cst(2, 10))
    returned = case.complete(AppTask.SIGN_OFF, {"head_decision": "return", "comment": "重写"},
                             cst(2, 11))
    assert lanes(returned) == [("draft_app", "clerk")]
    assert returned.data["case_status"] == "returned"
    assert returned.data["returns"][0]["stage"] == "sign_off"
    assert returned.ready[0].data["app_name"] == "v1"
    case.complete(AppTask.DRAFT_APP, draft(name="v2"), cst(3))
    again = case.complete(AppTask.SIGN_OFF, {"head_decision": "approve", "comment": ""},
                          cst(3, 11))
    assert lanes(again) == [("burden_review", "burden_office")]
    assert again.data["app_name"] == "v2"


def test_burden_office_return_reopens_the_draft(
        new_request: Callable[[], SnapshotDriver]) -> None:
    case = new_request()
    reach_burden_review(case)
    returned = case.complete(AppTask.BURDEN_REVIEW,
                             {"burden_decision": "return", "comment": "与已有群重复"}, cst(3))
    assert lanes(returned) == [("draft_app", "clerk")]
    assert returned.data["returns"][-1]["stage"] == "burden_review"
    assert AppElement.RECORD_REVIEW_RETURN in returned.finished_task_ids


def test_burden_office_rejection_ends_the_request(
        new_request: Callable[[], SnapshotDriver]) -> None:
    case = new_request()
    reach_burden_review(case)
    result = case.complete(AppTask.BURDEN_REVIEW,
                           {"burden_decision": "reject", "comment": "不必新建"}, cst(3))
    assert result.completed
    assert result.ready == []
    assert result.data["case_status"] == "rejected"
    assert "published_at" not in result.data
    assert {AppElement.RECORD_REJECTION, "rejected_end"} <= set(result.finished_task_ids)


def test_cyberspace_office_return_reopens_the_draft_then_approval_publishes(
        new_request: Callable[[], SnapshotDriver]) -> None:
    case = new_request()
    reach_cyberspace(case)
    returned = case.complete(AppTask.CYBERSPACE_REVIEW,
                             {"cyberspace_decision": "return", "comment": "数据安全说明不足"},
                             cst(4))
    assert lanes(returned) == [("draft_app", "clerk")]
    assert returned.data["returns"][-1]["stage"] == "cyberspace_review"
    assert AppElement.RECORD_CYBERSPACE_RETURN in returned.finished_task_ids
    case.complete(AppTask.DRAFT_APP, draft(name="v2"), cst(5))
    case.complete(AppTask.SIGN_OFF, {"head_decision": "approve", "comment": ""}, cst(5, 11))
    case.complete(AppTask.BURDEN_REVIEW, {"burden_decision": "to_cyberspace", "comment": ""},
                  cst(6))
    done = case.complete(AppTask.CYBERSPACE_REVIEW,
                         {"cyberspace_decision": "approve", "comment": ""}, cst(9))
    assert done.completed
    assert done.data["case_status"] == "published"
    assert [r["stage"] for r in done.data["returns"]] == ["cyberspace_review"]
