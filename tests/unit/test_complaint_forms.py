"""The complaint's forms, its script helpers and the verifier lane's roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from marshmallow import ValidationError

from workflows.complaints import forms as complaint_forms
from workflows.kernel import access, forms
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.ids import ComplaintTask, ProcessId
from workflows.kernel.script_helpers import (
    CommandClock,
    add_working_days,
    command_clock,
    warning_at,
    working_days_after,
)

CST = timezone(timedelta(hours=8))
PROCESS = ProcessId.BURDEN_COMPLAINT

FILING = {"category": "too_many_forms", "town_id": 5, "village_id": 51,
          "description": "村里每个月要重复填报十几张报表。"}


def fails(schema: type, data: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as err:
        schema().load(data)
    messages = err.value.messages
    assert isinstance(messages, dict)
    return set(messages)


# ------------------------------------------------------------------ constants


def test_categories_limits_and_labels():
    assert complaint_forms.CATEGORIES == (
        "unapproved_inspection", "duplicate_assessment", "too_many_meetings", "too_many_forms",
        "apps_and_checkins", "plaques", "certificates", "unfunded_work", "other")
    assert complaint_forms.DEFAULT_LIMITS == {"intake": 2, "correction": 10,
                                              "verification": 3, "return_visit": 5}
    assert set(complaint_forms.CATEGORY_LABELS) == set(complaint_forms.CATEGORIES)


def test_every_complaint_task_has_a_registered_form():
    for task in ComplaintTask:
        assert forms.form_schema(PROCESS, task) is not None
    assert forms.START_FORMS[PROCESS] is complaint_forms.ComplaintFilingSchema


# ------------------------------------------------------------------ the filing form


def test_an_anonymous_filing_needs_no_name_or_phone():
    loaded = complaint_forms.ComplaintFilingSchema().load(FILING)

    assert loaded["anonymous"] is True
    assert loaded["responsible_unit_id"] is None
    assert "name" not in loaded and "phone" not in loaded


def test_a_named_filing_needs_name_and_phone():
    assert fails(complaint_forms.ComplaintFilingSchema, {**FILING, "anonymous": False}) == {
        "name", "phone"}
    loaded = complaint_forms.ComplaintFilingSchema().load(
        {**FILING, "anonymous": False, "name": "张三", "phone": "13812345678"})
    assert loaded["name"] == "张三"


@pytest.mark.parametrize("phone", ["13812345678", "19900000000", "023-12345678", "02312345678",
                                   "6123456", "0086-23-1234-5678"])
def test_good_phone_numbers(phone):
    loaded = complaint_forms.ComplaintFilingSchema().load(
        {**FILING, "anonymous": False, "name": "张三", "phone": phone})
    assert loaded["phone"] == phone


@pytest.mark.parametrize("phone", ["12812345678", "1381234567x", "123456", "-23-12345678",
                                   "023 1234 5678", "1" * 21, "电话"])
def test_bad_phone_numbers(phone):
    assert fails(complaint_forms.ComplaintFilingSchema,
                 {**FILING, "anonymous": False, "name": "张三", "phone": phone}) == {"phone"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "weather"}, "category"),
        ({"town_id": "x"}, "town_id"),
        ({"village_id": "x"}, "village_id"),  # None is the filing's check (issue 18, item 12)
        ({"description": "太短了"}, "description"),
        ({"description": "          太短了          "}, "description"),
        ({"description": "长" * 4001}, "description"),
        ({"channel": "web"}, "channel"),  # unknown keys are refused
        ({"ip": "10.0.0.1"}, "ip"),
    ],
)
def test_bad_filings_name_the_field(change, field):
    assert field in fails(complaint_forms.ComplaintFilingSchema, {**FILING, **change})


def test_filing_through_the_registry():
    loaded = forms.validate_start(PROCESS, {**FILING, "town_id": "5", "responsible_unit_id": 9})
    assert (loaded["town_id"], loaded["responsible_unit_id"]) == (5, 9)


# ------------------------------------------------------------------ the task forms


@pytest.mark.parametrize(
    ("task", "fields", "errors"),
    [
        ("intake", {"intake_decision": "maybe"}, {"intake_decision"}),
        ("intake", {"intake_decision": "accept", "category": "x", "responsible_unit_id": 3},
         {"category"}),
        ("correction", {"correction_outcome": "done", "findings": "f"},
         {"actions_taken", "evidence"}),
        ("correction", {"correction_outcome": "request_extension"},
         {"extension_reason", "extension_days"}),
        ("review_extension", {"extension_decision": "later"}, {"extension_decision"}),
        ("verification", {"verification_decision": "return", "reasons": ""}, {"reasons"}),
        ("return_visit", {"rating": "great"}, {"rating"}),
        ("return_visit", {"rating": "satisfied", "visit_channel": "email"}, {"visit_channel"}),
        ("appeal_window", {}, {"appeal_reason"}),
        ("appeal_window", {"appeal_reason": "不服", "case_status": "closed"}, {"case_status"}),
    ],
)
def test_task_forms_name_the_bad_field(task, fields, errors):
    with pytest.raises(ValidationFailedError) as err:
        forms.validate_task(PROCESS, task, fields)
    assert set(err.value.fields) == errors


def test_task_forms_fill_their_defaults():
    assert forms.validate_task(PROCESS, "return_visit", {"rating": "partly"}) == {
        "rating": "partly", "comment": "", "visit_channel": "phone"}
    assert forms.validate_task(PROCESS, "review_extension", {"extension_decision": "deny"}) == {
        "extension_decision": "deny", "comment": ""}


def test_the_extension_check_sees_the_case_data():
    fields = {"correction_outcome": "request_extension", "extension_reason": "r",
              "extension_days": 2}
    assert forms.validate_task(PROCESS, "correction", fields, case_data={})
    assert forms.validate_task(PROCESS, "correction", fields,
                               case_data={"extension_used": False})
    with pytest.raises(ValidationFailedError) as err:
        forms.validate_task(PROCESS, "correction", fields, case_data={"extension_used": True})
    assert list(err.value.fields) == ["correction_outcome"]
    done = {"correction_outcome": "done", "findings": "f", "actions_taken": "a",
            "evidence": "e"}
    assert forms.validate_task(PROCESS, "correction", done, case_data={"extension_used": True})


def test_report_form_validation_is_unchanged():
    assert forms.validate_task(ProcessId.REPORT_FORM_APPROVAL, "sign_off",
                               {"head_decision": "approve"}) == {
        "head_decision": "approve", "comment": ""}
    with pytest.raises(ValidationFailedError) as err:
        forms.validate_task(ProcessId.REPORT_FORM_APPROVAL, "sign_off",
                            {"head_decision": "return"}, case_data={})
    assert list(err.value.fields) == ["comment"]


# ------------------------------------------------------------------ script helpers


def at(moment: datetime):
    return command_clock(CommandClock(moment, WorkCalendar()))


def test_warning_at_is_80_percent_of_the_elapsed_time_to_the_due_moment():
    with at(datetime(2026, 3, 2, 9, tzinfo=CST)):
        assert warning_at("2026-03-04T01:00:00+00:00") == "2026-03-03T15:24:00+00:00"
        assert warning_at("2026-03-04T01:00:00+00:00", 0.5) == "2026-03-03T01:00:00+00:00"
        assert warning_at("2026-03-04T01:00:00") == "2026-03-03T15:24:00+00:00"  # naive = UTC
        with pytest.raises(ValueError):
            warning_at("2026-03-04T01:00:00+00:00", 1.5)


def test_add_working_days_counts_from_the_given_moment_not_from_now():
    with at(datetime(2026, 1, 5, tzinfo=UTC)):
        # Wednesday 09-30 10:00 CST + 1: the National Day week is off, 10-08.
        assert add_working_days("2026-09-30T02:00:00+00:00", 1) == "2026-10-08T02:00:00+00:00"
        # + 3: 10-08, 10-09, make-up Saturday 10-10.
        assert add_working_days("2026-09-30T10:00:00+08:00", 3) == "2026-10-10T02:00:00+00:00"
        assert add_working_days("2026-09-30T02:00:00", 1) == "2026-10-08T02:00:00+00:00"


def test_add_working_days_agrees_with_working_days_after_from_now():
    now = datetime(2026, 12, 31, 10, tzinfo=CST)
    with at(now):
        assert add_working_days(now.isoformat(), 2) == working_days_after(2) == (
            "2027-01-05T02:00:00+00:00")


def test_helpers_refuse_to_run_outside_a_command():
    with pytest.raises(RuntimeError):
        warning_at("2026-03-04T01:00:00+00:00")
    with pytest.raises(RuntimeError):
        add_working_days("2026-03-04T01:00:00+00:00", 1)


# ------------------------------------------------------------------ the verifier lane


def actor(*roles: tuple[str, str]) -> Actor:
    return Actor(7, "someone", tuple((r, i, p) for i, (r, p) in enumerate(roles)))


QWNB = "/nanchuan/qwnb/"


@pytest.mark.parametrize(
    ("roles", "holds"),
    [
        ((("burden_office", QWNB),), True),
        ((("supervisor", "/nanchuan/"),), True),  # 区委督查办 holds supervisor district-wide
        ((("clerk", QWNB),), False),
        ((("supervisor", "/nanchuan/town1/"),), False),  # not at or above the scope
        ((("verifier", QWNB),), False),  # a lane is not a grantable role
    ],
)
def test_the_verifier_lane_is_done_by_the_burden_office_or_a_supervisor(roles, holds):
    assert actor(*roles).holds(access.VERIFIER, QWNB) is holds


def test_a_plain_lane_is_its_own_role():
    assert actor(("clerk", "/nanchuan/town1/")).holds("clerk", "/nanchuan/town1/v2/")
    assert not actor(("burden_office", QWNB)).holds("clerk", QWNB)
    assert not actor(("burden_office", QWNB)).holds(access.COMPLAINANT, QWNB)
    assert access.LANE_ROLES["verifier"] == frozenset({"burden_office", "supervisor"})
    assert access.COMPLAINANT not in access.ALL_ROLES
    assert access.VERIFIER not in access.ALL_ROLES
