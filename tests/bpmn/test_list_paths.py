"""Every path through list_change, plaque_change and work_assignment (with its decision table
service_purchase.dmn), driven only through snapshots (docs/lists.md).

list_change: draft -> duplicate check -> 区委农办 review (return | reject | forward) ->
区政府办公室 sign-off (return | approve) -> published.
plaque_change: add -> 区委农办 review (approve | reject); merge / remove -> recorded.
work_assignment: draft -> review (return | reject | forward) -> service_purchase_rule
(on_list | purchased | refused -> draft) -> approval (return | approve) -> approved.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.bpmn.conftest import BPMN_DIR, SnapshotDriver
from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.ids import (
    ListElement,
    ListTask,
    PlaqueElement,
    PlaqueTask,
    ProcessId,
    WorkElement,
    WorkTask,
)
from workflows.kernel.processes import bundle, content_hash

CST = timezone(timedelta(hours=8))
SCOPES = {"clerk": 11, "unit_head": 11, "burden_office": 15, "government_office": 3}
NO_MATCHES = {"threshold": 0.2, "compared": 3, "matches": []}
LIKELY = {"threshold": 0.2, "compared": 3, "matches": [
    {"entry_id": 9, "code": "XZ-2026-001", "title": "协助办理农村低保申请", "score": 0.6,
     "likely": True}]}
ENTRY = {"title": "协助办理农村低保申请", "entry_description": "协助做好低保申请受理和入户调查。",
         "legal_basis": "社会救助暂行办法", "unit_id": 11, "in_force_from": "2026-04-01",
         "in_force_to": "", "change_note": ""}


def cst(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CST)


def _definition(process: ProcessId) -> engine.ProcessDefinition:
    sources = bundle(BPMN_DIR, str(process))
    return engine.ProcessDefinition(str(process), content_hash(sources), sources)


@pytest.fixture
def new_case(calendar: WorkCalendar):
    def make(process: ProcessId, name: str = "case-1") -> SnapshotDriver:
        return SnapshotDriver(_definition(process), calendar, name)

    return make


def open_tasks(result: engine.EngineResult) -> list[tuple[str, str | None]]:
    return sorted((t.task_id, t.lane) for t in result.ready)


# ---------------------------------------------------------------- list_change


def to_review(case: SnapshotDriver, check: dict[str, Any] | None = None) -> engine.EngineResult:
    result = case.start({"title": "新增协助事项", "list_kind": "assistance", "change_kind": "add",
                         "entry_id": None, "lane_scopes": SCOPES}, cst(3, 2, 9))
    assert open_tasks(result) == [(ListTask.DRAFT_ENTRY, "clerk")]
    assert result.data["case_status"] == "drafting"
    return case.complete(ListTask.DRAFT_ENTRY, {**ENTRY, "duplicate_check": check or NO_MATCHES},
                         cst(3, 2))


def test_a_list_change_is_reviewed_signed_off_and_published(new_case) -> None:
    case = new_case(ProcessId.LIST_CHANGE)
    result = to_review(case)
    assert open_tasks(result) == [(ListTask.REVIEW_ENTRY, "burden_office")]
    assert result.data["case_status"] == "review"
    assert result.data["likely_duplicates"] is False
    result = case.complete(ListTask.REVIEW_ENTRY, {"review_decision": "forward", "comment": "",
                                                   "duplicate_reason": ""}, cst(3, 3))
    assert open_tasks(result) == [(ListTask.SIGN_OFF_ENTRY, "government_office")]
    assert result.data["case_status"] == "sign_off"
    result = case.complete(ListTask.SIGN_OFF_ENTRY, {"office_decision": "approve",
                                                     "comment": ""}, cst(3, 4))
    assert result.ready == [] and result.data["case_status"] == "published"
    assert ListElement.PUBLISH_ENTRY in result.finished_task_ids
    assert result.data["published_at"]


def test_likely_duplicates_are_flagged_for_the_review(new_case) -> None:
    result = to_review(new_case(ProcessId.LIST_CHANGE), LIKELY)
    assert result.data["likely_duplicates"] is True
    assert result.data["duplicate_matches"][0]["code"] == "XZ-2026-001"


def test_the_review_returns_to_the_draft_with_the_reason(new_case) -> None:
    case = new_case(ProcessId.LIST_CHANGE)
    to_review(case)
    result = case.complete(ListTask.REVIEW_ENTRY, {"review_decision": "return",
                                                   "comment": "法律依据不全",
                                                   "duplicate_reason": ""}, cst(3, 3))
    assert open_tasks(result) == [(ListTask.DRAFT_ENTRY, "clerk")]
    assert result.data["case_status"] == "returned"
    assert [(r["stage"], r["reason"]) for r in result.data["returns"]] == [
        ("review", "法律依据不全")]
    assert ListElement.RECORD_REVIEW_RETURN in result.finished_task_ids


def test_the_review_rejects(new_case) -> None:
    case = new_case(ProcessId.LIST_CHANGE)
    to_review(case)
    result = case.complete(ListTask.REVIEW_ENTRY, {"review_decision": "reject",
                                                   "comment": "不属于协助事项",
                                                   "duplicate_reason": ""}, cst(3, 3))
    assert result.ready == [] and result.data["case_status"] == "rejected"
    assert ListElement.RECORD_REJECTION in result.finished_task_ids


def test_the_sign_off_returns_to_the_draft_then_publishes(new_case) -> None:
    case = new_case(ProcessId.LIST_CHANGE)
    to_review(case)
    forward = {"review_decision": "forward", "comment": "", "duplicate_reason": ""}
    case.complete(ListTask.REVIEW_ENTRY, forward, cst(3, 3))
    result = case.complete(ListTask.SIGN_OFF_ENTRY, {"office_decision": "return",
                                                     "comment": "请写明适用范围"}, cst(3, 4))
    assert open_tasks(result) == [(ListTask.DRAFT_ENTRY, "clerk")]
    assert result.data["returns"][-1]["stage"] == "office_sign_off"
    assert ListElement.RECORD_OFFICE_RETURN in result.finished_task_ids
    case.complete(ListTask.DRAFT_ENTRY, {**ENTRY, "duplicate_check": NO_MATCHES}, cst(3, 5))
    case.complete(ListTask.REVIEW_ENTRY, forward, cst(3, 6))
    result = case.complete(ListTask.SIGN_OFF_ENTRY, {"office_decision": "approve",
                                                     "comment": ""}, cst(3, 9))
    assert result.data["case_status"] == "published"


# ---------------------------------------------------------------- plaque_change

PLAQUE = {"title": "示例村1挂牌", "village_id": 31, "entry_id": 5, "plaque_id": None,
          "merge_into_id": None, "note": "", "plaque_name": "村民委员会",
          "lane_scopes": SCOPES}


@pytest.mark.parametrize("decision,status,element", [
    ("approve", "hung", PlaqueElement.HANG_PLAQUE),
    ("reject", "rejected", PlaqueElement.RECORD_REJECTION),
])
def test_adding_a_plaque_is_reviewed(new_case, decision: str, status: str,
                                     element: PlaqueElement) -> None:
    case = new_case(ProcessId.PLAQUE_CHANGE)
    result = case.start({**PLAQUE, "change_kind": "add"}, cst(3, 2))
    assert open_tasks(result) == [(PlaqueTask.REVIEW_PLAQUE, "burden_office")]
    assert result.data["case_status"] == "review"
    result = case.complete(PlaqueTask.REVIEW_PLAQUE, {"review_decision": decision,
                                                      "comment": "已有同类牌子"}, cst(3, 3))
    assert result.ready == [] and result.data["case_status"] == status
    assert element in result.finished_task_ids


@pytest.mark.parametrize("kind", ["merge", "remove"])
def test_merging_and_removing_are_recorded_without_review(new_case, kind: str) -> None:
    case = new_case(ProcessId.PLAQUE_CHANGE)
    result = case.start({**PLAQUE, "change_kind": kind, "entry_id": None, "plaque_id": 7,
                         "merge_into_id": 8 if kind == "merge" else None, "note": "合署办公"},
                        cst(3, 2))
    assert result.ready == [] and result.data["case_status"] == "recorded"
    assert PlaqueElement.RECORD_CHANGE in result.finished_task_ids


# ---------------------------------------------------------------- work_assignment

WORK = {"task_title": "集体资产清查数据录入", "task_description": "将村集体资产清查结果录入平台。",
        "village_ids": [31], "town_ids": [], "start_on": "2026-04-01",
        "end_on": "2026-04-30", "villages": [{"unit_id": 31, "name": "一村", "town_id": 30}],
        "list_match": NO_MATCHES, "suggested_finding": "off_list"}
PURCHASE = {"paying_unit_id": 11, "amount": 12000.0, "budget_line": "农村综合改革专项",
            "agreement_ref": "NC-1", "payment_schedule": "验收后付清"}
NONE = {"paying_unit_id": None, "amount": None, "budget_line": "", "agreement_ref": "",
        "payment_schedule": ""}


def drafted(case: SnapshotDriver, recorded: bool) -> engine.EngineResult:
    result = case.start({"title": "工作事项", "lane_scopes": SCOPES}, cst(3, 2, 9))
    assert open_tasks(result) == [(WorkTask.DRAFT_ASSIGNMENT, "clerk")]
    return case.complete(WorkTask.DRAFT_ASSIGNMENT, {
        **WORK, **(PURCHASE if recorded else NONE), "purchase_recorded": recorded}, cst(3, 2))


def review(finding: str, decision: str = "forward", comment: str = "") -> dict[str, Any]:
    code = "XZ-2026-001" if finding == "on_list" else ""
    return {"review_decision": decision, "list_finding": finding, "list_entry_code": code,
            "list_entry_id": 9 if code else None, "comment": comment}


@pytest.mark.parametrize("finding,recorded,result_", [
    ("on_list", False, "on_list"),
    ("on_list", True, "on_list"),
    ("off_list", True, "purchased"),
])
def test_work_on_a_list_or_bought_goes_to_approval_and_is_approved(
        new_case, finding: str, recorded: bool, result_: str) -> None:
    case = new_case(ProcessId.WORK_ASSIGNMENT)
    result = drafted(case, recorded)
    assert open_tasks(result) == [(WorkTask.REVIEW_ASSIGNMENT, "burden_office")]
    assert result.data["case_status"] == "review"
    result = case.complete(WorkTask.REVIEW_ASSIGNMENT, review(finding), cst(3, 3))
    assert open_tasks(result) == [(WorkTask.APPROVE_ASSIGNMENT, "government_office")]
    assert result.data["purchase_check"]["result"] == result_
    assert result.data["case_status"] == "approving"
    assert WorkElement.CHECK_PURCHASE in result.finished_task_ids
    check = {"result": result_, "reason": "", "on_list": finding == "on_list",
             "recorded": recorded}
    result = case.complete(WorkTask.APPROVE_ASSIGNMENT, {
        "approval_decision": "approve", "comment": "", "approval_check": check}, cst(3, 4))
    assert result.ready == [] and result.data["case_status"] == "approved"
    assert result.data["paid"] is (result_ == "purchased")
    assert WorkElement.RECORD_APPROVAL in result.finished_task_ids


def test_work_on_neither_list_without_a_purchase_goes_back_with_the_reason(new_case) -> None:
    case = new_case(ProcessId.WORK_ASSIGNMENT)
    drafted(case, recorded=False)
    result = case.complete(WorkTask.REVIEW_ASSIGNMENT, review("off_list"), cst(3, 3))
    assert open_tasks(result) == [(WorkTask.DRAFT_ASSIGNMENT, "clerk")]
    assert result.data["case_status"] == "returned"
    assert result.data["purchase_check"]["result"] == "refused"
    assert result.data["returns"][-1]["stage"] == "purchase_check"
    assert "购买服务" in result.data["returns"][-1]["reason"]
    assert WorkElement.RECORD_PURCHASE_MISSING in result.finished_task_ids
    # With the record added, the same work passes.
    result = case.complete(WorkTask.DRAFT_ASSIGNMENT, {**WORK, **PURCHASE,
                                                       "purchase_recorded": True}, cst(3, 4))
    result = case.complete(WorkTask.REVIEW_ASSIGNMENT, review("off_list"), cst(3, 5))
    assert open_tasks(result) == [(WorkTask.APPROVE_ASSIGNMENT, "government_office")]


@pytest.mark.parametrize("decision,element", [
    ("return", WorkElement.RECORD_REVIEW_RETURN),
    ("reject", WorkElement.RECORD_REJECTION),
])
def test_the_review_returns_or_rejects(new_case, decision: str, element: WorkElement) -> None:
    case = new_case(ProcessId.WORK_ASSIGNMENT)
    drafted(case, recorded=True)
    result = case.complete(WorkTask.REVIEW_ASSIGNMENT,
                           review("off_list", decision, "说明不清"), cst(3, 3))
    assert element in result.finished_task_ids
    if decision == "return":
        assert open_tasks(result) == [(WorkTask.DRAFT_ASSIGNMENT, "clerk")]
        assert result.data["returns"][-1] == {"stage": "review", "reason": "说明不清",
                                              "at": result.data["returns"][-1]["at"]}
    else:
        assert result.ready == [] and result.data["case_status"] == "rejected"


def test_the_approval_returns_to_the_draft(new_case) -> None:
    case = new_case(ProcessId.WORK_ASSIGNMENT)
    drafted(case, recorded=True)
    case.complete(WorkTask.REVIEW_ASSIGNMENT, review("off_list"), cst(3, 3))
    result = case.complete(WorkTask.APPROVE_ASSIGNMENT, {"approval_decision": "return",
                                                         "comment": "金额偏高"}, cst(3, 4))
    assert open_tasks(result) == [(WorkTask.DRAFT_ASSIGNMENT, "clerk")]
    assert result.data["returns"][-1]["stage"] == "office_approval"
    assert WorkElement.RECORD_OFFICE_RETURN in result.finished_task_ids
