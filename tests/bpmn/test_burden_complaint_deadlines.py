"""burden_complaint: warnings, breaches, reminders and supervision; time limits across
the official holidays.

Driven only through snapshots; tests/bpmn/complaint_paths_helpers.py says how.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import holidays

from tests.bpmn.complaint_paths_helpers import (
    ACCEPT,
    DONE,
    EXTENSION,
    FILED,
    INTAKE_DUE,
    INTAKE_WARN,
    OFFICE,
    PASS,
    UNIT,
    cst,
    events,
    iso,
    open_tasks,
    reach_correction,
    reach_verification,
    timers,
)

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
