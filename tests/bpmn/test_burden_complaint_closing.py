"""burden_complaint: verification, return visit, closing and the appeal window.

Driven only through snapshots; tests/bpmn/complaint_paths_helpers.py says how.
"""

from __future__ import annotations

import pytest

from tests.bpmn.complaint_paths_helpers import (
    DONE,
    PASS,
    UNIT,
    cst,
    iso,
    open_tasks,
    reach_appeal_window,
    reach_correction,
    reach_return_visit,
    reach_verification,
    start_data,
    timers,
)
from workflows.complaints.forms import DEFAULT_LIMITS
from workflows.kernel.errors import ValidationFailedError

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
