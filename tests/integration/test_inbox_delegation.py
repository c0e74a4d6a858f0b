"""Delegation, substitutes, bulk actions, following and saved filters at the use-case level.

The `sessions` fixture replays every case after each test and verifies the audit chain, so
every event written here (task_delegated, completions on someone's behalf) must replay.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import CaseEvent, HumanTask, Notification, User, utcnow
from workflows.inbox import bulk, delegation, following, saved_filters, substitutes
from workflows.inbox.filters import InboxFilter, parse_filter
from workflows.inbox.search import due_state, next_task, search
from workflows.kernel import access, cases, replay, substitution
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    ValidationFailedError,
)

DRAFT = {"form_name": "测试报表", "purpose": "测试用途：收集村级数据",
         "legal_basis": "《统计法》", "frequency": "monthly",
         "due_day": 25, "submission": "online",
         "field_lines": ["户籍人口（人）= POP_REG", "活动次数（次）= 新"]}


def actor(session: Session, username: str) -> access.Actor:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return access.load_actor(session, user.id)


def open_task(session: Session, case_id: int) -> HumanTask:
    task = session.scalar(select(HumanTask).where(HumanTask.case_id == case_id,
                                                  HumanTask.state == "open")
                          .execution_options(populate_existing=True))
    assert task is not None
    return task


def last_event(session: Session, case_id: int) -> CaseEvent:
    event = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id)
                           .order_by(CaseEvent.seq.desc())
                           .execution_options(populate_existing=True))
    assert event is not None
    return event


def new_draft(session: Session, title: str = "新报表") -> int:
    """A report-form case waiting for 民政局's draft."""
    return cases.start_case(session, actor(session, "mz_clerk"), "report_form_approval",
                            {"title": title}).case_id


def at_sign_off(session: Session, title: str) -> int:
    case_id = new_draft(session, title)
    clerk = actor(session, "mz_clerk")
    cases.complete_task(session, clerk, case_id, open_task(session, case_id).task_uuid, DRAFT)
    return case_id


@pytest.fixture
def world(demo_world: sessionmaker[Session]) -> sessionmaker[Session]:
    return demo_world


def test_delegate_records_an_event_that_sets_the_claimant(world) -> None:  # type: ignore[no-untyped-def]
    with world() as session:
        case_id = new_draft(session)
        clerk, clerk2 = actor(session, "mz_clerk"), actor(session, "mz_clerk2")
        uuid = open_task(session, case_id).task_uuid
        with pytest.raises(NotAllowedError):  # not held yet: claim first
            delegation.delegate_task(session, clerk, case_id, uuid, clerk2.user_id or 0)
        cases.claim_task(session, clerk, case_id, uuid)
        names = [n for _, n in delegation.colleagues(
            session, clerk, cases.get_case(session, clerk, case_id)[1].tasks[uuid])]
        assert names == ["民政局经办人二（演示）"]
        result = delegation.delegate_task(session, clerk, case_id, uuid, clerk2.user_id or 0)
        event = last_event(session, case_id)
        assert event.seq == result.seq and event.type == "task_delegated"
        assert event.actor_id == clerk.user_id and event.actor_role == "clerk"
        assert event.inputs == {"user_id": clerk2.user_id, "from_user_id": clerk.user_id}
        assert event.diff["tasks"][uuid]["claimant_id"] == [clerk.user_id, clerk2.user_id]
        assert open_task(session, case_id).claimant_id == clerk2.user_id
        told = set(session.scalars(select(Notification.kind).where(
            Notification.user_id == clerk2.user_id, Notification.case_id == case_id)))
        assert "task_assigned" in told  # the colleague hears of it
        # The old holder may no longer complete it; the new one may.
        with pytest.raises(NotAllowedError):
            cases.complete_task(session, clerk, case_id, uuid, DRAFT)
        cases.complete_task(session, clerk2, case_id, uuid, DRAFT)
        assert replay.replay_case(session, case_id).ok


