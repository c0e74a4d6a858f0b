"""Shared by the tests of every path through burden_complaint (docs/complaints.md), driven
only through snapshots: test_burden_complaint_{intake,closing,extension,deadlines,reducer}.py.

Each command restores the workflow from the previous command's snapshot string (the
SnapshotDriver keeps nothing else) and checks that `inspect` of the new snapshot shows what
the command returned. Task forms go through `forms.validate_task` with the case data, as the
service does, so the forms and the model are tested together.

Expected deadlines are worked out by hand in the comments (listing the working days of the
official calendar), never by calling the calendar code under test.

The fixtures `complaint_definition` and `new_complaint` are in tests/bpmn/conftest.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from workflows.complaints.forms import CATEGORIES, DEFAULT_LIMITS
from workflows.kernel import engine, forms
from workflows.kernel.ids import ProcessId

if TYPE_CHECKING:
    from tests.bpmn.conftest import SnapshotDriver

CST = timezone(timedelta(hours=8))
PROCESS = ProcessId.BURDEN_COMPLAINT
OFFICE = 3  # 区委农办 (qwnb): burden_office and verifier lanes
UNIT = 42  # the responsible unit named at intake (clerk lane)
OTHER_UNIT = 57

ACCEPT = {"intake_decision": "accept", "responsible_unit_id": UNIT}
DONE = {"correction_outcome": "done", "findings": "确有重复报表", "actions_taken": "已合并为一张",
        "evidence": "合并后的报表样张"}
PASS = {"verification_decision": "pass"}

EXTENSION = {"correction_outcome": "request_extension", "extension_reason": "需上级协调",
             "extension_days": 3}


def cst(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CST)


def iso(moment: datetime) -> str:
    """How working_days_after / add_working_days / warning_at store a moment (UTC ISO)."""
    return moment.astimezone(UTC).isoformat()


def start_data(category: str = "too_many_forms",
               limits_by_category: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    """The case_started data workflows.complaints.filing builds (no name, phone or receipt code)."""
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
