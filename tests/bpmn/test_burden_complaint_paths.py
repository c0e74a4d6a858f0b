"""Every path through burden_complaint (docs/complaints.md), driven only through snapshots.

Each command restores the workflow from the previous command's snapshot string (the
SnapshotDriver keeps nothing else) and checks that `inspect` of the new snapshot shows what
the command returned. Task forms go through `forms.validate_task` with the case data, as the
service does, so the forms and the model are tested together.

Expected deadlines are worked out by hand in the comments (listing the working days of the
official calendar), never by calling the calendar code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import holidays
import pytest

from tests.bpmn.conftest import SnapshotDriver, load_definition
from workflows import engine, forms
from workflows.calendar import WorkCalendar
from workflows.complaint_forms import CATEGORIES, DEFAULT_LIMITS
from workflows.errors import ProcessError, ValidationFailedError
from workflows.ids import ComplaintElement, ComplaintTask, ProcessId
from workflows.state import (
    CASE_STARTED,
    TASK_COMPLETED,
    TIMER_FIRED,
    TIMER_JOB,
    CaseState,
    EventDraft,
    apply_event,
)

CST = timezone(timedelta(hours=8))
PROCESS = ProcessId.BURDEN_COMPLAINT
OFFICE = 3  # 区委农办 (qwnb): burden_office and verifier lanes
UNIT = 42  # the responsible unit named at intake (clerk lane)
OTHER_UNIT = 57

ACCEPT = {"intake_decision": "accept", "responsible_unit_id": UNIT}
DONE = {"correction_outcome": "done", "findings": "确有重复报表", "actions_taken": "已合并为一张",
        "evidence": "合并后的报表样张"}
PASS = {"verification_decision": "pass"}


def cst(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CST)


def iso(moment: datetime) -> str:
    """How working_days_after / add_working_days / warning_at store a moment (UTC ISO)."""
    return moment.astimezone(UTC).isoformat()


def start_data(category: str = "too_many_forms",
               limits_by_category: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    """The case_started data workflows.complaints builds (no name, phone or receipt code)."""
    return {
        "category": category,
        "town_id": 5,
        "village_id": 51,
        "responsible_unit_id": None,
        "description": "村里每个月要重复填报十几张内容相同的报表。",
        "anonymous": True,
        "channel": "web",
        "attachments": [],
        "limits_by_category": limits_by_category
        or {c: dict(DEFAULT_LIMITS) for c in CATEGORIES},
        "lane_scopes": {"burden_office": OFFICE, "verifier": OFFICE},
        "case_status": "intake",
    }


class Complaint:
    """One complaint case: a SnapshotDriver plus the data of the last command."""

    def __init__(self, driver: SnapshotDriver) -> None:
        self.driver = driver
        self.last: engine.EngineResult | None = None

    @property
    def data(self) -> dict[str, Any]:
        assert self.last is not None
        return self.last.data

    def file(self, now: datetime, **kwargs: Any) -> engine.EngineResult:
        self.last = self.driver.start(start_data(**kwargs), now)
        return self.last

    def submit(self, task_id: str, fields: dict[str, Any], now: datetime) -> engine.EngineResult:
        data = forms.validate_task(PROCESS, task_id, fields, case_data=self.data)
        self.last = self.driver.complete(task_id, data, now)
        return self.last

    def tick(self, now: datetime) -> engine.EngineResult:
        self.last = self.driver.tick(now)
        return self.last


@pytest.fixture
def complaint_definition() -> engine.ProcessDefinition:
    return load_definition("burden_complaint")


@pytest.fixture
def new_complaint(complaint_definition, calendar):
    def make(case: str = "complaint-1") -> Complaint:
        return Complaint(SnapshotDriver(complaint_definition, calendar, case))

    return make


def open_tasks(result: engine.EngineResult) -> list[tuple[str, str | None]]:
    return [(t.task_id, t.lane) for t in result.ready]


def timers(result: engine.EngineResult) -> dict[str, datetime]:
    return {t.task_id: t.due_at for t in result.timers}


def events(result: engine.EngineResult) -> list[tuple[str, str, str]]:
    return [(e["stage"], e["kind"], e["at"]) for e in result.data["deadline_events"]]


# Filed Monday 2026-03-02 09:00. Intake, 2 working days: 03-03 (1), 03-04 (2).
FILED = cst(3, 2, 9)
INTAKE_DUE = cst(3, 4, 9)
INTAKE_WARN = cst(3, 3, 23, 24)  # 48 h to the due time; 80 % = 38 h 24 min
# Accepted Tuesday 03-03 10:00. Correction, 10 working days:
# 03-04, 05, 06, 09, 10, 11, 12, 13, 16, 17.
ACCEPTED = cst(3, 3)
CORRECTION_DUE = cst(3, 17)
CORRECTION_WARN = cst(3, 14, 14, 48)  # 14 days = 336 h; 80 % = 268 h 48 min


def reach_correction(case: Complaint) -> engine.EngineResult:
    case.file(FILED)
    return case.submit("intake", ACCEPT, ACCEPTED)


def reach_verification(case: Complaint, done_at: datetime | None = None) -> engine.EngineResult:
    reach_correction(case)
    return case.submit("correction", DONE, done_at or cst(3, 12))


def reach_return_visit(case: Complaint) -> engine.EngineResult:
    reach_verification(case)
    return case.submit("verification", PASS, cst(3, 13))


def reach_appeal_window(case: Complaint) -> engine.EngineResult:
    """Closed Monday 03-16 10:00 (the appeal window runs to 04-07)."""
    reach_return_visit(case)
    return case.submit("return_visit", {"rating": "satisfied"}, cst(3, 16))


# ------------------------------------------------------------------ intake


def test_filing_opens_intake_for_the_burden_office_with_its_deadline(new_complaint):
    result = new_complaint().file(FILED)

    assert open_tasks(result) == [("intake", "burden_office")]
    assert result.ready[0].name == "受理审核"
    assert result.ready[0].properties == {"due_field": "intake_due"}
    assert timers(result) == {"intake_warning": INTAKE_WARN, "intake_breach": INTAKE_DUE}
    data = result.data
    assert data["case_status"] == "intake"
    assert data["intake_due"] == iso(INTAKE_DUE) == "2026-03-04T01:00:00+00:00"
    assert data["intake_warn"] == iso(INTAKE_WARN)
    assert data["limits"] == DEFAULT_LIMITS
    assert data["lane_scopes"] == {"burden_office": OFFICE, "verifier": OFFICE,
                                   "complainant": None}
    assert (data["deadline_events"], data["reminders"]) == ([], [])
    assert (data["breach_count"], data["supervised"]) == (0, False)
    assert (data["reopen_count"], data["extension_used"], data["appeal_closed"]) == (
        0, False, False)
    assert not result.completed


def test_intake_limit_comes_from_the_filed_category(new_complaint):
    limits = {c: dict(DEFAULT_LIMITS) for c in CATEGORIES}
    limits["plaques"] = {**DEFAULT_LIMITS, "intake": 5}

    result = new_complaint().file(FILED, category="plaques", limits_by_category=limits)

    # 5 working days after Monday 03-02: 03, 04, 05, 06, 09.
    assert result.data["intake_due"] == iso(cst(3, 9, 9))
    assert result.data["limits"] == {**DEFAULT_LIMITS, "intake": 5}


def test_accept_routes_the_correction_to_the_clerks_of_the_responsible_unit(new_complaint):
    case = new_complaint()
    case.file(FILED)

    result = case.submit("intake", ACCEPT, ACCEPTED)

    assert open_tasks(result) == [("correction", "clerk")]
    assert result.ready[0].name == "整改落实"
    assert result.ready[0].properties == {"due_field": "correction_due"}
    assert result.ready[0].data["lane_scopes"]["clerk"] == UNIT
    assert result.data["case_status"] == "correction"
    assert result.data["correction_due"] == iso(CORRECTION_DUE)
    assert result.data["correction_warn"] == iso(CORRECTION_WARN)
    assert timers(result) == {"correction_warning": CORRECTION_WARN,
                              "correction_breach": CORRECTION_DUE}
    assert {"accept_case", "start_correction"} <= set(result.finished_task_ids)


def test_intake_may_reclassify_and_the_new_categorys_limits_apply(new_complaint):
    limits = {c: dict(DEFAULT_LIMITS) for c in CATEGORIES}
    limits["unfunded_work"] = {**DEFAULT_LIMITS, "correction": 3}
    case = new_complaint()
    case.file(FILED, limits_by_category=limits)

    result = case.submit("intake", {**ACCEPT, "category": "unfunded_work"}, ACCEPTED)

    # 3 working days after Tuesday 03-03: 04, 05, 06.
    assert result.data["category"] == "unfunded_work"
    assert result.data["correction_due"] == iso(cst(3, 6))


def test_reject_ends_the_case_rejected(new_complaint):
    case = new_complaint()
    case.file(FILED)

    result = case.submit("intake", {"intake_decision": "reject",
                                    "reject_reason": "不属于基层减负范围"}, ACCEPTED)

    assert result.completed
    assert (result.ready, result.timers) == ([], [])
    assert result.data["case_status"] == "rejected"
    assert result.data["reject_reason"] == "不属于基层减负范围"
    assert {"record_rejection", "rejected_end"} <= set(result.finished_task_ids)
    assert "accept_case" not in result.finished_task_ids
    assert result.data["deadline_events"] == []


def test_duplicate_ends_the_case_merged_into_the_earlier_one(new_complaint):
    case = new_complaint()
    case.file(FILED)

    result = case.submit("intake", {"intake_decision": "duplicate", "duplicate_of": 17},
                         ACCEPTED)

    assert result.completed
    assert (result.ready, result.timers) == ([], [])
    assert result.data["case_status"] == "merged"
    assert result.data["merged_into"] == 17
    assert {"record_merge", "merged_end"} <= set(result.finished_task_ids)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"intake_decision": "accept"}, "responsible_unit_id"),
        ({"intake_decision": "reject", "reject_reason": "  "}, "reject_reason"),
        ({"intake_decision": "duplicate"}, "duplicate_of"),
    ],
)
def test_intake_decisions_need_their_fields(new_complaint, fields, field):
    case = new_complaint()
    case.file(FILED)

    with pytest.raises(ValidationFailedError) as err:
        case.submit("intake", fields, ACCEPTED)

    assert set(err.value.fields) == {field}


# ------------------------------------------------------------------ the happy path


def test_accept_correct_pass_satisfied_then_the_appeal_window_expires(new_complaint):
    case = new_complaint()
    reach_correction(case)

    verification = case.submit("correction", DONE, cst(3, 12))
    # Verification, 3 working days after Thursday 03-12: 13, 16, 17.
    assert open_tasks(verification) == [("verification", "verifier")]
    assert verification.ready[0].name == "核查验收"
    assert verification.data["case_status"] == "verification"
    assert verification.data["verification_due"] == iso(cst(3, 17))
    assert set(timers(verification)) == {"verification_warning", "verification_breach"}

    visit = case.submit("verification", PASS, cst(3, 13))
    # Return visit, 5 working days after Friday 03-13: 16, 17, 18, 19, 20.
    assert open_tasks(visit) == [("return_visit", "burden_office")]
    assert visit.ready[0].name == "回访评价"
    assert visit.data["case_status"] == "return_visit"
    assert visit.data["return_visit_due"] == iso(cst(3, 20))

    closed = case.submit("return_visit", {"rating": "satisfied"}, cst(3, 16))
    assert open_tasks(closed) == [("appeal_window", "complainant")]
    assert closed.ready[0].name == "申诉期"
    assert closed.ready[0].properties == {"due_field": "appeal_due"}
    assert closed.data["case_status"] == "closed"
    assert closed.data["closed_at"] == cst(3, 16).isoformat()
    assert closed.data["visit_channel"] == "phone"
    # 15 working days after Monday 03-16: 17, 18, 19, 20, 23, 24, 25, 26, 27, 30, 31,
    # 04-01, 02, 03, then 04-04/05 weekend and 04-06 Qingming (observed): 04-07.
    assert closed.data["appeal_due"] == iso(cst(4, 7))
    assert timers(closed) == {"appeal_expired": cst(4, 7)}
    assert not closed.completed

    early = case.tick(cst(4, 7, 9, 59))
    assert not early.completed
    assert open_tasks(early) == [("appeal_window", "complainant")]

    expired = case.tick(cst(4, 7))
    assert expired.completed
    assert (expired.ready, expired.timers) == ([], [])
    assert expired.data["case_status"] == "closed"
    assert expired.data["appeal_closed"] is True
    assert {"appeal_expired", "close_appeal_window", "closed_end"} <= set(
        expired.finished_task_ids)
    assert "reopen_case" not in expired.finished_task_ids
    assert expired.data["deadline_events"] == []  # every stage was done in time
    assert (expired.data["breach_count"], expired.data["supervised"]) == (0, False)
    # Nothing else than the start data, the form fields and what docs/complaints.md lists.
    form_fields = {"intake_decision", "comment", "correction_outcome", "findings",
                   "actions_taken", "evidence", "verification_decision", "rating",
                   "visit_channel"}
    written = {"limits", "case_status", "extension_used", "closed_at", "appeal_due",
               "appeal_closed", "reopen_count", "deadline_events", "reminders",
               "breach_count", "supervised",
               *(f"{stage}_{kind}" for stage in DEFAULT_LIMITS for kind in ("due", "warn"))}
    assert set(expired.data) == set(start_data()) | form_fields | written


def test_partly_satisfied_closes_the_case_too(new_complaint):
    case = new_complaint()
    reach_return_visit(case)

    result = case.submit("return_visit", {"rating": "partly", "comment": "基本解决",
                                          "visit_channel": "complainant"}, cst(3, 16))

    assert open_tasks(result) == [("appeal_window", "complainant")]
    assert result.data["case_status"] == "closed"
    assert result.data["visit_channel"] == "complainant"


def test_not_satisfied_goes_back_to_verification_with_a_fresh_window(new_complaint):
    case = new_complaint()
    reach_return_visit(case)

    again = case.submit("return_visit", {"rating": "not_satisfied", "comment": "还在填"},
                        cst(3, 16))

    # 3 working days after Monday 03-16: 17, 18, 19.
    assert open_tasks(again) == [("verification", "verifier")]
    assert again.data["case_status"] == "verification"
    assert again.data["verification_due"] == iso(cst(3, 19))
    assert timers(again)["verification_breach"] == cst(3, 19)

    case.submit("verification", PASS, cst(3, 17))
    closed = case.submit("return_visit", {"rating": "partly"}, cst(3, 18))
    assert closed.data["case_status"] == "closed"
    assert open_tasks(closed) == [("appeal_window", "complainant")]


# ------------------------------------------------------------------ verification return


def test_verification_return_reopens_the_correction_with_a_new_window(new_complaint):
    case = new_complaint()
    reach_verification(case, done_at=cst(3, 12))

    with pytest.raises(ValidationFailedError) as err:
        case.submit("verification", {"verification_decision": "return"}, cst(3, 13))
    assert set(err.value.fields) == {"reasons"}

    returned = case.submit("verification", {"verification_decision": "return",
                                            "reasons": "佐证材料不全"}, cst(3, 13))

    # A new correction window from Friday 03-13: 16, 17, 18, 19, 20, 23, 24, 25, 26, 27.
    assert open_tasks(returned) == [("correction", "clerk")]
    assert returned.ready[0].data["lane_scopes"]["clerk"] == UNIT
    assert returned.data["case_status"] == "correction"
    assert returned.data["correction_due"] == iso(cst(3, 27))
    assert timers(returned) == {"correction_warning": cst(3, 24, 14, 48),  # 80 % of 14 days
                                "correction_breach": cst(3, 27)}

    verification = case.submit("correction", DONE, cst(3, 16))
    assert open_tasks(verification) == [("verification", "verifier")]
    visit = case.submit("verification", PASS, cst(3, 17))
    assert open_tasks(visit) == [("return_visit", "burden_office")]


# ------------------------------------------------------------------ the extension


EXTENSION = {"correction_outcome": "request_extension", "extension_reason": "需上级协调",
             "extension_days": 3}


def test_approved_extension_moves_the_correction_deadline_by_working_days(new_complaint):
    case = new_complaint()
    reach_correction(case)

    review = case.submit("correction", EXTENSION, cst(3, 10))
    assert open_tasks(review) == [("review_extension", "burden_office")]
    assert review.ready[0].name == "延期审核"
    assert review.ready[0].properties == {"due_working_days": "2"}
    assert review.data["case_status"] == "extension_review"
    assert review.data["extension_used"] is True
    assert review.timers == []  # the correction's timers went with it

    resumed = case.submit("review_extension", {"extension_decision": "approve"}, cst(3, 11))

    # Due Tuesday 03-17 plus 3 working days: 18, 19, 20 (same clock time).
    assert open_tasks(resumed) == [("correction", "clerk")]
    assert resumed.data["case_status"] == "correction"
    assert resumed.data["correction_due"] == iso(cst(3, 20)) == "2026-03-20T02:00:00+00:00"
    # 80 % of the 9 days from the approval (03-11 10:00) to the new due time.
    assert resumed.data["correction_warn"] == iso(cst(3, 18, 14, 48))
    assert timers(resumed) == {"correction_warning": cst(3, 18, 14, 48),
                               "correction_breach": cst(3, 20)}
    assert resumed.ready[0].data["correction_due"] == iso(cst(3, 20))

    # The moved deadline holds: nothing fires at the old one.
    quiet = case.tick(cst(3, 17, 12))
    assert quiet.data["deadline_events"] == []
    breached = case.tick(cst(3, 20))
    assert events(breached) == [("correction", "warning", cst(3, 20).isoformat()),
                                ("correction", "breach", cst(3, 20).isoformat())]

    done = case.submit("correction", DONE, cst(3, 23))
    assert open_tasks(done) == [("verification", "verifier")]


def test_denied_extension_keeps_the_correction_deadline(new_complaint):
    case = new_complaint()
    reach_correction(case)
    case.submit("correction", EXTENSION, cst(3, 10))

    resumed = case.submit("review_extension", {"extension_decision": "deny",
                                               "comment": "可以按期完成"}, cst(3, 11))

    assert open_tasks(resumed) == [("correction", "clerk")]
    assert resumed.data["case_status"] == "correction"
    assert resumed.data["correction_due"] == iso(CORRECTION_DUE)
    assert resumed.data["correction_warn"] == iso(CORRECTION_WARN)
    assert timers(resumed) == {"correction_warning": CORRECTION_WARN,
                               "correction_breach": CORRECTION_DUE}
    assert "extend_correction" not in resumed.finished_task_ids


def test_a_second_extension_request_is_refused_by_the_form_check(new_complaint):
    case = new_complaint()
    reach_correction(case)
    case.submit("correction", EXTENSION, cst(3, 10))
    case.submit("review_extension", {"extension_decision": "deny"}, cst(3, 11))

    with pytest.raises(ValidationFailedError) as err:
        case.submit("correction", EXTENSION, cst(3, 12))

    assert set(err.value.fields) == {"correction_outcome"}
    # Without the case data (the old call) only the form itself is checked.
    assert forms.validate_task(PROCESS, "correction", EXTENSION)["extension_days"] == 3


def test_the_model_itself_refuses_a_second_extension_that_skipped_the_form_check(new_complaint):
    case = new_complaint()
    reach_correction(case)
    case.submit("correction", EXTENSION, cst(3, 10))
    case.submit("review_extension", {"extension_decision": "approve"}, cst(3, 11))
    snapshot = case.driver.snapshot

    with pytest.raises(ProcessError):
        case.driver.complete("correction", EXTENSION, cst(3, 12))

    assert case.driver.snapshot == snapshot
    assert open_tasks(engine.inspect(case.driver.defn, snapshot)) == [("correction", "clerk")]


def test_extension_is_once_per_case_even_after_a_verification_return(new_complaint):
    case = new_complaint()
    reach_correction(case)
    case.submit("correction", EXTENSION, cst(3, 10))
    case.submit("review_extension", {"extension_decision": "approve"}, cst(3, 11))
    case.submit("correction", DONE, cst(3, 12))
    case.submit("verification", {"verification_decision": "return", "reasons": "未整改到位"},
                cst(3, 13))

    with pytest.raises(ValidationFailedError) as err:
        case.submit("correction", EXTENSION, cst(3, 16))

    assert set(err.value.fields) == {"correction_outcome"}


@pytest.mark.parametrize(("days", "field"), [(0, "extension_days"), (11, "extension_days")])
def test_extension_days_are_1_to_10(new_complaint, days, field):
    case = new_complaint()
    reach_correction(case)

    with pytest.raises(ValidationFailedError) as err:
        case.submit("correction", {**EXTENSION, "extension_days": days}, cst(3, 10))

    assert set(err.value.fields) == {field}


# ------------------------------------------------------------------ appeal


def test_an_appeal_within_the_window_reopens_the_case_at_verification(new_complaint):
    case = new_complaint()
    reach_appeal_window(case)

    with pytest.raises(ValidationFailedError):
        case.submit("appeal_window", {"appeal_reason": " "}, cst(3, 20))

    reopened = case.submit("appeal_window", {"appeal_reason": "报表又恢复了"}, cst(3, 20))

    # 3 working days after Friday 03-20: 23, 24, 25.
    assert open_tasks(reopened) == [("verification", "verifier")]
    assert reopened.data["reopen_count"] == 1
    assert reopened.data["case_status"] == "verification"  # "reopened", then verification
    assert reopened.data["verification_due"] == iso(cst(3, 25))
    assert reopened.data["appeal_reason"] == "报表又恢复了"
    assert reopened.data["appeal_closed"] is False
    assert "appeal_expired" not in timers(reopened)
    assert {"reopen_case", "start_verification"} <= set(reopened.finished_task_ids)
    assert not reopened.completed

    case.submit("verification", PASS, cst(3, 23))
    closed = case.submit("return_visit", {"rating": "satisfied"}, cst(3, 24))
    # A new appeal window from Tuesday 03-24: 25, 26, 27, 30, 31, 04-01, 02, 03,
    # (04-04..06 off), 07, 08, 09, 10, 13, 14, 15.
    assert closed.data["appeal_due"] == iso(cst(4, 15))
    assert closed.data["closed_at"] == cst(3, 24).isoformat()
    assert open_tasks(closed) == [("appeal_window", "complainant")]

    again = case.submit("appeal_window", {"appeal_reason": "仍未解决"}, cst(3, 25))
    assert again.data["reopen_count"] == 2

    case.submit("verification", PASS, cst(3, 26))
    case.submit("return_visit", {"rating": "partly"}, cst(3, 27))
    done = case.tick(cst(4, 30))
    assert done.completed
    assert done.data["appeal_closed"] is True
    assert done.data["reopen_count"] == 2


# ------------------------------------------------------------------ deadlines


def test_the_warning_fires_at_80_percent_and_the_breach_at_the_due_time(new_complaint):
    case = new_complaint()
    case.file(FILED)

    before = case.tick(INTAKE_WARN - timedelta(minutes=1))
    assert before.data["deadline_events"] == []
    assert set(timers(before)) == {"intake_warning", "intake_breach"}

    warned = case.tick(INTAKE_WARN)
    assert events(warned) == [("intake", "warning", INTAKE_WARN.isoformat())]
    assert set(warned.data) == set(before.data)  # the timer's script leaves nothing else
    assert warned.data["deadline_events"][0]["due"] == iso(INTAKE_DUE)
    assert warned.data["reminders"] == []
    assert warned.data["breach_count"] == 0
    assert timers(warned) == {"intake_breach": INTAKE_DUE}
    assert open_tasks(warned) == [("intake", "burden_office")]  # non-interrupting
    assert {"intake_warning", "record_intake_warning"} <= set(warned.finished_task_ids)

    breached = case.tick(INTAKE_DUE)
    assert events(breached) == [("intake", "warning", INTAKE_WARN.isoformat()),
                                ("intake", "breach", INTAKE_DUE.isoformat())]
    assert breached.data["reminders"] == [{"stage": "intake", "to": "unit_head",
                                           "unit_id": OFFICE, "at": INTAKE_DUE.isoformat()}]
    assert (breached.data["breach_count"], breached.data["supervised"]) == (1, False)
    assert breached.timers == []
    assert open_tasks(breached) == [("intake", "burden_office")]
    assert set(breached.data) == set(before.data)

    # What the timers recorded stays in the case data along the main path.
    accepted = case.submit("intake", ACCEPT, cst(3, 4, 11))
    assert len(accepted.data["deadline_events"]) == 2
    assert accepted.data["breach_count"] == 1
    assert accepted.data["case_status"] == "correction"


def test_a_correction_breach_reminds_the_head_of_the_responsible_unit(new_complaint):
    case = new_complaint()
    reach_correction(case)

    result = case.tick(cst(3, 18))

    assert events(result) == [("correction", "warning", cst(3, 18).isoformat()),
                              ("correction", "breach", cst(3, 18).isoformat())]
    assert result.data["reminders"] == [{"stage": "correction", "to": "unit_head",
                                         "unit_id": UNIT, "at": cst(3, 18).isoformat()}]
    assert result.data["breach_count"] == 1


def test_verification_and_return_visit_breaches_remind_the_office(new_complaint):
    case = new_complaint()
    reach_verification(case, done_at=cst(3, 12))
    late = case.tick(cst(3, 18))  # verification was due 03-17
    assert late.data["reminders"][-1]["stage"] == "verification"
    assert late.data["reminders"][-1]["unit_id"] == OFFICE

    case.submit("verification", PASS, cst(3, 18, 11))
    # Return visit from Wednesday 03-18: 19, 20, 23, 24, 25.
    visit_late = case.tick(cst(3, 26))
    assert [(r["stage"], r["unit_id"]) for r in visit_late.data["reminders"]] == [
        ("verification", OFFICE), ("return_visit", OFFICE)]
    assert visit_late.data["breach_count"] == 2
    assert visit_late.data["supervised"] is True


def test_two_breaches_put_the_case_under_supervision(new_complaint):
    case = new_complaint()
    case.file(FILED)
    case.tick(INTAKE_DUE)
    case.submit("intake", ACCEPT, cst(3, 4, 11))
    # Correction from Wednesday 03-04 11:00, 10 working days: 05, 06, 09 .. 13, 16, 17, 18.
    assert case.data["correction_due"] == iso(cst(3, 18, 11))
    assert case.data["supervised"] is False

    result = case.tick(cst(3, 18, 11))

    assert [(s, k) for s, k, _ in events(result)] == [
        ("intake", "warning"), ("intake", "breach"), ("correction", "warning"),
        ("correction", "breach")]
    assert [(r["stage"], r["unit_id"]) for r in result.data["reminders"]] == [
        ("intake", OFFICE), ("correction", UNIT)]
    assert result.data["breach_count"] == 2
    assert result.data["supervised"] is True

    done = case.submit("correction", DONE, cst(3, 19))
    assert done.data["supervised"] is True
    assert done.data["breach_count"] == 2


def test_timers_rearmed_with_an_unchanged_deadline_do_not_record_twice(new_complaint):
    case = new_complaint()
    reach_correction(case)
    late = case.tick(cst(3, 18))  # correction warning and breach fire
    assert late.data["breach_count"] == 1
    case.submit("correction", EXTENSION, cst(3, 18, 11))

    # Denied: the correction comes back with its old (passed) deadline; its re-armed timers
    # fire at once but the same deadline is not recorded or counted again.
    resumed = case.submit("review_extension", {"extension_decision": "deny"}, cst(3, 19))

    assert open_tasks(resumed) == [("correction", "clerk")]
    assert resumed.timers == []
    assert [(s, k) for s, k, _ in events(resumed)] == [("correction", "warning"),
                                                       ("correction", "breach")]
    assert resumed.data["breach_count"] == 1
    assert resumed.data["supervised"] is False
    assert len(resumed.data["reminders"]) == 1


def test_a_breach_after_an_approved_extension_is_a_second_breach(new_complaint):
    case = new_complaint()
    reach_correction(case)
    case.tick(cst(3, 18))  # first breach: the original deadline
    case.submit("correction", EXTENSION, cst(3, 18, 11))
    resumed = case.submit("review_extension", {"extension_decision": "approve"}, cst(3, 19))
    # 03-17 plus 3 working days: 18, 19, 20.
    assert resumed.data["correction_due"] == iso(cst(3, 20))
    assert resumed.data["breach_count"] == 1

    result = case.tick(cst(3, 21))

    assert result.data["breach_count"] == 2
    assert result.data["supervised"] is True


# ------------------------------------------------------------------ holidays


def test_the_official_calendar_facts_these_tests_rely_on():
    cn_2026 = holidays.country_holidays("CN", years=2026)
    cn_2027 = holidays.country_holidays("CN", years=2027)
    national_day = [datetime(2026, 10, d).date() for d in range(1, 8)]
    assert all(not cn_2026.is_working_day(d) for d in national_day)
    assert cn_2026.is_working_day(datetime(2026, 10, 10).date())  # make-up Saturday
    assert not cn_2027.is_working_day(datetime(2027, 1, 1).date())
    assert cn_2027.is_working_day(datetime(2027, 1, 4).date())
    assert not cn_2026.is_working_day(datetime(2026, 4, 6).date())  # Qingming observed


def test_intake_filed_before_national_day_is_due_after_it(new_complaint):
    # Filed Wednesday 2026-09-30 10:00. 10-01 .. 10-07 are the National Day holiday;
    # 10-08 (Thu) is working day 1, 10-09 (Fri) working day 2.
    result = new_complaint().file(cst(9, 30))

    assert result.data["intake_due"] == "2026-10-09T02:00:00+00:00"
    # 9 days (216 h) away; 80 % = 172 h 48 min = 7 days 4 h 48 min: 10-07 14:48.
    assert result.data["intake_warn"] == "2026-10-07T06:48:00+00:00"
    assert timers(result) == {"intake_warning": cst(10, 7, 14, 48),
                              "intake_breach": cst(10, 9)}


def test_correction_across_national_day_counts_the_make_up_saturday(new_complaint):
    case = new_complaint()
    case.file(cst(9, 28))

    result = case.submit("intake", ACCEPT, cst(9, 29))

    # From Tuesday 09-29: 09-30 (1), holiday 10-01..07, 10-08 (2), 10-09 (3),
    # make-up Saturday 10-10 (4), 10-12 (5), 13 (6), 14 (7), 15 (8), 16 (9), 19 (10).
    assert result.data["correction_due"] == "2026-10-19T02:00:00+00:00"


def test_intake_filed_on_new_years_eve_is_due_in_the_new_year(new_complaint):
    # Filed Thursday 2026-12-31 10:00. 2027-01-01 (Fri) New Year's Day, 01-02/03 weekend;
    # 01-04 (Mon) working day 1, 01-05 (Tue) working day 2.
    result = new_complaint().file(cst(12, 31))

    assert result.data["intake_due"] == "2027-01-05T02:00:00+00:00"
    # 5 days (120 h) away; 80 % = 96 h: 2027-01-04 10:00.
    assert result.data["intake_warn"] == "2027-01-04T02:00:00+00:00"


def test_an_extension_across_the_new_year(new_complaint):
    case = new_complaint()
    case.file(cst(12, 14))
    case.submit("intake", ACCEPT, cst(12, 15))
    # From Tuesday 12-15: 16, 17, 18, 21, 22, 23, 24, 25, 28, 29.
    assert case.data["correction_due"] == "2026-12-29T02:00:00+00:00"
    case.submit("correction", {**EXTENSION, "extension_days": 5}, cst(12, 21))

    resumed = case.submit("review_extension", {"extension_decision": "approve"}, cst(12, 22))

    # 12-29 plus 5: 12-30 (1), 12-31 (2), 2027-01-01 off, 01-02/03 weekend, 01-04 (3),
    # 01-05 (4), 01-06 (5).
    assert resumed.data["correction_due"] == "2027-01-06T02:00:00+00:00"


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
