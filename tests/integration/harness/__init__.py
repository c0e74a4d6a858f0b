"""Shared helpers for the reliability harness tests (tests/integration/test_*.py).

Imported as `tests.integration.harness` both by the tests and by the subprocesses they start
(multiprocessing passes sys.path on, and `pythonpath = ["."]` puts the repo root on it).
Every subprocess builds its own engine from the database URL; nothing DB-related crosses a
process boundary except plain data.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from datetime import datetime, timedelta
from multiprocessing.context import BaseContext
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent, User
from models.db import make_engine, make_sessionmaker
from workflows import features
from workflows.kernel import access, audit, cases, processes, replay
from workflows.kernel.access import Actor
from workflows.kernel.commands import CommandResult

# Subprocesses import this module too: every feature registered, as in the app.
features.install()

PROCESS = "report_form_approval"
PRELOAD = ["tests.integration.harness.procs", "tests.integration.harness.crash",
           "tests.integration.harness.quota_procs"]


@pytest.fixture(autouse=True)
def fresh_definition_cache() -> None:
    """`processes._DEFS` caches definitions by process_version_id, which is only unique within
    one database; every test has its own database, and test_replay.py leaves a perturbed
    definition under id 1 behind. Import this into a test module to start each test clean."""
    processes._DEFS.clear()


def mp_context() -> BaseContext:
    """A forkserver context with our modules preloaded: children start in milliseconds, and
    nothing (no engine, no open connection) is inherited from the pytest process."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def open_sessions(url: str) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(url))


def actors(session: Session, *usernames: str) -> dict[str, Actor]:
    users = session.scalars(select(User).where(User.username.in_(usernames)))
    return {u.username: access.load_actor(session, u.id) for u in users}


def draft_fields(name: str) -> dict[str, Any]:
    return {"form_name": name, "purpose": f"{name}: harness", "legal_basis": "《统计法》",
            "frequency": "monthly", "due_day": 25, "submission": "online",
            "field_lines": ["户籍人口（人）= POP_REG", "活动次数（次）= 新"]}


def open_task(session: Session, case_id: int, task_id: str | None = None) -> str:
    """The uuid of the case's open user task (of `task_id`, if given)."""
    _, state = cases.get_case(session, access.SYSTEM_ACTOR, case_id)
    session.rollback()
    found = [t.task_uuid for t in state.tasks.values()
             if t.state == "open" and (task_id is None or t.task_id == task_id)]
    assert len(found) == 1, f"case {case_id}: expected one open {task_id or 'task'}: {found}"
    return found[0]


def new_case(session: Session, until: str, title: str = "harness case",
             settings: dict[str, Any] | None = None,
             now: datetime | None = None) -> tuple[int, str]:
    """Start a report-form case as mz_clerk and advance it until `until` (draft_form,
    sign_off or review_form) is open; returns (case id, that task's uuid). With `now`, the
    commands are stamped `now`, `now` + 1 min, ... (to put the case's timers in the past)."""
    who = actors(session, "mz_clerk", "mz_head")
    stamps = iter([now + timedelta(minutes=i) for i in range(3)] if now else [None] * 3)
    res: CommandResult = cases.start_case(session, who["mz_clerk"], PROCESS, {"title": title},
                                          settings=settings, now=next(stamps))
    path = [("draft_form", "mz_clerk", draft_fields(title)),
            ("sign_off", "mz_head", {"head_decision": "approve"})]
    for task_id, user, fields in path:
        if task_id == until:
            break
        uuid = open_task(session, res.case_id, task_id)
        cases.complete_task(session, who[user], res.case_id, uuid, fields, now=next(stamps))
    return res.case_id, open_task(session, res.case_id, until)


def history_problems(session: Session, case_ids: Iterable[int] | None = None) -> list[str]:
    """`audit.verify` problems plus replay differences (for `case_ids`, default all cases)."""
    problems = [str(p) for p in audit.verify(session)]
    if case_ids is None:
        case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    for case_id in case_ids:
        report = replay.replay_case(session, case_id)
        if not report.ok:
            problems.append(f"case {case_id} does not replay: {report.differences[0][:400]}")
    session.rollback()
    return problems


def count_events(session: Session, **where: Any) -> int:
    conds = [getattr(CaseEvent, k) == v for k, v in where.items()]
    return int(session.scalar(select(func.count()).select_from(CaseEvent).where(*conds)) or 0)
