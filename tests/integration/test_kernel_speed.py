"""The lean command path (issue 15, items 2 and 3): a command's cost does not grow with
the case, the snapshot keeps only what the engine still needs, and every guarantee holds
(the `sessions` fixture replays every case and verifies the audit after each test).

The looping process is the benchmark's (bench/bpmn/bench_loop.bpmn): one task, then a
gateway back to it while `again` is true. No test here times anything: flat cost is shown
by what a command reads and writes (statements, rows, snapshot bytes), not by a clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from marshmallow import fields
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent, HumanTask, OrgKind
from workflows.kernel import access, accounts, audit, cases, engine, forms, orgs, processes
from workflows.kernel import replay as replays
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import InvalidTransitionError
from workflows.kernel.state import CASE_STARTED, ENGINE_REV_INPUT, EventDraft, apply_event

BENCH_BPMN = Path(__file__).resolve().parents[2] / "bench" / "bpmn"
LOOP = "bench_loop"


class _LoopSchema(forms.StrictSchema):
    again = fields.Boolean(required=True)


class _TitleSchema(forms.StrictSchema):
    title = fields.String(required=True)


@pytest.fixture
def loop_world(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> tuple[sessionmaker[Session], access.Actor]:
    monkeypatch.setitem(forms.START_FORMS, LOOP, _TitleSchema)
    monkeypatch.setitem(forms.TASK_FORMS, (LOOP, "loop_step"), _LoopSchema)
    with sessions() as s:
        district = orgs.add_unit(s, "nanchuan", "南川区", OrgKind.DISTRICT)
        orgs.add_unit(s, "qwnb", "区委农办", OrgKind.DEPARTMENT, district)
        dept = orgs.add_unit(s, "qloop", "循环测试部门", OrgKind.DEPARTMENT, district)
        user = accounts.create_user(s, "loop_clerk", "循环", "loop-password-1")
        accounts.assign_role(s, user, access.CLERK, dept)
        s.commit()
        processes.deploy(s, BENCH_BPMN)
        return sessions, access.load_actor(s, user.id)


def _open(session: Session, actor: access.Actor, case_id: int) -> str:
    _, state = cases.get_case(session, actor, case_id)
    return next(t.task_uuid for t in state.tasks.values() if t.state == "open")


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    bind = session.get_bind()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(bind, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(bind, "before_cursor_execute", record)


def _snapshot(session: Session, case_id: int) -> dict[str, Any]:
    case = session.get(Case, case_id, populate_existing=True)
    assert case is not None
    result: dict[str, Any] = json.loads(case.snapshot)
    return result


def test_a_looping_case_keeps_a_flat_snapshot_and_flat_commands(loop_world) -> None:  # type: ignore[no-untyped-def]
    make, actor = loop_world
    with make() as s:
        case_id = cases.start_case(s, actor, LOOP, {"title": "循环"}).case_id
        sizes, counts = [], []
        for _ in range(40):
            task = _open(s, actor, case_id)
            with _statements(s) as seen:
                cases.complete_task(s, actor, case_id, task, {"again": True})
            counts.append(len(seen))
            snap = _snapshot(s, case_id)
            sizes.append((len(snap["tasks"]), len(s.get(Case, case_id).snapshot)))
        # From the third loop on, nothing grows: the same tasks and statements, the same
        # bytes but for the digits of a timestamp.
        assert len({n for n, _ in sizes[2:]}) == 1 and sizes[-1][0] <= 10, sizes
        lengths = [length for _, length in sizes[2:]]
        assert max(lengths) - min(lengths) <= 32, sizes
        assert len(set(counts[2:])) == 1, counts
        # The history keeps everything: 41 events, 40 finished tasks in the inbox table.
        assert s.scalar(select(func.count()).select_from(CaseEvent)
                        .where(CaseEvent.case_id == case_id)) == 41
        assert s.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.case_id == case_id, HumanTask.state == "completed")) == 40
        # Ending the loop still works on the pruned tree.
        cases.complete_task(s, actor, case_id, _open(s, actor, case_id), {"again": False})
        case, state = cases.get_case(s, actor, case_id)
        assert case.status == "closed" and len(state.tasks) == 41
        assert _snapshot(s, case_id)["jianfu"]["rev"] == engine.ENGINE_REV


def test_the_start_event_records_the_engine_revision_and_replay_is_exact(loop_world) -> None:  # type: ignore[no-untyped-def]
    make, actor = loop_world
    with make() as s:
        case_id = cases.start_case(s, actor, LOOP, {"title": "循环"}).case_id
        for _ in range(5):
            cases.complete_task(s, actor, case_id, _open(s, actor, case_id), {"again": True})
        started = s.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                   CaseEvent.seq == 1))
        assert started is not None and started.inputs[ENGINE_REV_INPUT] == engine.ENGINE_REV
        report = replays.replay_case(s, case_id)
        assert report.ok, report.differences
        assert audit.verify(s) == []


def test_the_diagram_still_shows_every_step_pruned_from_the_tree(loop_world) -> None:  # type: ignore[no-untyped-def]
    make, actor = loop_world
    with make() as s:
        case_id = cases.start_case(s, actor, LOOP, {"title": "循环"}).case_id
        for _ in range(4):
            cases.complete_task(s, actor, case_id, _open(s, actor, case_id), {"again": True})
        case = s.get(Case, case_id, populate_existing=True)
        assert case is not None
        defn = processes.definition(s, case.process_version_id)
        snap = json.loads(case.snapshot)
        shown = set(engine.inspect(defn, case.snapshot).finished_task_ids)
        assert {"start", "loop_step", "again_gateway"} <= shown
        assert {"start", "loop_step"} <= set(snap["jianfu"]["finished"])


def test_a_case_started_before_pruning_replays_as_it_was_written(loop_world) -> None:  # type: ignore[no-untyped-def]
    """Engine revision 0 (a start event without `engine_rev`): never pruned, and the
    snapshot has no part of ours, byte for byte what the engine wrote before."""
    make, _ = loop_world
    with make() as s:
        pv = processes.latest(s, LOOP)
        defn = processes.definition(s, pv.id)
    at = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
    calendar = WorkCalendar({})
    start = EventDraft(CASE_STARTED, at=at, actor_role="clerk",
                       inputs={"data": {}, "scope_org_unit_id": None, "title": "旧"})
    state, _ = apply_event(defn, 1, 1, None, start, calendar)
    tasks = []
    for seq in range(2, 8):
        uuid = next(t.task_uuid for t in state.tasks.values() if t.state == "open")
        draft = EventDraft("task_completed", at=at, actor_role="clerk", task_uuid=uuid,
                           task_id="loop_step", inputs={"data": {"again": True}})
        state, _ = apply_event(defn, 1, seq, state, draft, calendar)
        tasks.append(len(json.loads(state.snapshot)["tasks"]))
    assert "jianfu" not in json.loads(state.snapshot)
    assert tasks == sorted(tasks) and tasks[-1] > tasks[0] + 8  # grows as it always did
    again = EventDraft(CASE_STARTED, at=at, actor_role="clerk",
                       inputs={"data": {}, "scope_org_unit_id": None, "title": "旧",
                               ENGINE_REV_INPUT: engine.ENGINE_REV})
    pruned, _ = apply_event(defn, 1, 1, None, again, calendar)
    assert json.loads(pruned.snapshot)["jianfu"]["rev"] == engine.ENGINE_REV


def test_a_finished_task_is_still_done_not_unknown(loop_world) -> None:  # type: ignore[no-untyped-def]
    """Commands read only the open tasks; completing a finished one is still a conflict
    of state (already done), not a 404."""
    make, actor = loop_world
    with make() as s:
        case_id = cases.start_case(s, actor, LOOP, {"title": "循环"}).case_id
        first = _open(s, actor, case_id)
        cases.complete_task(s, actor, case_id, first, {"again": True})
        with pytest.raises(InvalidTransitionError):
            cases.complete_task(s, actor, case_id, first, {"again": True})


def test_a_completion_runs_a_bounded_number_of_statements(loop_world) -> None:  # type: ignore[no-untyped-def]
    """Load (case, open tasks, jobs, lanes, unit paths), calendar, CAS, inbox rows, the
    notification check, the event and the log head: no ORM flushes, no per-row loops."""
    make, actor = loop_world
    with make() as s:
        case_id = cases.start_case(s, actor, LOOP, {"title": "循环"}).case_id
        task = _open(s, actor, case_id)
        with _statements(s) as seen:
            cases.complete_task(s, actor, case_id, task, {"again": True})
        work = [q for q in seen if not q.startswith(("BEGIN", "SAVEPOINT", "RELEASE"))]
        assert len(work) <= 13, work