def test_delegate_refuses_colleagues_of_other_units_or_roles(world) -> None:  # type: ignore[no-untyped-def]
    with world() as session:
        case_id = new_draft(session)
        clerk = actor(session, "mz_clerk")
        uuid = open_task(session, case_id).task_uuid
        cases.claim_task(session, clerk, case_id, uuid)
        cases_by_reason = {
            "tj_clerk": "this colleague is not in your unit",  # clerk, of 统计局
            "mz_head": "this user does not hold the task's role",  # 民政局, unit head
            "mz_clerk": "this colleague already holds the task",
        }
        for username, reason in cases_by_reason.items():
            target = actor(session, username).user_id or 0
            with pytest.raises(ValidationFailedError) as err:
                delegation.delegate_task(session, clerk, case_id, uuid, target)
            assert err.value.fields == {"to_user_id": [reason]}, username
        with pytest.raises(ValidationFailedError) as err:
            delegation.delegate_task(session, clerk, case_id, uuid, 999_999)
        assert err.value.fields == {"to_user_id": ["no such active user"]}
        clerk2 = actor(session, "mz_clerk2")
        with pytest.raises(NotAllowedError):  # not the holder
            delegation.delegate_task(session, clerk2, case_id, uuid, clerk2.user_id or 0)
        with pytest.raises(NotFoundError):  # cannot see the case at all
            delegation.delegate_task(session, actor(session, "tj_clerk"), case_id, uuid,
                                     clerk2.user_id or 0)
        assert open_task(session, case_id).claimant_id == clerk.user_id
        assert last_event(session, case_id).type == "task_claimed"


def test_a_substitute_works_the_absent_holders_tasks_within_the_range(world) -> None:  # type: ignore[no-untyped-def]
    with world() as session:
        case_id = new_draft(session)
        clerk, clerk2 = actor(session, "mz_clerk"), actor(session, "mz_clerk2")
        uuid = open_task(session, case_id).task_uuid
        cases.claim_task(session, clerk, case_id, uuid)
        today = WorkCalendar.local_date(utcnow())
        later = substitutes.set_substitute(session, clerk, clerk2.user_id or 0,
                                           today + timedelta(days=2), today + timedelta(days=4))
        assert not later.active
        # Outside the range: not in the substitute's "mine", and not theirs to complete.
        mine = search(session, clerk2, InboxFilter(tab="mine"))
        assert uuid not in {r.task_uuid for r in mine.rows}
        with pytest.raises(NotAllowedError):
            cases.complete_task(session, clerk2, case_id, uuid, DRAFT)
        now = substitutes.set_substitute(session, clerk, clerk2.user_id or 0, today,
                                         today + timedelta(days=1))
        assert now.active
        rows = {r.task_uuid: r for r in search(session, clerk2, InboxFilter(tab="mine")).rows}
        assert rows[uuid].on_behalf_of == clerk.user_id and rows[uuid].workable
        cases.complete_task(session, clerk2, case_id, uuid, DRAFT)
        event = last_event(session, case_id)
        assert event.type == "task_completed" and event.actor_id == clerk2.user_id
        assert event.inputs["on_behalf_of"] == clerk.user_id
        # After the end of the substitution, nothing more on the holder's behalf.
        substitutes.cancel_substitute(session, clerk, now.id)
        assert substitution.principals(session, clerk2) == frozenset()


def test_substitutes_are_of_the_same_unit_and_role(world) -> None:  # type: ignore[no-untyped-def]
    with world() as session:
        clerk = actor(session, "mz_clerk")
        today = WorkCalendar.local_date(utcnow())
        for username in ("tj_clerk", "mz_head", "mz_clerk"):
            with pytest.raises(ValidationFailedError) as err:
                substitutes.set_substitute(session, clerk, actor(session, username).user_id
                                           or 0, today, today)
            assert list(err.value.fields) == ["substitute_id"], username
        with pytest.raises(ValidationFailedError) as err:
            substitutes.set_substitute(session, clerk, actor(session, "mz_clerk2").user_id
                                       or 0, today, today - timedelta(days=1))
        assert list(err.value.fields) == ["ends_on"]
        assert [n for _, n in substitutes.candidates(session, clerk)] == ["民政局经办人二（演示）"]
        mine = substitutes.set_substitute(session, clerk, actor(session, "mz_clerk2").user_id
                                          or 0, today, today)
        with pytest.raises(NotFoundError):  # only the absent person ends it
            substitutes.cancel_substitute(session, actor(session, "mz_clerk2"), mine.id)


