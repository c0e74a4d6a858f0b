"""The administration record (issue 20): an administrator's action and its change commit
together as an `admin_action` event of the year's administration case, which replays and
verifies like every case history; an edited admin event is caught by the audit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent, RoleAssignment, User
from workflows.admin import record
from workflows.kernel import access, audit
from workflows.kernel.errors import NotFoundError
from workflows.kernel.orgs import by_code

T0 = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)


def _grant(session: Session, username: str, role: str, unit_code: str) -> None:
    admin = access.load_actor(session, session.scalars(
        select(User.id).where(User.username == "admin")).one())
    user = session.scalars(select(User).where(User.username == username)).one()
    unit = by_code(session, unit_code)
    assert unit is not None

    def change(s: Session) -> None:
        s.add(RoleAssignment(user_id=user.id, role=role, org_unit_id=unit.id))

    record.record(session, admin, "role.grant", {"user": username},
                  after={"role": role, "unit": unit_code}, change=change, now=T0)


def test_an_action_and_its_change_commit_as_one_event(demo_world: sessionmaker[Session]
                                                      ) -> None:
    with demo_world() as session:
        _grant(session, "mz_clerk", access.AUDITOR, "nanchuan")
        _grant(session, "mz_head", access.AUDITOR, "nanchuan")
        cases = list(session.scalars(select(Case).where(Case.case_type == record.PROCESS)))
        assert [c.title for c in cases] == [record.title_of(2026)]
        types = list(session.scalars(select(CaseEvent.type).where(
            CaseEvent.case_id == cases[0].id).order_by(CaseEvent.seq)))
        assert types == ["case_started", "admin_action", "admin_action"]
        admin = access.load_actor(session, session.scalars(
            select(User.id).where(User.username == "admin")).one())
        rows, total = record.events(session, admin)
        assert total == 2
        assert rows[0].target == {"user": "mz_head"} and rows[0].actor == "系统管理员（演示）"
        assert rows[1].after == {"role": "auditor", "unit": "nanchuan"}
        assert not audit.verify(session)


def test_a_refused_change_records_nothing(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        admin = access.load_actor(session, session.scalars(
            select(User.id).where(User.username == "admin")).one())

        def change(s: Session) -> None:
            raise NotFoundError("no such unit")

        with pytest.raises(NotFoundError):
            record.record(session, admin, "unit.edit", {"unit": "x"}, change=change, now=T0)
        assert session.scalar(select(CaseEvent.id).where(CaseEvent.type == "admin_action")) \
            is None


def test_only_administrators_read_the_record(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        for username in ("auditor", "mz_clerk", "nb_staff"):
            actor = access.load_actor(session, session.scalars(
                select(User.id).where(User.username == username)).one())
            with pytest.raises(NotFoundError):
                record.events(session, actor)


@pytest.mark.tampers
def test_an_edited_admin_event_is_caught(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        _grant(session, "mz_clerk", access.AUDITOR, "nanchuan")
        session.execute(update(CaseEvent).where(CaseEvent.type == "admin_action")
                        .values(inputs={"action": "role.grant", "target": {"user": "mz_head"},
                                        "before": {}, "after": {}}))
        session.commit()
        assert audit.verify(session)
