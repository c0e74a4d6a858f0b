"""The bundler on a month of meeting requests: the right sessions (per town, the next
session after the notice period), the right generated agendas, the urgent exception, and
another period (quarterly)."""

from __future__ import annotations

from datetime import date

import pytest

from workflows.inspections.bundler import (
    BundleConfig,
    MeetingRequest,
    agenda_text,
    bundle,
    next_session,
    period_label,
)

A, B = 30, 40  # towns
A1, A2, B1 = 31, 32, 41  # villages
NAMES = {11: "区民政局", 12: "区农业农村委", 13: "区统计局"}


def req(case_id: int, queued: str, preferred: str, villages: list[tuple[int, int]],
        unit: int = 11, hours: float = 1.0, mode: str = "on_site",
        urgent: str | None = None, purpose: str = "") -> MeetingRequest:
    return MeetingRequest(case_id, f"会议{case_id}", unit, purpose or f"议题{case_id}",
                          "村党支部书记", hours, mode, tuple(villages),
                          date.fromisoformat(preferred), date.fromisoformat(queued),
                          date.fromisoformat(urgent) if urgent else None)


MARCH = [
    req(1, "2026-03-02", "2026-03-10", [(A1, A), (A2, A)], purpose="低保政策培训"),
    req(2, "2026-03-05", "2026-03-01", [(A1, A), (B1, B)], unit=12, hours=0.5, mode="online",
        purpose="高标准农田建设部署"),
    req(3, "2026-03-12", "2026-03-12", [(A2, A)], unit=13, purpose="统计年报布置"),  # too late
    req(4, "2026-03-16", "2026-03-20", [(B1, B)], unit=12, urgent="2026-03-18",
        purpose="防汛紧急部署"),
    req(5, "2026-03-03", "2026-03-31", [(B1, B)], purpose="养老服务调查"),  # wanted later
    req(6, "2026-03-09", "2026-03-09", [(B1, B)], unit=13, hours=1.5, purpose="人口抽样调查"),
]


def test_a_month_of_requests_makes_the_right_sessions() -> None:
    sessions = bundle(MARCH)
    got = [(s.on.isoformat(), s.town_id, s.urgent, [i.case_id for i in s.agenda])
           for s in sessions]
    assert got == [
        ("2026-03-15", A, False, [1, 2]),
        ("2026-03-15", B, False, [2, 6]),
        ("2026-03-18", B, True, [4]),
        ("2026-04-15", A, False, [3]),
        ("2026-04-15", B, False, [5]),
    ]
    # six requests, five sessions; 大观镇-like town A sees one session in March, not two
    march_a = sessions[0]
    assert march_a.village_ids == [A1, A2]
    assert march_a.hours == 1.5 and march_a.hours_for(A1) == 1.5 and march_a.hours_for(A2) == 1.0
    assert march_a.mode == "on_site"
    assert sessions[1].hours_for(B1) == 2.0


def test_the_combined_agenda_is_generated_in_queue_order() -> None:
    sessions = bundle(MARCH)
    assert agenda_text(sessions[0], NAMES) == [
        "1. 区民政局：低保政策培训（村党支部书记；1 小时；现场）",
        "2. 区农业农村委：高标准农田建设部署（村党支部书记；0.5 小时；线上）",
    ]
    assert agenda_text(sessions[2], NAMES) == [
        "1. 区农业农村委：防汛紧急部署（村党支部书记；1 小时；现场）"]


def test_an_urgent_meeting_stands_alone_even_on_a_session_day() -> None:
    urgent = req(7, "2026-03-10", "2026-03-15", [(A1, A)], urgent="2026-03-15")
    sessions = [s for s in bundle([*MARCH, urgent]) if s.on == date(2026, 3, 15)
                and s.town_id == A]
    assert [(s.urgent, [i.case_id for i in s.agenda]) for s in sessions] == [
        (False, [1, 2]), (True, [7])]
    assert len({s.key for s in sessions}) == 2


def test_a_quarterly_period_bundles_the_month_into_fewer_sessions() -> None:
    quarterly = BundleConfig(period_months=3, session_day=10, notice_days=5)
    got = [(s.on.isoformat(), s.town_id, [i.case_id for i in s.agenda])
           for s in bundle(MARCH, quarterly)]
    assert got == [("2026-03-18", B, [4]), ("2026-04-10", A, [1, 2, 3]),
                   ("2026-04-10", B, [5, 2, 6])]  # in the order they were queued
    assert period_label(date(2026, 5, 3), quarterly) == "2026-04-01..2026-06-30"
    assert period_label(date(2026, 2, 3)) == "2026-02-01..2026-02-28"


def test_sessions_roll_into_the_next_year_and_the_config_is_checked() -> None:
    assert next_session(date(2026, 12, 16), BundleConfig()) == date(2027, 1, 15)
    with pytest.raises(ValueError):
        BundleConfig(period_months=5)
    with pytest.raises(ValueError):
        BundleConfig(session_day=31)
    assert bundle([]) == []


def test_a_full_session_sends_the_next_request_to_the_next_session() -> None:
    """Issue 19, item 10: a combined session holds at most `max_session_hours` (default 4);
    a request that would overfill it goes to the town's next session."""
    three = [req(n, "2026-03-02", "2026-03-10", [(A1, A)], hours=2.0) for n in (1, 2, 3)]
    sessions = bundle(three)
    assert [(s.on.isoformat(), [i.case_id for i in s.agenda]) for s in sessions] == [
        ("2026-03-15", [1, 2]), ("2026-04-15", [3])]
    assert all(s.hours <= 4 for s in sessions)
    wide = bundle(three, BundleConfig(max_session_hours=6))
    assert [[i.case_id for i in s.agenda] for s in wide] == [[1, 2, 3]]
    with pytest.raises(ValueError):
        BundleConfig(max_session_hours=0)