def test_substitute_may_delegate_on_behalf_of_the_holder(world) -> None:  # type: ignore[no-untyped-def]
    with world() as session:
        case_id = new_draft(session)
        clerk, clerk2 = actor(session, "mz_clerk"), actor(session, "mz_clerk2")
        uuid = open_task(session, case_id).task_uuid
        cases.claim_task(session, clerk, case_id, uuid)
        today = WorkCalendar.local_date(utcnow())
        substitutes.set_substitute(session, clerk, clerk2.user_id or 0, today, today)
        delegation.delegate_task(session, clerk2, case_id, uuid, clerk2.user_id or 0)
        event = last_event(session, case_id)
        assert event.type == "task_delegated" and event.actor_id == clerk2.user_id
        assert event.inputs == {"user_id": clerk2.user_id, "from_user_id": clerk.user_id,
                                "on_behalf_of": clerk.user_id}


def test_bulk_decision_reports_each_item_and_a_conflict_does_not_stop_the_rest(world) -> None:  # type: ignore[no-untyped-def]
    with world() as session:
        ids = [at_sign_off(session, f"批量报表{i}") for i in range(3)]
        head = actor(session, "mz_head")
        items = [bulk.BulkItem(i, open_task(session, i).task_uuid) for i in ids]
        # Someone got to the middle one first.
        cases.complete_task(session, head, ids[1], items[1].task_uuid,
                            {"head_decision": "approve"})
        results = bulk.run_bulk(session, head, bulk.DECIDE, items, decision="approve")
        assert [(r.case_id, r.ok, r.status) for r in results] == [
            (ids[0], True, 200), (ids[1], False, 409), (ids[2], True, 200)]
        for case_id in ids:
            assert open_task(session, case_id).task_id == "review_form"
        # The review allows no bulk decision: refused item by item, naming the field.
        nb = actor(session, "nb_staff")
        review = [bulk.BulkItem(i, open_task(session, i).task_uuid) for i in ids[:1]]
        refused = bulk.run_bulk(session, nb, bulk.DECIDE, review, decision="approve")
        assert refused[0].status == 422 and list(refused[0].fields) == ["decision"]


def test_bulk_claim(world) -> None:  # type: ignore[no-untyped-def]
    with world() as session:
        ids = [at_sign_off(session, f"认领{i}") for i in range(2)]
        head = actor(session, "mz_head")
        items = [bulk.BulkItem(i, open_task(session, i).task_uuid) for i in ids]
        cases.claim_task(session, head, ids[0], items[0].task_uuid)
        results = bulk.run_bulk(session, head, bulk.CLAIM, items)
        assert [r.ok for r in results] == [False, True]
        assert results[0].status == 409
        assert all(open_task(session, i).claimant_id == head.user_id for i in ids)
        with pytest.raises(ValidationFailedError):
            bulk.run_bulk(session, head, bulk.CLAIM, [])


def test_following_tab_and_visibility(world) -> None:  # type: ignore[no-untyped-def]
    with world() as session:
        case_id = at_sign_off(session, "关注的报表")
        nb = actor(session, "nb_staff")
        with pytest.raises(NotFoundError):
            following.set_following(session, actor(session, "tj_clerk"), case_id, True)
        clerk = actor(session, "mz_clerk")
        following.set_following(session, clerk, case_id, True)
        following.set_following(session, clerk, case_id, True)  # idempotent
        rows = search(session, clerk, InboxFilter(tab="following")).rows
        assert [(r.case_id, r.task_id, r.workable) for r in rows] == [
            (case_id, "sign_off", False)]
        following.set_following(session, clerk, case_id, False)
        assert search(session, clerk, InboxFilter(tab="following")).rows == []
        assert search(session, nb, InboxFilter(tab="following")).rows == []


