"""Every path through the three processes of measures 7 and 8 (docs/pilots.md), driven only
through snapshots (the SnapshotDriver restores each command from the previous snapshot and
checks the saved state): the five-year-plan check, the pilot variant approval and the
innovation practice; and the pilot complaint variant's shorter correction limit."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from tests.bpmn.conftest import BPMN_DIR, SnapshotDriver, load_definition
from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 2, 10, tzinfo=CST)  # a Monday


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def driver(process_id: str, calendar: WorkCalendar, case: str = "c1") -> SnapshotDriver:
    return SnapshotDriver(load_definition(process_id), calendar, case)


def ready(result: engine.EngineResult) -> list[tuple[str, str | None]]:
    return [(t.task_id, t.lane) for t in result.ready]


PLAN = {"title": "大观镇十四五规划", "names_burden_reduction": True,
        "section_reference": "第八章第三节", "excerpt": "切实为基层减负", "town_id": 5,
        "lane_scopes": {"clerk": 5, "burden_office": 2}}


# ---------------------------------------------------------------- five-year plan check


def test_a_reported_plan_goes_to_the_burden_office(calendar: WorkCalendar) -> None:
    result = driver("five_year_plan_check", calendar).start(dict(PLAN), at(0))
    assert ready(result) == [("check_plan", "burden_office")]
    assert result.ready[0].properties == {"due_working_days": "10"}
    assert result.data["case_status"] == "submitted"
    assert not result.completed


def test_a_confirmed_plan_ends_confirmed(calendar: WorkCalendar) -> None:
    case = driver("five_year_plan_check", calendar)
    case.start(dict(PLAN), at(0))
    result = case.complete("check_plan", {"plan_decision": "confirm", "comment": ""}, at(5))
    assert result.completed and result.ready == []
    assert result.data["case_status"] == "confirmed"
    assert result.data["checked_at"] == at(5).isoformat()
    assert "record_returned" not in result.finished_task_ids


def test_a_returned_plan_goes_back_to_the_town_then_is_confirmed(calendar: WorkCalendar) -> None:
    case = driver("five_year_plan_check", calendar)
    case.start({**PLAN, "names_burden_reduction": False, "section_reference": ""}, at(0))
    back = case.complete("check_plan", {"plan_decision": "return",
                                        "comment": "请上传规划文本"}, at(2))
    assert ready(back) == [("revise_plan", "clerk")]
    assert back.data["case_status"] == "returned"
    again = case.complete("revise_plan", {"names_burden_reduction": True,
                                          "section_reference": "第八章", "excerpt": ""}, at(4))
    assert ready(again) == [("check_plan", "burden_office")]
    assert again.data["case_status"] == "submitted"
    assert again.data["names_burden_reduction"] is True
    done = case.complete("check_plan", {"plan_decision": "confirm", "comment": ""}, at(6))
    assert done.completed and done.data["case_status"] == "confirmed"


# ---------------------------------------------------------------- pilot variant approval

VARIANT = {"title": "大观镇试点变体：减负投诉办理（第3版）", "summary": "整改时限不超过5个工作日",
           "process_name": "减负投诉办理", "version": 3, "town_id": 5,
           "lane_scopes": {"burden_office": 2, "admin": 1}}


def test_a_variant_waits_for_the_burden_office(calendar: WorkCalendar) -> None:
    result = driver("pilot_variant_approval", calendar).start(dict(VARIANT), at(0))
    assert ready(result) == [("approve_variant", "burden_office")]
    assert result.data["case_status"] == "pending"


def test_an_approved_variant_is_approved(calendar: WorkCalendar) -> None:
    case = driver("pilot_variant_approval", calendar)
    case.start(dict(VARIANT), at(0))
    result = case.complete("approve_variant", {"variant_decision": "approve", "comment": ""},
                           at(3))
    assert result.completed and result.data["case_status"] == "approved"
    assert result.data["approved_at"] == at(3).isoformat()


def test_a_rejected_variant_is_rejected(calendar: WorkCalendar) -> None:
    case = driver("pilot_variant_approval", calendar)
    case.start(dict(VARIANT), at(0))
    result = case.complete("approve_variant", {"variant_decision": "reject",
                                               "comment": "时限过短"}, at(3))
    assert result.completed and result.data["case_status"] == "rejected"
    assert "approved_at" not in result.data


# ---------------------------------------------------------------- innovation practice

PRACTICE = {"title": "积分制管理", "tried": "村民积分换服务", "results": "参与率提高",
            "evidence": "", "town_id": 5,
            "lane_scopes": {"clerk": 5, "burden_office": 2}}


def test_a_practice_is_registered_and_reviewed(calendar: WorkCalendar) -> None:
    result = driver("innovation_practice", calendar).start(dict(PRACTICE), at(0))
    assert ready(result) == [("review_practice", "burden_office")]
    assert result.data["case_status"] == "registered"


def test_an_adopted_practice_is_adopted_district_wide(calendar: WorkCalendar) -> None:
    case = driver("innovation_practice", calendar)
    case.start(dict(PRACTICE), at(0))
    result = case.complete("review_practice", {"practice_decision": "adopt", "comment": ""},
                           at(1))
    assert result.completed and result.data["case_status"] == "adopted"
    assert result.data["adopted_at"] == at(1).isoformat()


def test_a_noted_practice_stays_on_record(calendar: WorkCalendar) -> None:
    case = driver("innovation_practice", calendar)
    case.start(dict(PRACTICE), at(0))
    result = case.complete("review_practice", {"practice_decision": "note", "comment": ""},
                           at(1))
    assert result.completed and result.data["case_status"] == "noted"
    assert "adopted_at" not in result.data


# ---------------------------------------------------------------- the pilot complaint variant


def _variant() -> engine.ProcessDefinition:
    text = (BPMN_DIR / "pilots" / "burden_complaint.bpmn").read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    return engine.ProcessDefinition("burden_complaint", digest, {"burden_complaint.bpmn": text})


def test_the_pilot_complaint_variant_corrects_within_five_working_days(
        calendar: WorkCalendar) -> None:
    limits = {"intake": 2, "correction": 10, "verification": 3, "return_visit": 5}
    start = {"category": "meeting", "town_id": 5, "village_id": 7, "responsible_unit_id": 9,
             "description": "d", "anonymous": True, "channel": "web",
             "limits_by_category": {"meeting": limits},
             "lane_scopes": {"burden_office": 2, "verifier": 2}, "case_status": "intake"}
    dues = {}
    for name, defn in (("standard", load_definition("burden_complaint")), ("pilot", _variant())):
        case = SnapshotDriver(defn, calendar, "c-" + name)
        case.start(dict(start), at(0))
        result = case.complete("intake", {"intake_decision": "accept", "category": "meeting",
                                          "responsible_unit_id": 9, "comment": ""}, at(1))
        assert ready(result)[0][0] == "correction"
        dues[name] = datetime.fromisoformat(result.data["correction_due"])
    assert calendar.working_days_between(at(1), dues["standard"]) == 10
    assert calendar.working_days_between(at(1), dues["pilot"]) == 5
