"""burden_complaint: filing and intake (accept, reclassify, reject, duplicate).

Driven only through snapshots; tests/bpmn/complaint_paths_helpers.py says how.
"""

from __future__ import annotations

import pytest

from tests.bpmn.complaint_paths_helpers import (
    ACCEPT,
    ACCEPTED,
    CORRECTION_DUE,
    CORRECTION_WARN,
    FILED,
    INTAKE_DUE,
    INTAKE_WARN,
    OFFICE,
    UNIT,
    cst,
    iso,
    open_tasks,
    timers,
)
from workflows.complaints.forms import CATEGORIES, DEFAULT_LIMITS
from workflows.kernel.errors import ValidationFailedError

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
