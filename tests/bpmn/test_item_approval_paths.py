"""Every path through assessment_item_approval, driven only through snapshots.

draft -> sign-off (return | approve) -> duplicate check -> review (return | reject | forward;
reminder after 5 working days) -> joint sign-off by both offices (either returns, both
approve) -> published. The sign-off command passes `duplicate_check` in as task data.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.bpmn.conftest import SnapshotDriver, load_definition
from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import InvalidTransitionError
from workflows.kernel.ids import ItemElement, ItemTask

CST = timezone(timedelta(hours=8))
SCOPES = {"clerk": 11, "unit_head": 11, "burden_office": 15, "party_office": 1,
          "government_office": 3}
START = {"title": "村级人居环境整治考核（新增）", "change_kind": "new", "item_id": None,
         "owner_unit_id": 11, "review_reminder_days": 5, "lane_scopes": SCOPES}
DRAFT = {"name": "村级人居环境整治考核", "target": "villages",
         "content": "对村庄垃圾治理、污水治理和厕所改造情况实地检查评分。",
         "criteria": "按百分制评分", "method": "on_site", "frequency": "quarterly",
         "period": "all_year", "weight": 5, "legal_basis": "农村人居环境整治提升五年行动方案",
         "effective_date": "2026-04-01", "change_note": ""}
NO_MATCHES = {"threshold": 0.32, "compared": 3, "matches": []}
LIKELY = {"threshold": 0.32, "compared": 3, "matches": [
    {"item_id": 9, "code": "KH-2026-001", "name": "村庄清洁行动考核", "score": 0.71,
     "likely": True}]}


def cst(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CST)


@pytest.fixture
def new_case(calendar: WorkCalendar):
    definition = load_definition("assessment_item_approval")

    def make(case: str = "item-1") -> SnapshotDriver:
        return SnapshotDriver(definition, calendar, case)

    return make


def open_tasks(result: engine.EngineResult) -> list[tuple[str, str | None]]:
    return sorted((t.task_id, t.lane) for t in result.ready)


def reach_review(case: SnapshotDriver, check: dict[str, object] | None = None,
                 at: datetime | None = None) -> engine.EngineResult:
    at = at or cst(3, 2)
    case.start(dict(START), at - timedelta(hours=3))
    case.complete(ItemTask.DRAFT_ITEM, dict(DRAFT), at - timedelta(hours=2))
    return case.complete(ItemTask.SIGN_OFF, {"head_decision": "approve", "comment": "",
                                             "duplicate_check": check or NO_MATCHES}, at)


def reach_joint(case: SnapshotDriver) -> engine.EngineResult:
    reach_review(case)
    return case.complete(ItemTask.REVIEW_ITEM, {"review_decision": "forward", "comment": "",
                                                "duplicate_reason": ""}, cst(3, 3))


# ------------------------------------------------------------------ the paths


def test_start_records_the_proposal_and_opens_the_draft(new_case):
    result = new_case().start(dict(START), cst(3, 2))

    assert open_tasks(result) == [(ItemTask.DRAFT_ITEM, "clerk")]
    assert result.ready[0].properties == {"due_working_days": "5"}
    assert result.data["case_status"] == "drafting"
    assert result.data["returns"] == [] and result.data["reminders"] == []
    assert result.timers == [] and not result.completed


def test_the_draft_goes_to_the_unit_head(new_case):
    case = new_case()
    case.start(dict(START), cst(3, 2))

    result = case.complete(ItemTask.DRAFT_ITEM, dict(DRAFT), cst(3, 2, 11))

    assert open_tasks(result) == [(ItemTask.SIGN_OFF, "unit_head")]
    assert result.data["case_status"] == "sign_off"


def test_the_unit_head_returns_the_draft_with_the_reason(new_case):
    case = new_case()
    case.start(dict(START), cst(3, 2))
    case.complete(ItemTask.DRAFT_ITEM, dict(DRAFT), cst(3, 2, 11))

    result = case.complete(ItemTask.SIGN_OFF, {"head_decision": "return",
                                               "comment": "依据不充分"}, cst(3, 2, 12))

    assert open_tasks(result) == [(ItemTask.DRAFT_ITEM, "clerk")]
    assert result.data["case_status"] == "returned"
    assert result.data["returns"] == [
        {"stage": "sign_off", "reason": "依据不充分", "at": cst(3, 2, 12).isoformat()}]
    assert "likely_duplicates" not in result.data  # no check on a return


def test_approval_runs_the_check_and_opens_the_review_with_its_reminder(new_case):
    result = reach_review(new_case(), LIKELY, at=cst(3, 2))

    assert open_tasks(result) == [(ItemTask.REVIEW_ITEM, "burden_office")]
    assert result.data["case_status"] == "review"
    assert result.data["likely_duplicates"] is True
    assert result.data["duplicate_matches"] == LIKELY["matches"]
    [timer] = result.timers
    assert timer.task_id == ItemElement.REVIEW_REMINDER
    # 5 working days after Monday 2 March 10:00 (China) is Monday 9 March 10:00.
    assert timer.due_at == datetime(2026, 3, 9, 2, 0, tzinfo=UTC)


def test_no_likely_duplicates_when_no_match_passes_the_threshold(new_case):
    unlikely = {"threshold": 0.32, "compared": 3,
                "matches": [{"item_id": 9, "score": 0.2, "likely": False}]}
    result = reach_review(new_case(), unlikely)

    assert result.data["likely_duplicates"] is False


def test_the_reminder_fires_once_and_the_review_stays_open(new_case):
    case = new_case()
    reach_review(case, at=cst(3, 2))

    early = case.tick(cst(3, 6, 18))
    assert early.data["reminders"] == [] and len(early.timers) == 1

    fired = case.tick(cst(3, 9, 10))

    assert fired.data["reminders"] == [{"stage": "review", "to": "burden_office",
                                        "unit_id": 15, "at": cst(3, 9, 10).isoformat()}]
    assert open_tasks(fired) == [(ItemTask.REVIEW_ITEM, "burden_office")]
    assert fired.timers == []
    assert fired.data["case_status"] == "review"
    # The reminder survives the review's completion (a data object, not branch data).
    after = case.complete(ItemTask.REVIEW_ITEM, {"review_decision": "reject",
                                                 "comment": "重复考核"}, cst(3, 10))
    assert len(after.data["reminders"]) == 1


def test_the_review_returns_the_draft(new_case):
    case = new_case()
    reach_review(case)

    result = case.complete(ItemTask.REVIEW_ITEM, {"review_decision": "return",
                                                  "comment": "与现有项目合并"}, cst(3, 3))

    assert open_tasks(result) == [(ItemTask.DRAFT_ITEM, "clerk")]
    assert result.timers == []  # the reminder went with the review
    assert result.data["case_status"] == "returned"
    assert result.data["returns"][-1]["stage"] == "review"
    assert result.data["returns"][-1]["reason"] == "与现有项目合并"


def test_the_review_rejects_and_the_case_ends(new_case):
    case = new_case()
    reach_review(case)

    result = case.complete(ItemTask.REVIEW_ITEM, {"review_decision": "reject",
                                                  "comment": "属于重复考核"}, cst(3, 3))

    assert result.completed
    assert result.ready == [] and result.timers == []
    assert result.data["case_status"] == "rejected"
    assert result.data["rejected_at"] == cst(3, 3).isoformat()


def test_forwarding_opens_both_offices_at_once(new_case):
    result = reach_joint(new_case())

    assert open_tasks(result) == [(ItemTask.GOVERNMENT_OFFICE_SIGN_OFF, "government_office"),
                                  (ItemTask.PARTY_OFFICE_SIGN_OFF, "party_office")]
    assert result.data["case_status"] == "joint_sign_off"
    assert all(t.data["lane_scopes"] == SCOPES for t in result.ready)
    assert result.timers == []


@pytest.mark.parametrize("first", [ItemTask.PARTY_OFFICE_SIGN_OFF,
                                   ItemTask.GOVERNMENT_OFFICE_SIGN_OFF])
def test_both_offices_approve_and_the_item_is_published(new_case, first):
    case = new_case()
    reach_joint(case)
    second = ({ItemTask.PARTY_OFFICE_SIGN_OFF, ItemTask.GOVERNMENT_OFFICE_SIGN_OFF}
              - {first}).pop()

    halfway = case.complete(first, {"office_decision": "approve", "comment": ""}, cst(3, 4))
    assert [t.task_id for t in halfway.ready] == [second]
    assert not halfway.completed and halfway.data["case_status"] == "joint_sign_off"

    done = case.complete(second, {"office_decision": "approve", "comment": ""}, cst(3, 5))

    assert done.completed and done.ready == []
    assert done.data["case_status"] == "published"
    assert done.data["published_at"] == cst(3, 5).isoformat()
    assert done.data["notice"] == {"audience": "departments_and_towns",
                                   "at": cst(3, 5).isoformat()}
    assert done.data["name"] == DRAFT["name"]


@pytest.mark.parametrize(("office", "other", "stage"), [
    (ItemTask.PARTY_OFFICE_SIGN_OFF, ItemTask.GOVERNMENT_OFFICE_SIGN_OFF,
     "party_office_sign_off"),
    (ItemTask.GOVERNMENT_OFFICE_SIGN_OFF, ItemTask.PARTY_OFFICE_SIGN_OFF,
     "government_office_sign_off"),
])
def test_either_office_returns_and_the_other_task_is_withdrawn(new_case, office, other, stage):
    case = new_case()
    joint = reach_joint(case)
    other_uuid = next(t.uuid for t in joint.ready if t.task_id == other)

    result = case.complete(office, {"office_decision": "return", "comment": "请补充政策依据"},
                           cst(3, 4))

    assert open_tasks(result) == [(ItemTask.DRAFT_ITEM, "clerk")]
    assert result.data["case_status"] == "returned"
    assert result.data["returns"] == [
        {"stage": stage, "reason": "请补充政策依据", "at": cst(3, 4).isoformat()}]
    assert not result.completed
    with pytest.raises(InvalidTransitionError):
        engine.complete_task(case.defn, case.snapshot or "", other_uuid,
                             {"office_decision": "approve", "comment": ""},
                             seed="late", now=cst(3, 5), calendar=case.calendar)


def test_one_office_approves_then_the_other_returns(new_case):
    case = new_case()
    reach_joint(case)
    case.complete(ItemTask.PARTY_OFFICE_SIGN_OFF, {"office_decision": "approve",
                                                   "comment": ""}, cst(3, 4))

    result = case.complete(ItemTask.GOVERNMENT_OFFICE_SIGN_OFF,
                           {"office_decision": "return", "comment": "权重过高"}, cst(3, 5))

    assert open_tasks(result) == [(ItemTask.DRAFT_ITEM, "clerk")]
    assert result.data["returns"][-1]["stage"] == "government_office_sign_off"


def test_a_returned_item_goes_round_again_and_is_published(new_case):
    case = new_case()
    reach_joint(case)
    case.complete(ItemTask.PARTY_OFFICE_SIGN_OFF, {"office_decision": "return",
                                                   "comment": "请压减权重"}, cst(3, 4))
    case.complete(ItemTask.DRAFT_ITEM, {**DRAFT, "weight": 3}, cst(3, 5))
    case.complete(ItemTask.SIGN_OFF, {"head_decision": "approve", "comment": "",
                                      "duplicate_check": NO_MATCHES}, cst(3, 6))
    case.complete(ItemTask.REVIEW_ITEM, {"review_decision": "forward", "comment": "",
                                         "duplicate_reason": ""}, cst(3, 9))
    case.complete(ItemTask.GOVERNMENT_OFFICE_SIGN_OFF, {"office_decision": "approve",
                                                        "comment": ""}, cst(3, 10))

    done = case.complete(ItemTask.PARTY_OFFICE_SIGN_OFF, {"office_decision": "approve",
                                                          "comment": ""}, cst(3, 11))

    assert done.completed and done.data["case_status"] == "published"
    assert done.data["weight"] == 3
    assert [r["stage"] for r in done.data["returns"]] == ["party_office_sign_off"]


def test_a_finished_case_has_nothing_left(new_case):
    case = new_case()
    reach_review(case)
    case.complete(ItemTask.REVIEW_ITEM, {"review_decision": "reject", "comment": "x"},
                  cst(3, 3))

    with pytest.raises(AssertionError):
        case.ready_uuid(ItemTask.REVIEW_ITEM)
