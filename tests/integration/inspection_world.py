"""Drives inspection requests through the command layer as the demo users, on a copy of
the demo world made once per module (shared by the inspection, ledger, scorecard and web
tests)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import models
from models import OrgUnit, User
from models.db import make_engine, make_sessionmaker
from workflows.demo import loader as demo
from workflows.inspections import visits
from workflows.kernel import access, cases
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError
from workflows.kernel.ids import InspectionTask, MeetingTask, ProcessId

T = InspectionTask
PROCESS = str(ProcessId.INSPECTION_REQUEST)
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in China
BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def demo_template(folder: Path, now: datetime = T0, **options: bool) -> Path:
    """The demo world loaded at `now` into a new SQLite file in `folder` (a module-scoped
    fixture's: copy_demo copies it for each test). `options` go to workflows.demo.loader.load."""
    path = folder / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    models.Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, BPMN_DIR, now=now, **options)
    engine.dispose()
    return path


def copy_demo(sessions: sessionmaker[Session], template: Path, now: datetime = T0,
              **options: bool) -> None:
    """The demo world into the test's database: on SQLite a copy of `template` (SQLite's
    backup API), else loaded afresh (with the template's `now` and `options`)."""
    engine = sessions.kw["bind"]
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(template) as source, sqlite3.connect(engine.url.database) as target:
            source.backup(target)
        engine.dispose()
    else:
        with sessions() as session:
            demo.load(session, BPMN_DIR, now=now, **options)


def actor(session: Session, username: str) -> Actor:
    uid = session.scalar(select(User.id).where(User.username == username))
    assert uid is not None, username
    return access.load_actor(session, uid)


def unit_id(session: Session, code: str) -> int:
    uid = session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
    assert uid is not None, code
    return uid


def draft(session: Session, villages: list[str], **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "inspection_type": "business", "purpose": "检查低保台账", "item_ids": [],
        "legal_basis": "", "village_ids": [unit_id(session, v) for v in villages],
        "town_ids": [], "window_start": "2026-04-13", "window_end": "2026-04-14",
        "people": 3, "days": 1, "materials": [{"name": "低保名册", "already_held": False}],
    }
    return {**base, **over}


class InspectionDriver:
    def __init__(self, session: Session, start: datetime = T0) -> None:
        self.session, self.t = session, start

    def tick(self, hours: float = 2) -> datetime:
        self.t += timedelta(hours=hours)
        return self.t

    def start(self, clerk: str, title: str) -> int:
        res = cases.start_case(self.session, actor(self.session, clerk), PROCESS,
                               {"title": title}, now=self.tick())
        return res.case_id

    def open_tasks(self, username: str, case_id: int, task_id: str) -> list[str]:
        who = actor(self.session, username)
        try:
            _, state = cases.get_case(self.session, who, case_id)
        except NotFoundError:
            return []
        path = {t.task_uuid: access.unit_path(self.session, t.scope_org_unit_id)
                for t in state.tasks.values()}
        return [t.task_uuid for t in state.tasks.values()
                if t.state == "open" and t.task_id == task_id
                and who.holds(t.role, path[t.task_uuid])]

    def end_visit(self, case_id: int) -> None:
        """Fire the case's timer at the visit's end, as the worker would: the outcome is
        recorded only once the visit has ended (issue 19, item 6). The driver's clock stays
        (the other requests are still drafted before their dates); the case's own later
        commands are stamped from its visit's end on (event times never go back in a case)."""
        _, state = cases.get_case(self.session, actor(self.session, "nb_staff"), case_id)
        end = visits.visit_end(state.data)
        at = max(self.tick(0.5), end.astimezone(UTC) if end is not None else self.t)
        visits.end_visit(self.session, case_id, at)

    def do(self, username: str, case_id: int, task_id: str, fields: dict[str, Any]) -> None:
        now = self.tick()
        if task_id == T.RECORD_OUTCOME:
            if not self.open_tasks(username, case_id, task_id):
                self.end_visit(case_id)
            # recorded once the visit has ended, on its last recorded day at the earliest
            now = max(now, datetime.fromisoformat(f"{fields['actual_end']}T18:00:00+08:00")
                      .astimezone(UTC))
        uuids = self.open_tasks(username, case_id, task_id)
        assert uuids, f"{username} has no open {task_id} in case {case_id}"
        cases.complete_task(self.session, actor(self.session, username), case_id, uuids[0],
                            fields, now=now)

    def to_checks(self, fields: dict[str, Any], title: str = "村级检查",
                  clerk: str = "mz_clerk", head: str = "mz_head") -> int:
        case_id = self.start(clerk, title)
        self.do(clerk, case_id, T.DRAFT_REQUEST, fields)
        self.do(head, case_id, T.HEAD_REVIEW, {"head_decision": "approve"})
        return case_id

    def approve(self, fields: dict[str, Any], title: str = "村级检查",
                clerk: str = "mz_clerk", head: str = "mz_head") -> int:
        """draft -> head -> checks (must pass) -> 大观镇 agrees -> approved (scheduled)."""
        case_id = self.to_checks(fields, title, clerk, head)
        self.do("dg_official", case_id, T.TOWN_REVIEW, {"town_decision": "agree"})
        task = T.APPROVE_SUPERVISION if fields["inspection_type"] == "supervision" \
            else T.APPROVE_REQUEST
        approver = "dc_staff" if task == T.APPROVE_SUPERVISION else "nb_staff"
        self.do(approver, case_id, task, {"approval_decision": "approve"})
        return case_id

    def finish(self, case_id: int, outcome: dict[str, Any], rating: int = 3,
               clerk: str = "mz_clerk") -> None:
        self.do(clerk, case_id, T.RECORD_OUTCOME, outcome)


def meeting(drive: InspectionDriver, clerk: str, fields: dict[str, object],
            urgent: str = "") -> int:
    """A meeting request drafted by `clerk`; "approve" / "refuse" decides its urgency."""
    session = drive.session
    res = cases.start_case(session, actor(session, clerk), str(ProcessId.MEETING_REQUEST),
                           {"title": str(fields["purpose"])}, now=drive.tick())
    drive.do(clerk, res.case_id, MeetingTask.DRAFT_MEETING, fields)
    if urgent:
        drive.do("nb_staff", res.case_id, MeetingTask.APPROVE_URGENT,
                 {"urgent_decision": urgent, "comment": "" if urgent == "approve" else "合并"})
    return res.case_id