def test_saved_filters_are_shared_within_the_unit_only(world) -> None:  # type: ignore[no-untyped-def]
    with world() as session:
        clerk = actor(session, "mz_clerk")
        flt = parse_filter({"tab": "mine", "due": "overdue", "q": "报表"})
        shared = saved_filters.save_filter(session, clerk, "民政超期", flt, shared=True)
        private = saved_filters.save_filter(session, clerk, "我的私人", InboxFilter())
        seen = {u: {v.id for v in saved_filters.visible_filters(session, actor(session, u))}
                for u in ("mz_clerk", "mz_clerk2", "mz_head", "tj_clerk", "nb_staff")}
        assert seen == {"mz_clerk": {shared, private}, "mz_clerk2": {shared},
                        "mz_head": {shared}, "tj_clerk": set(), "nb_staff": set()}
        view = saved_filters.get_filter(session, actor(session, "mz_clerk2"), shared)
        assert view.params == {"tab": "mine", "due": "overdue", "q": "报表"} and not view.mine
        with pytest.raises(NotAllowedError):
            saved_filters.delete_filter(session, actor(session, "mz_clerk2"), shared)
        with pytest.raises(NotFoundError):
            saved_filters.delete_filter(session, actor(session, "tj_clerk"), shared)
        with pytest.raises(ValidationFailedError) as err:
            saved_filters.save_filter(session, clerk, " ", flt)
        assert list(err.value.fields) == ["filter_name"]
        with pytest.raises(ValidationFailedError):
            saved_filters.save_filter(session, clerk, "别的单位", flt,
                                      org_unit_id=actor(session, "tj_clerk").roles[0][1])
        saved_filters.delete_filter(session, clerk, shared)
        assert {v.id for v in saved_filters.visible_filters(session, clerk)} == {private}


def test_search_filters_and_stable_pages(world) -> None:  # type: ignore[no-untyped-def]
    with world() as session:
        ids = [at_sign_off(session, f"分页{i}") for i in range(5)]
        head = actor(session, "mz_head")
        everything = search(session, head, InboxFilter(), per_page=100).rows
        pages = [search(session, head, InboxFilter(), page=n, per_page=2) for n in (1, 2, 3)]
        assert [p.total for p in pages] == [len(everything)] * 3 and pages[0].pages == 3
        paged = [r.task_uuid for p in pages for r in p.rows]
        assert paged == [r.task_uuid for r in everything]  # no repeats, no gaps, same order
        assert search(session, head, InboxFilter(), page=9, per_page=2).rows == []
        # A business field: the purpose is only in the case data, not in the title.
        found = search(session, head, parse_filter({"q": "收集村级数据"})).rows
        assert {r.case_id for r in found} >= set(ids)
        assert search(session, head, parse_filter({"q": "100%_"})).rows == []
        by_id = search(session, head, parse_filter({"q": str(ids[0])})).rows
        assert ids[0] in {r.case_id for r in by_id}
        overdue = {r.case_id for r in search(session, head, parse_filter({"due": "overdue"})).rows}
        assert not overdue & set(ids)  # new cases have time left
        week = search(session, head, parse_filter({"process": "burden_complaint"})).rows
        assert week == []
        first = next_task(session, head, InboxFilter(tab="groups"))
        assert first is not None and first.task_uuid == everything[0].task_uuid


def test_due_levels_warn_at_a_fifth_or_one_day_and_breach_when_due() -> None:
    calendar = WorkCalendar()
    start = utcnow().replace(year=2026, month=3, day=2, hour=2)  # a Monday
    due = calendar.add_working_days(start, 10)
    assert due_state(calendar, start, start, due) == (10, "ok")
    assert due_state(calendar, calendar.add_working_days(start, 8), start, due) == (2, "warning")
    assert due_state(calendar, calendar.add_working_days(start, 7), start, due) == (3, "ok")
    assert due_state(calendar, due + timedelta(days=1), start, due)[1] == "breach"
    short = calendar.add_working_days(start, 2)
    assert due_state(calendar, calendar.add_working_days(start, 1), start, short) == (1,
                                                                                     "warning")
    assert due_state(calendar, start, start, None) == (None, "none")


def test_a_conflicting_claim_is_a_conflict(world) -> None:  # type: ignore[no-untyped-def]
    with world() as session:
        case_id = at_sign_off(session, "冲突")
        head = actor(session, "mz_head")
        uuid = open_task(session, case_id).task_uuid
        cases.claim_task(session, head, case_id, uuid)
        with pytest.raises(ConflictError):
            cases.claim_task(session, head, case_id, uuid)
