"""Issue 19, item 6: the calendar never shows an inspection still to come as "as it happened"
(实际发生), even when an outcome was recorded for it before the visit (possible on version 1
before the refusal of future dates): until its recorded last day has come, the calendar shows
the approved plan; a joining team is on the host's dates (item 3)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from workflows.inspections import ledger
from workflows.kernel.event_fold import Completion, FoldedCase

AT = datetime(2026, 12, 8, 2, tzinfo=UTC)
DATA = {"window_start": "2026-12-23", "window_end": "2026-12-23", "people": 3, "days": 1,
        "materials": [{"name": "台账", "already_held": False}],
        "calendar_entries": [{"village_id": 31, "village_name": "一村", "town_id": 30,
                              "start": "2026-12-23", "end": "2026-12-23"}]}
OUTCOME = {"actual_start": "2026-12-23", "actual_end": "2026-12-23", "actual_people": 2,
           "actual_days": 1, "actual_materials": ["台账", "照片"]}


def _case() -> FoldedCase:
    return FoldedCase(7, "inspection_request", "低保检查", status="rating", data=DATA,
                      statuses=[(AT, "scheduled"), (AT, "rating")],
                      completions=[Completion(AT, "record_outcome", "u", 1, "clerk", OUTCOME)])


def test_an_outcome_recorded_before_the_visit_is_not_what_happened() -> None:
    before, = ledger.inspection_entries(_case(), today=date(2026, 12, 8))
    assert not before.actual and (before.people, before.materials) == (3, 1)  # the plan
    on_the_day, = ledger.inspection_entries(_case(), today=date(2026, 12, 23))
    assert on_the_day.actual and (on_the_day.people, on_the_day.materials) == (2, 2)


def test_a_joining_team_is_on_the_hosts_dates() -> None:
    join = {"case_id": 7, "title": "低保检查", "window_start": "2026-12-23",
            "window_end": "2026-12-24", "people": 2, "days": 1,
            "villages": [{"unit_id": 31, "name": "一村", "town_id": 30}]}
    case = FoldedCase(9, "inspection_request", "统计核查", status="merged",
                      data={"materials": [], "join": join}, statuses=[(AT, "merged")])
    entry, = ledger.inspection_entries(case, today=date(2026, 12, 8))
    assert (entry.village_id, entry.start, entry.end, entry.people, entry.joins) == (
        31, date(2026, 12, 23), date(2026, 12, 24), 2, 7)
    assert not entry.actual
