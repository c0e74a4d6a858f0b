"""burden_complaint: the correction's one extension request (approve, deny, refusals).

Driven only through snapshots; tests/bpmn/complaint_paths_helpers.py says how.
"""

from __future__ import annotations

import pytest

from tests.bpmn.complaint_paths_helpers import (
    CORRECTION_DUE,
    CORRECTION_WARN,
    DONE,
    EXTENSION,
    PROCESS,
    cst,
    events,
    iso,
    open_tasks,
    reach_correction,
    timers,
)
from workflows.kernel import engine, forms
from workflows.kernel.errors import ProcessError, ValidationFailedError

# ------------------------------------------------------------------ the extension


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
