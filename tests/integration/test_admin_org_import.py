"""The org tree import (issue 20): the sample onto the demo and onto an empty database, a
realistic district of 30 towns and 300 villages twice (the second time changes nothing),
units that disappear marked inactive and kept, a moved village keeping its id, cases and
history; every change an event of the administration record (the conftest replays and
verifies the audit after each test)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent, OrgUnit, User
from tests.conftest import BPMN_DIR
from tests.integration.admin_org_files import SAMPLE, csv_bytes, realistic, sample_rows
from workflows.admin import org_import, record
from workflows.kernel import access, accounts, cases, processes
from workflows.kernel.access import SYSTEM_ACTOR
from workflows.report_forms import values

DAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _import(session: Session, data: bytes, name: str = "tree.csv",
            as_of: date = DAY) -> org_import.ImportPlan:
    plan = org_import.plan_import(session, org_import.read_rows(data, name), as_of=as_of)
    assert not plan.errors, [str(e) for e in plan.errors]
    org_import.apply_import(session, SYSTEM_ACTOR, plan, now=NOW)
    return plan


def _unit(session: Session, code: str) -> OrgUnit:
    return session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def _admin(session: Session) -> access.Actor:
    return access.load_actor(session, session.scalars(
        select(User.id).where(User.username == "admin")).one())


def test_the_sample_onto_the_demo_changes_nothing(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        rows = org_import.read_rows(SAMPLE.read_bytes(), SAMPLE.name)
        plan = org_import.plan_import(session, rows, as_of=DAY)
        assert plan.errors == [] and plan.changes == []


def test_the_sample_onto_an_empty_database_creates_the_tree(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        processes.deploy(session, BPMN_DIR)
        plan = _import(session, SAMPLE.read_bytes())
        assert plan.counts() == {"unit.add": len(sample_rows())}
        village = _unit(session, "dgz-v1")
        town, root = _unit(session, "dgz"), _unit(session, "nanchuan")
        assert village.path == f"/{root.id}/{town.id}/{village.id}/"
        assert (village.kind, village.official_code) == ("village", "500119104201")
        assert _unit(session, "nzz").kind == "town"  # 街道 is town-level
        again = org_import.plan_import(
            session, org_import.read_rows(SAMPLE.read_bytes(), SAMPLE.name), as_of=DAY)
        assert again.changes == [] and again.errors == []
        events = session.scalar(select(func.count()).select_from(CaseEvent)
                                .where(CaseEvent.type == "admin_action"))
        assert events == len(sample_rows())


def test_a_district_of_30_towns_and_300_villages_twice(sessions: sessionmaker[Session]
                                                       ) -> None:
    data = csv_bytes(realistic())
    with sessions() as session:
        processes.deploy(session, BPMN_DIR)
        first = _import(session, data)
        assert first.counts() == {"unit.add": 1 + 6 + 30 + 300}
        kinds = dict(session.execute(select(OrgUnit.kind, func.count())
                                     .group_by(OrgUnit.kind)).all())
        assert kinds == {"district": 1, "department": 6, "town": 30, "village": 300}
        second = org_import.plan_import(session, org_import.read_rows(data, "t.csv"),
                                        as_of=date(2026, 9, 1))
        assert second.changes == [] and second.errors == []
        assert _unit(session, "qwbgs").official_code is not None


def test_units_that_disappear_are_inactive_from_the_import_and_kept(
        demo_world: sessionmaker[Session]) -> None:
    rows = [r for r in sample_rows() if r["code"] not in ("dgz-v3", "qtjj")]
    with demo_world() as session:
        kept_id = _unit(session, "dgz-v3").id
        plan = _import(session, csv_bytes(rows))
        assert {(c.action, c.code) for c in plan.changes} == {
            ("unit.deactivate", "dgz-v3"), ("unit.deactivate", "qtjj")}
        gone = _unit(session, "dgz-v3")
        assert gone.id == kept_id and gone.valid_to == date(2026, 5, 31)
        assert not gone.active_on(DAY) and gone.active_on(date(2026, 5, 31))
        later = org_import.plan_import(session, org_import.read_rows(csv_bytes(rows), "a.csv"),
                                       as_of=date(2027, 1, 1))
        assert later.changes == []  # already inactive: nothing to do
        exported = org_import.export_rows(session)
        assert [r.valid_to for r in exported if r.code == "dgz-v3"] == ["2026-05-31"]
        back = org_import.plan_import(session, org_import.read_rows(
            org_import.to_csv(exported), "e.csv"), as_of=DAY)
        assert back.changes == []
        # It comes back: active again, the same unit.
        plan = _import(session, csv_bytes(sample_rows()), as_of=date(2026, 7, 1))
        assert [(c.action, c.code) for c in plan.changes] == [
            ("unit.reactivate", "qtjj"), ("unit.reactivate", "dgz-v3")]
        assert _unit(session, "dgz-v3").valid_to is None
        rows_, total = record.events(session, _admin(session), action="unit.")
        assert total == 4
        assert rows_[0].target == {"unit": "dgz-v3"}
        assert rows_[0].before == {"valid_to": "2026-05-31"} and rows_[0].after == {
            "valid_to": None}


def _village_case(session: Session) -> int:
    """A case scoped to the village dgz-v1: its data record, a figure its cadre entered (a
    report form is proposed by a district department only)."""
    village = _unit(session, "dgz-v1")
    cadre = access.load_actor(session, session.scalars(
        select(User.id).where(User.username == "dg_cadre")).one())
    return values.record(session, cadre, village.id,
                         [values.Entry("POP_REG", "2026", "1200")], now=NOW).case_id


def test_a_moved_village_keeps_its_id_cases_and_history(demo_world: sessionmaker[Session]
                                                        ) -> None:
    with demo_world() as session:
        case_id = _village_case(session)
        village = _unit(session, "dgz-v1")
        before = (village.id, session.scalar(select(func.count()).select_from(CaseEvent)
                                             .where(CaseEvent.case_id == case_id)))
        mover = [dict(r) for r in sample_rows()]
        for r in mover:
            if r["code"] == "dgz-v1":
                r.update(parent_code="mlz", official_code="500119116204")
        plan = _import(session, csv_bytes(mover))
        assert [(c.action, c.before, c.after) for c in plan.changes] == [
            ("unit.move", {"official_code": "500119104201", "parent": "dgz"},
             {"official_code": "500119116204", "parent": "mlz"})]
        session.expire_all()
        moved, town = _unit(session, "dgz-v1"), _unit(session, "mlz")
        assert moved.id == before[0] and moved.parent_id == town.id
        assert moved.path == f"{town.path}{moved.id}/"
        case = session.get(Case, case_id)
        assert case is not None and case.scope_org_unit_id == moved.id
        assert session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id)) == before[1]
        # Access follows the path: the new town's officials see the case, the old town's not.
        official = accounts.create_user(session, "ml_official", "木凉镇经办人", "pw-123456789")
        accounts.assign_role(session, official, access.TOWN_OFFICIAL, town)
        session.commit()
        cases.get_case(session, access.load_actor(session, official.id), case_id)
        old_town = access.load_actor(session, session.scalars(
            select(User.id).where(User.username == "dg_head")).one())
        assert not old_town.covers(moved.path)
        # The village cadre's role moved with the village.
        cadre = access.load_actor(session, session.scalars(
            select(User.id).where(User.username == "dg_cadre")).one())
        assert cadre.covers(moved.path) and cadre.roles[0][2] == moved.path


def test_a_dry_run_changes_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        processes.deploy(session, BPMN_DIR)
        plan = org_import.plan_import(session, org_import.read_rows(
            csv_bytes(realistic(3, 2)), "a.csv"), as_of=DAY)
        assert plan.errors == [] and len(plan.changes) == 16
        assert session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.type == "admin_action")) == 0
        assert session.scalar(select(OrgUnit).where(OrgUnit.code == "t01")) is None


def test_xlsx_round_trip(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        rows = org_import.export_rows(session)
        for chinese in (False, True):
            data = org_import.to_xlsx(rows, chinese=chinese)
            back = org_import.read_rows(data, "tree.xlsx")
            assert back[0].code == "nanchuan"
            assert org_import.plan_import(session, back, as_of=DAY).changes == []
        assert org_import.read_rows(org_import.to_xlsx(rows), "t.xlsx") == rows


def test_only_administrators_and_the_command_line_apply(demo_world: sessionmaker[Session]
                                                        ) -> None:
    import pytest

    from workflows.kernel.errors import NotFoundError

    with demo_world() as session:
        plan = org_import.plan_import(session, org_import.read_rows(
            csv_bytes(sample_rows()[:-1]), "a.csv"), as_of=DAY)
        clerk = access.load_actor(session, session.scalars(
            select(User.id).where(User.username == "nb_head")).one())
        with pytest.raises(NotFoundError):
            org_import.apply_import(session, clerk, plan)
        assert org_import.apply_import(session, _admin(session), plan, now=NOW) == 1
