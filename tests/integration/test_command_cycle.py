"""The command cycle: authorization, validation, events with diffs, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent, HumanTask, User
from workflows.inbox import queue as inbox
from workflows.kernel import access, cases
from workflows.kernel.errors import (
    InvalidTransitionError,
    NotAllowedError,
    NotFoundError,
    ValidationFailedError,
)

DRAFT = {"form_name": "测试报表", "purpose": "测试用途",
         "legal_basis": "《统计法》", "frequency": "monthly",
         "due_day": 25, "submission": "online",
         "field_lines": ["户籍人口（人）= POP_REG", "活动次数（次）= 新"]}


def actor(session: Session, username: str) -> access.Actor:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return access.load_actor(session, user.id)


def open_task(session: Session, case_id: int) -> HumanTask:
    task = session.scalar(
        select(HumanTask)
        .where(HumanTask.case_id == case_id, HumanTask.state == "open")
        .execution_options(populate_existing=True)
    )
    assert task is not None
    return task


@pytest.fixture
def started(demo_world: sessionmaker[Session]) -> tuple[sessionmaker[Session], int]:
    with demo_world() as session:
        res = cases.start_case(
            session, actor(session, "mz_clerk"), "report_form_approval", {"title": "新报表"}
        )
    return demo_world, res.case_id


def test_start_records_event_with_actor_role_and_diff(started) -> None:  # type: ignore[no-untyped-def]
    make, case_id = started
    with make() as session:
        ev = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id))
        assert ev is not None and ev.type == "case_started" and ev.seq == 1
        assert ev.actor_role == "clerk" and ev.actor_id is not None
        assert ev.diff["status"] == [None, "open"]
        assert ev.inputs["title"] == "新报表"
        task = open_task(session, case_id)
        assert task.task_id == "draft_form" and task.role == "clerk" and task.due_at is not None


def test_complete_task_writes_field_level_diff(started) -> None:  # type: ignore[no-untyped-def]
    make, case_id = started
    with make() as session:
        task = open_task(session, case_id)
        res = cases.complete_task(
            session, actor(session, "mz_clerk"), case_id, task.task_uuid, DRAFT
        )
        assert res.version == 2
        ev = session.scalar(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.seq == 2)
        )
        assert ev is not None and ev.task_id == "draft_form"
        assert ev.diff["data"]["form_name"] == [None, "测试报表"]
        assert ev.diff["tasks"][task.task_uuid]["state"] == ["open", "completed"]
        assert open_task(session, case_id).task_id == "sign_off"


def test_unknown_and_bad_fields_are_refused_with_their_names(started) -> None:  # type: ignore[no-untyped-def]
    make, case_id = started
    with make() as session:
        task = open_task(session, case_id)
        clerk = actor(session, "mz_clerk")
        with pytest.raises(ValidationFailedError) as err:
            cases.complete_task(session, clerk, case_id, task.task_uuid, {**DRAFT, "amount": 9})
        assert "amount" in err.value.fields
        with pytest.raises(ValidationFailedError) as err:
            cases.complete_task(
                session, clerk, case_id, task.task_uuid, {**DRAFT, "due_day": "many"}
            )
        assert "due_day" in err.value.fields
        assert session.get(Case, case_id).version == 1  # type: ignore[union-attr]


def test_out_of_scope_is_not_found_and_wrong_role_is_not_allowed(started) -> None:  # type: ignore[no-untyped-def]
    make, case_id = started
    with make() as session:
        task = open_task(session, case_id)
        with pytest.raises(NotFoundError):
            cases.complete_task(session, actor(session, "tj_clerk"), case_id, task.task_uuid, DRAFT)
        with pytest.raises(NotFoundError):
            cases.get_case(session, actor(session, "dg_cadre"), case_id)
        with pytest.raises(NotAllowedError):
            cases.complete_task(session, actor(session, "mz_head"), case_id, task.task_uuid, DRAFT)


def test_claimed_task_is_only_for_the_claimant(started) -> None:  # type: ignore[no-untyped-def]
    make, case_id = started
    with make() as session:
        task = open_task(session, case_id)
        cases.claim_task(session, actor(session, "mz_clerk2"), case_id, task.task_uuid)
        with pytest.raises(NotAllowedError):
            cases.complete_task(session, actor(session, "mz_clerk"), case_id, task.task_uuid, DRAFT)
        cases.release_task(session, actor(session, "mz_clerk2"), case_id, task.task_uuid)
        cases.complete_task(session, actor(session, "mz_clerk"), case_id, task.task_uuid, DRAFT)
        types = list(
            session.scalars(
                select(CaseEvent.type).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
            )
        )
    assert types == ["case_started", "task_claimed", "task_released", "task_completed"]


def test_completing_twice_is_an_invalid_transition(started) -> None:  # type: ignore[no-untyped-def]
    make, case_id = started
    with make() as session:
        task = open_task(session, case_id)
        clerk = actor(session, "mz_clerk")
        cases.complete_task(session, clerk, case_id, task.task_uuid, DRAFT)
        with pytest.raises(InvalidTransitionError):
            cases.complete_task(session, clerk, case_id, task.task_uuid, DRAFT)


def test_return_needs_a_reason_and_loops_back(started) -> None:  # type: ignore[no-untyped-def]
    make, case_id = started
    with make() as session:
        cases.complete_task(
            session,
            actor(session, "mz_clerk"),
            case_id,
            open_task(session, case_id).task_uuid,
            DRAFT,
        )
        head = actor(session, "mz_head")
        sign = open_task(session, case_id)
        with pytest.raises(ValidationFailedError) as err:
            cases.complete_task(session, head, case_id, sign.task_uuid, {"head_decision": "return"})
        assert "comment" in err.value.fields
        cases.complete_task(
            session,
            head,
            case_id,
            sign.task_uuid,
            {"head_decision": "return", "comment": "请补充用途"},
        )
        assert open_task(session, case_id).task_id == "draft_form"


def test_reassign_by_unit_head_only_to_role_holders(started) -> None:  # type: ignore[no-untyped-def]
    make, case_id = started
    with make() as session:
        task = open_task(session, case_id)
        to = session.scalar(select(User.id).where(User.username == "mz_clerk2"))
        with pytest.raises(NotAllowedError):
            cases.reassign_task(session, actor(session, "mz_clerk"), case_id, task.task_uuid, to)
        bad = session.scalar(select(User.id).where(User.username == "mz_head"))
        with pytest.raises(ValidationFailedError):
            cases.reassign_task(session, actor(session, "mz_head"), case_id, task.task_uuid, bad)
        cases.reassign_task(session, actor(session, "mz_head"), case_id, task.task_uuid, to)
        assert open_task(session, case_id).claimant_id == to


def test_event_times_never_go_backwards(started) -> None:  # type: ignore[no-untyped-def]
    make, case_id = started
    with make() as session:
        task = open_task(session, case_id)
        past = datetime(2000, 1, 1, tzinfo=UTC)
        cases.complete_task(
            session, actor(session, "mz_clerk"), case_id, task.task_uuid, DRAFT, now=past
        )
        times = list(
            session.scalars(
                select(CaseEvent.at).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
            )
        )
    assert times == sorted(times)


def test_inbox_shows_group_tasks_by_role_and_scope(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        head_rows = inbox.inbox(session, actor(session, "mz_head"))
        nb_rows = inbox.inbox(session, actor(session, "nb_staff"))
        tj_rows = inbox.inbox(session, actor(session, "tj_head"))
    assert head_rows and {r.task_id for r in head_rows} == {"sign_off"}
    # 区委农办: the report-form review, and the demo complaints at intake, verification (the
    # verifier lane it shares with 区委督查办) and return visit; never a department's task.
    assert nb_rows and {r.task_id for r in nb_rows} == {
        "review_form", "intake", "verification", "return_visit"}
    assert {r.role for r in nb_rows} == {"burden_office", "verifier"}
    assert tj_rows == []
