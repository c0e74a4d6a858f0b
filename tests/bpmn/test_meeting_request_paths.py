"""Every path through meeting_request, driven only through snapshots: too long -> back to the
draft; routine -> queued for the combined session; urgent -> 区委农办 approves (stand-alone)
or refuses (queued like any other)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.bpmn.conftest import BPMN_DIR, SnapshotDriver
from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.ids import MeetingElement, MeetingTask, ProcessId
from workflows.kernel.processes import bundle, content_hash

M = MeetingTask
CST = timezone(timedelta(hours=8))
START = {"title": "农村低保政策培训", "owner_unit_id": 11, "max_meeting_hours": 2.0,
         "lane_scopes": {"clerk": 11, "unit_head": 11, "burden_office": 15}}


def draft(**over: Any) -> dict[str, Any]:
    base = {"purpose": "低保政策培训", "attendees": "村民政协理员", "village_ids": [31],
            "town_ids": [], "hours": 1.5, "mode": "on_site", "preferred_date": "2026-03-10",
            "urgent": False, "urgent_reason": "", "urgent_date": "",
            "villages": [{"unit_id": 31, "name": "一村", "town_id": 30}],
            "towns": [{"unit_id": 30, "name": "甲镇", "village_ids": [31]}]}
    return {**base, **over}


def cst(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=CST)


@pytest.fixture
def case(calendar: WorkCalendar) -> SnapshotDriver:
    process_id = str(ProcessId.MEETING_REQUEST)
    sources = bundle(BPMN_DIR, process_id)
    defn = engine.ProcessDefinition(process_id, content_hash(sources), sources)
    return SnapshotDriver(defn, calendar, "meeting-1")


def test_a_meeting_over_the_length_limit_goes_back_to_the_draft(case):
    case.start(dict(START), cst(2))
    result = case.complete(M.DRAFT_MEETING, draft(hours=3.0), cst(2, 11))
    assert [t.task_id for t in result.ready] == [M.DRAFT_MEETING]
    assert MeetingElement.RECORD_LENGTH_RETURN in result.finished_task_ids
    assert result.data["returns"][-1]["stage"] == "length"
    assert "2.0 小时" in result.data["returns"][-1]["reason"]


def test_a_routine_meeting_is_queued_for_the_combined_session(case):
    case.start(dict(START), cst(2))
    result = case.complete(M.DRAFT_MEETING, draft(), cst(2, 11))
    assert result.completed and result.data["case_status"] == "queued"
    assert result.data["queued_at"] == "2026-03-02T11:00:00+08:00"


def test_an_urgent_meeting_approved_by_the_burden_office_stands_alone(case):
    case.start(dict(START), cst(2))
    result = case.complete(M.DRAFT_MEETING, draft(urgent=True, urgent_reason="防汛紧急部署",
                                                 urgent_date="2026-03-04"), cst(2, 11))
    assert [(t.task_id, t.lane) for t in result.ready] == [(M.APPROVE_URGENT, "burden_office")]
    result = case.complete(M.APPROVE_URGENT, {"urgent_decision": "approve", "comment": ""},
                           cst(3))
    assert result.completed and result.data["case_status"] == "urgent_approved"


def test_an_urgent_meeting_refused_is_queued_like_any_other(case):
    case.start(dict(START), cst(2))
    case.complete(M.DRAFT_MEETING, draft(urgent=True, urgent_reason="上级要求",
                                         urgent_date="2026-03-04"), cst(2, 11))
    result = case.complete(M.APPROVE_URGENT, {"urgent_decision": "refuse",
                                              "comment": "可在本月合并会议上安排"}, cst(3))
    assert result.completed and result.data["case_status"] == "queued"
    assert result.data["urgent_refusal"]["reason"] == "可在本月合并会议上安排"
