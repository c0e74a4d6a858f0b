"""People and roles (issue 20): deactivation gives claimed tasks back through the command path
and tells the unit head; a granted role works at once, a revoked one stops at once; resets,
locks and the rules; every action is an admin event the audit verifies (the `sessions`
fixture replays every case and verifies the audit after each test)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent, HumanTask, Notification, User
from workflows.admin import people, people_read, record
from workflows.admin import people_rules as rules
from workflows.inbox.queue import inbox
from workflows.kernel import access, accounts, audit, cases
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.kernel.orgs import by_code

T0 = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
DRAFT = "新增村级报表申请（草稿）（演示）"  # waits for 民政局's clerks
SIGN_OFF = "村级低保台账季报（演示）"  # waits for 民政局's head


def uid(session: Session, username: str) -> int:
    return int(session.scalars(select(User.id).where(User.username == username)).one())


def actor(session: Session, username: str) -> access.Actor:
    return access.load_actor(session, uid(session, username))


def open_task(session: Session, title: str) -> HumanTask:
    case_id = session.scalars(select(Case.id).where(Case.title == title)).one()
    return session.scalars(select(HumanTask).where(HumanTask.case_id == case_id,
                                                   HumanTask.state == "open")).one()


def unit_id(session: Session, code: str) -> int:
    unit = by_code(session, code)
    assert unit is not None
    return unit.id


def admin_events(session: Session) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.type == "admin_action")
                                .order_by(CaseEvent.global_seq)))


def test_deactivating_a_person_with_claimed_tasks(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        task = open_task(session, DRAFT)
        case_id, task_uuid = task.case_id, task.task_uuid
        cases.claim_task(session, actor(session, "mz_clerk"), case_id, task_uuid, now=T0)
        admin = actor(session, "admin")
        released = people.deactivate(session, admin, uid(session, "mz_clerk"), now=T0)
        assert [t.task_uuid for t in released] == [task_uuid]
        session.expire_all()
        assert open_task(session, DRAFT).claimant_id is None
        # The release is an event of the case's own history, by the system.
        last = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                               .order_by(CaseEvent.seq.desc())).first()
        assert last is not None and last.type == "task_released" and last.actor_id is None
        # The group sees it again; the head is told, naming the person and the task.
        assert task_uuid in {r.task_uuid for r in inbox(session, actor(session, "mz_clerk2"))}
        told = session.scalars(select(Notification).where(
            Notification.user_id == uid(session, "mz_head"),
            Notification.kind == "person_deactivated")).one()
        assert told.params["person"] == "民政局经办人（演示）"
        assert told.params["tasks"] == task.name
        event = admin_events(session)[-1]
        assert event.inputs["action"] == "user.disable"
        assert event.inputs["target"] == {"user": "mz_clerk"}
        assert event.inputs["before"] == {"active": True}
        assert event.inputs["after"] == {"active": False}
        assert event.actor_id == admin.user_id
        # A deactivated person cannot log in, and deactivating again changes nothing.
        assert accounts.authenticate(session, "mz_clerk", "jianfu-demo-2026") is None
        assert people.deactivate(session, admin, uid(session, "mz_clerk"), now=T0) == []
        assert len(admin_events(session)) == 1
        people.reactivate(session, admin, uid(session, "mz_clerk"), now=T0)
        assert accounts.authenticate(session, "mz_clerk", "jianfu-demo-2026") is not None
        assert not audit.verify(session)


def test_a_role_granted_while_a_task_is_open_makes_it_workable_at_once(
        demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        admin = actor(session, "admin")
        added = people.add_person(session, admin, "new_clerk", "新经办人", now=T0)
        task = open_task(session, DRAFT)
        new = actor(session, "new_clerk")
        assert task.task_uuid not in {r.task_uuid for r in inbox(session, new)}
        people.grant_role(session, admin, added.user_id, access.CLERK, unit_id(session, "qmzj"),
                          now=T0)
        new = actor(session, "new_clerk")
        assert task.task_uuid in {r.task_uuid for r in inbox(session, new)}
        cases.claim_task(session, new, task.case_id, task.task_uuid, now=T0)
        event = admin_events(session)[-1]
        assert event.inputs["action"] == "role.grant"
        assert event.inputs["before"] == {"roles": []}
        assert event.inputs["after"] == {"roles": ["clerk@qmzj"]}


def test_a_revoked_role_can_no_longer_act(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        admin = actor(session, "admin")
        head = actor(session, "mz_head")
        task = open_task(session, SIGN_OFF)
        cases.claim_task(session, head, task.case_id, task.task_uuid, now=T0)
        released = people.revoke_role(session, admin, head.user_id or 0, access.UNIT_HEAD,
                                      unit_id(session, "qmzj"), now=T0)
        assert [t.task_uuid for t in released] == [task.task_uuid]
        head = actor(session, "mz_head")
        assert task.task_uuid not in {r.task_uuid for r in inbox(session, head)}
        with pytest.raises((NotAllowedError, NotFoundError)):
            cases.complete_task(session, head, task.case_id, task.task_uuid,
                                {"head_decision": "approve"}, now=T0)
        session.rollback()
        assert admin_events(session)[-1].inputs["after"] == {"roles": []}


def test_a_reset_forces_a_new_password_and_never_records_it(
        demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        admin = actor(session, "admin")
        secret = people.reset_password(session, admin, uid(session, "mz_clerk"), now=T0)
        assert len(secret) == people.ONE_TIME_LENGTH
        assert accounts.authenticate(session, "mz_clerk", "jianfu-demo-2026") is None
        user = accounts.authenticate(session, "mz_clerk", secret)
        assert user is not None and user.must_change_password
        event = admin_events(session)[-1]
        assert event.inputs["action"] == "user.reset_password"
        assert secret not in str(event.inputs) and "argon2" not in str(event.inputs)


def test_lock_and_unlock(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        admin, clerk = actor(session, "admin"), uid(session, "mz_clerk")
        people.lock(session, admin, clerk, now=T0)
        assert session.get(User, clerk, populate_existing=True).admin_locked  # type: ignore
        with pytest.raises(ValidationFailedError) as err:
            people.lock(session, admin, clerk, now=T0)
        assert err.value.fields == {"admin_locked": [rules.ALREADY[("admin_locked", True)]]}
        people.unlock(session, admin, clerk, now=T0)
        actions = [e.inputs["action"] for e in admin_events(session)]
        assert actions == ["user.lock", "user.unlock"]


def test_the_rules(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        admin = actor(session, "admin")
        me = admin.user_id or 0

        def refused(field: str, call: object, *args: object) -> None:
            with pytest.raises(ValidationFailedError) as err:
                call(session, admin, *args, now=T0)  # type: ignore[operator]
            session.rollback()
            assert field in err.value.fields, err.value.fields

        refused("active", people.deactivate, me)
        refused("admin_locked", people.lock, me)
        refused("role", people.revoke_role, me, access.ADMIN, unit_id(session, "nanchuan"))
        refused("username", people.add_person, "Bad Name!", "名字")
        refused("username", people.add_person, "mz_clerk", "名字")
        refused("display_name", people.add_person, "someone", "  ")
        clerk = uid(session, "mz_clerk")
        refused("unit", people.grant_role, clerk, access.VILLAGE_CADRE, unit_id(session, "qmzj"))
        refused("unit", people.grant_role, clerk, access.ADMIN, unit_id(session, "qmzj"))
        refused("role", people.grant_role, clerk, "system", unit_id(session, "nanchuan"))
        refused("role", people.grant_role, clerk, access.CLERK, unit_id(session, "qmzj"))
        refused("role", people.revoke_role, clerk, access.AUDITOR, unit_id(session, "nanchuan"))
        assert admin_events(session) == []
        # A second administrator may lose the role; then the first is the last again.
        people.grant_role(session, admin, clerk, access.ADMIN, unit_id(session, "nanchuan"),
                          now=T0)
        people.revoke_role(session, admin, clerk, access.ADMIN, unit_id(session, "nanchuan"),
                           now=T0)
        # Only administrators (and the system) act on people.
        with pytest.raises(NotFoundError):
            people.lock(session, actor(session, "auditor"), clerk, now=T0)
        with pytest.raises(NotFoundError):
            people_read.search_people(session, actor(session, "mz_head"), "")


def test_bad_email_is_refused(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session, pytest.raises(ValidationFailedError) as err:
        people.add_person(session, actor(session, "admin"), "someone", "某人",
                          email="not an address", now=T0)
    assert err.value.fields == {"email": [rules.MSG_EMAIL]}


def test_search_pages_of_fifty(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        admin = actor(session, "admin")
        for i in range(60):
            people.add_person(session, admin, f"p{i:03d}", f"测试人员{i}", password="x" * 12,
                              now=T0)
        rows, total = people_read.search_people(session, admin, "测试人员", 1)
        assert total == 60 and len(rows) == 50
        rows, _ = people_read.search_people(session, admin, "测试人员", 2)
        assert len(rows) == 10
        rows, total = people_read.search_people(session, admin, "民政局", 1)
        assert {r.username for r in rows} >= {"mz_clerk", "mz_head"}  # by the unit's name
        rows, _ = people_read.search_people(session, admin, "", 1, role=access.AUDITOR)
        assert [r.username for r in rows] == ["auditor"]
        people.deactivate(session, admin, uid(session, "auditor"), now=T0)
        rows, _ = people_read.search_people(session, admin, "", 1, active=False)
        assert [r.username for r in rows] == ["auditor"]
        history = people_read.history(session, admin, "auditor")
        assert [e.action for e in history] == ["user.disable"]
        assert record.count(session) == 61
