"""Every path through report_form_approval, driven only through snapshots.

Each command restores the workflow from the previous command's snapshot string (the
`new_case` driver keeps nothing else), and checks that `inspect` of the new snapshot shows
the same ready tasks, timers and data as the command returned.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from workflows.kernel import engine
from workflows.kernel.errors import InvalidTransitionError

CST = timezone(timedelta(hours=8))


def cst(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CST)


def open_tasks(result: engine.EngineResult) -> list[tuple[str, str | None]]:
    return [(t.task_id, t.lane) for t in result.ready]


def reach_review(case, reminder_days: int = 5, approved_at: datetime | None = None):
    """Start, draft and sign off; the sign-off (at `approved_at`) opens the review."""
    approved_at = approved_at or cst(3, 2)
    case.start({"review_reminder_days": reminder_days}, approved_at - timedelta(hours=2))
    case.complete("draft_form", {"all_fields_held": False, "form_title": "村级防汛台账"},
                  approved_at - timedelta(hours=1))
    return case.complete("sign_off", {"head_decision": "approve"}, approved_at)


# ------------------------------------------------------------------ the paths


def test_start_opens_the_draft_for_the_clerk(new_case):
    result = new_case().start({"review_reminder_days": 5}, cst(3, 2))

    assert open_tasks(result) == [("draft_form", "clerk")]
    assert result.ready[0].properties == {"due_working_days": "5"}
    assert result.timers == []
    assert not result.completed
    assert result.data == {"review_reminder_days": 5}


def test_sign_off_goes_to_the_unit_head(new_case):
    case = new_case()
    case.start({"review_reminder_days": 5}, cst(3, 2))

    result = case.complete("draft_form", {"all_fields_held": False, "form_title": "t"},
                           cst(3, 2, 11))

    assert open_tasks(result) == [("sign_off", "unit_head")]
    assert result.ready[0].properties == {"due_working_days": "3"}
    assert result.timers == []


def test_approved_form_is_published(new_case):
    case = new_case()
    review = reach_review(case)
    assert open_tasks(review) == [("review_form", "burden_office")]

    result = case.complete("review_form", {"review_decision": "approve"}, cst(3, 4, 15))

    assert result.completed
    assert result.ready == []
    assert result.timers == []
    assert result.data["case_status"] == "published"
    assert result.data["published_at"] == "2026-03-04T15:00:00+08:00"
    assert "reminder_sent_at" not in result.data
    assert {"publish_form", "published_end"} <= set(result.finished_task_ids)
    assert not {"record_rejection", "rejected_end", "record_reminder"} & set(
        result.finished_task_ids)


def test_head_return_sends_the_form_back_to_the_clerk_then_approval_reaches_review(new_case):
    case = new_case()
    case.start({"review_reminder_days": 5}, cst(3, 2))
    case.complete("draft_form", {"all_fields_held": False, "form_title": "v1"}, cst(3, 2, 11))

    returned = case.complete("sign_off", {"head_decision": "return"}, cst(3, 2, 14))

    assert open_tasks(returned) == [("draft_form", "clerk")]
    assert returned.timers == []
    assert "case_status" not in returned.data
    assert returned.ready[0].data["form_title"] == "v1"  # the clerk sees the earlier draft

    case.complete("draft_form", {"all_fields_held": False, "form_title": "v2"}, cst(3, 3))
    review = case.complete("sign_off", {"head_decision": "approve"}, cst(3, 3, 11))

    assert open_tasks(review) == [("review_form", "burden_office")]
    assert review.ready[0].data["form_title"] == "v2"
    assert [t.task_id for t in review.timers] == ["review_reminder"]

    result = case.complete("review_form", {"review_decision": "approve"}, cst(3, 4))
    assert result.completed
    assert result.data["case_status"] == "published"


def test_reviewer_return_reopens_the_draft_and_the_next_round_gets_a_new_reminder(new_case):
    case = new_case()
    first = reach_review(case, approved_at=cst(3, 2))
    assert [t.due_at for t in first.timers] == [cst(3, 9)]

    returned = case.complete("review_form", {"review_decision": "return"}, cst(3, 3))

    assert open_tasks(returned) == [("draft_form", "clerk")]
    assert returned.timers == []
    assert not returned.completed
    assert "case_status" not in returned.data

    case.complete("draft_form", {"all_fields_held": False, "form_title": "v2"}, cst(3, 4))
    second = case.complete("sign_off", {"head_decision": "approve"}, cst(3, 5))

    assert open_tasks(second) == [("review_form", "burden_office")]
    assert [t.due_at for t in second.timers] == [cst(3, 12)]  # from the second sign-off
    assert second.timers[0].uuid != first.timers[0].uuid

    result = case.complete("review_form", {"review_decision": "approve"}, cst(3, 6))
    assert result.completed
    assert result.data["case_status"] == "published"


def test_reviewer_rejection_ends_the_case_rejected(new_case):
    case = new_case()
    reach_review(case)

    result = case.complete("review_form", {"review_decision": "reject"}, cst(3, 4))

    assert result.completed
    assert result.ready == []
    assert result.timers == []
    assert result.data["case_status"] == "rejected"
    assert {"record_rejection", "rejected_end"} <= set(result.finished_task_ids)
    assert not {"publish_form", "published_end"} & set(result.finished_task_ids)


# ------------------------------------------------------------------ the reminder timer


def test_reminder_does_not_fire_before_it_is_due(new_case):
    case = new_case()
    review = reach_review(case, approved_at=cst(3, 2))

    result = case.tick(cst(3, 9, 9, 59))  # one minute early

    assert result.timers == review.timers
    assert open_tasks(result) == [("review_form", "burden_office")]
    assert "reminder_sent_at" not in result.data
    assert "record_reminder" not in result.finished_task_ids


def test_reminder_fires_while_the_review_stays_open(new_case):
    case = new_case()
    reach_review(case, approved_at=cst(3, 2))

    fired = case.tick(cst(3, 9, 10, 1))

    assert fired.data["reminder_sent_at"] == "2026-03-09T10:01:00+08:00"
    assert fired.timers == []
    assert open_tasks(fired) == [("review_form", "burden_office")]  # non-interrupting
    assert {"review_reminder", "record_reminder", "reminder_end"} <= set(fired.finished_task_ids)
    assert not fired.completed

    again = case.tick(cst(3, 20))  # a later timer command finds nothing more to do
    assert again.timers == []
    assert again.data["reminder_sent_at"] == "2026-03-09T10:01:00+08:00"

    result = case.complete("review_form", {"review_decision": "approve"}, cst(3, 10))
    assert result.completed
    assert result.data["case_status"] == "published"
    assert result.data["reminder_sent_at"] == "2026-03-09T10:01:00+08:00"


def test_reminder_fires_when_the_timer_command_is_stamped_with_its_due_time(new_case):
    case = new_case()
    review = reach_review(case, approved_at=cst(3, 2))

    fired = case.tick(review.timers[0].due_at)

    assert "reminder_sent_at" in fired.data


def test_reminder_is_cancelled_when_the_review_finishes_first(new_case):
    case = new_case()
    reach_review(case, approved_at=cst(3, 2))

    # A return keeps the case open, so a later timer command still has something to find.
    returned = case.complete("review_form", {"review_decision": "return"}, cst(3, 3))
    assert returned.timers == []

    later = case.tick(cst(3, 20))

    assert "reminder_sent_at" not in later.data
    assert not {"review_reminder", "record_reminder"} & set(later.finished_task_ids)
    assert open_tasks(later) == [("draft_form", "clerk")]


@pytest.mark.parametrize(
    ("approved_at", "days", "due_at"),
    [
        pytest.param(cst(3, 6), 5, cst(3, 13), id="friday-plus-5-skips-the-weekend"),
        pytest.param(cst(3, 6), 1, cst(3, 9), id="friday-plus-1-is-monday"),
        pytest.param(cst(9, 30, 16, 30), 1, cst(10, 8, 16, 30), id="national-day-skipped"),
        pytest.param(cst(9, 28), 5, cst(10, 10), id="make-up-saturday-10-10-counts"),
        pytest.param(cst(9, 18), 1, cst(9, 20), id="make-up-sunday-09-20-counts"),
        pytest.param(cst(2, 13), 1, cst(2, 14), id="spring-festival-make-up-saturday"),
        pytest.param(cst(2, 14), 1, cst(2, 24), id="spring-festival-skipped"),
        pytest.param(datetime(2026, 9, 30, 17, 30, tzinfo=UTC), 1, cst(10, 8, 1, 30),
                     id="utc-evening-is-already-the-next-local-day"),
    ],
)
def test_reminder_is_due_after_working_days_on_the_official_calendar(
        new_case, approved_at, days, due_at):
    review = reach_review(new_case(), reminder_days=days, approved_at=approved_at)

    assert [(t.task_id, t.due_at) for t in review.timers] == [("review_reminder", due_at)]
    assert review.timers[0].due_at.utcoffset() == timedelta(0)


# ------------------------------------------------------------------ invalid commands


def test_completing_a_task_again_from_a_stale_uuid_is_an_invalid_transition(new_case):
    case = new_case()
    case.start({"review_reminder_days": 5}, cst(3, 2))
    draft_uuid = case.ready_uuid("draft_form")
    case.complete("draft_form", {"all_fields_held": False}, cst(3, 2, 11))

    with pytest.raises(InvalidTransitionError):
        engine.complete_task(case.defn, case.snapshot, draft_uuid, {}, seed="x", now=cst(3, 3),
                             calendar=case.calendar)


def test_completing_anything_after_the_case_closed_is_an_invalid_transition(new_case):
    case = new_case()
    reach_review(case)
    review_uuid = case.ready_uuid("review_form")
    case.complete("review_form", {"review_decision": "reject"}, cst(3, 4))

    with pytest.raises(InvalidTransitionError):
        engine.complete_task(case.defn, case.snapshot, review_uuid, {"review_decision": "x"},
                             seed="x", now=cst(3, 5), calendar=case.calendar)


@pytest.mark.parametrize("task_uuid", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_task_uuid_is_an_invalid_transition(new_case, task_uuid):
    case = new_case()
    case.start({"review_reminder_days": 5}, cst(3, 2))

    with pytest.raises(InvalidTransitionError):
        engine.complete_task(case.defn, case.snapshot, task_uuid, {}, seed="x", now=cst(3, 3),
                             calendar=case.calendar)


def test_the_timer_task_itself_cannot_be_completed_as_a_user_task(new_case):
    case = new_case()
    review = reach_review(case)

    with pytest.raises(InvalidTransitionError):
        engine.complete_task(case.defn, case.snapshot, review.timers[0].uuid, {}, seed="x",
                             now=cst(3, 3), calendar=case.calendar)


# ------------------------------------------------------------------ every field already held


def test_a_form_whose_fields_are_all_held_needs_no_new_collection(new_case):
    case = new_case()
    case.start({"review_reminder_days": 5}, cst(3, 2))
    case.complete("draft_form", {"all_fields_held": True, "form_title": "人口"}, cst(3, 2, 11))

    result = case.complete("sign_off", {"head_decision": "approve"}, cst(3, 2, 14))

    assert result.completed
    assert result.ready == []
    assert result.timers == []  # no review, so no review reminder either
    assert result.data["case_status"] == "all_held"
    assert result.data["published_at"] == "2026-03-02T14:00:00+08:00"
    assert {"held_gateway", "record_all_held", "all_held_end"} <= set(result.finished_task_ids)
    assert not {"review_form", "publish_form", "record_rejection"} & set(
        result.finished_task_ids)


def test_an_all_held_form_returned_by_the_head_is_drafted_again_and_can_gain_new_fields(
        new_case):
    case = new_case()
    case.start({"review_reminder_days": 5}, cst(3, 2))
    case.complete("draft_form", {"all_fields_held": True}, cst(3, 2, 11))
    returned = case.complete("sign_off", {"head_decision": "return"}, cst(3, 2, 12))
    assert open_tasks(returned) == [("draft_form", "clerk")]

    case.complete("draft_form", {"all_fields_held": False}, cst(3, 2, 13))
    review = case.complete("sign_off", {"head_decision": "approve"}, cst(3, 2, 14))

    assert open_tasks(review) == [("review_form", "burden_office")]
    assert "case_status" not in review.data
    assert "held_gateway" in review.finished_task_ids
    assert "record_all_held" not in review.finished_task_ids
