"""Pilot process variants (issue 14, item 7; docs/pilots.md): a variant bound to a town is
used only after 区委农办 approves it, only for that town's villages, and its cases replay
exactly on the version they pinned; the demo data of measures 7 and 8 through the real
commands."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent, ProcessVersion
from tests.integration.complaint_world import T0, actor, do, filing, settings, unit_id, world
from workflows.complaints.filing import ComplaintSettings, file_complaint
from workflows.kernel import audit, cases, processes, replay
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.kernel.ids import VariantTask
from workflows.kernel.state import ADMIN_ACTION, TASK_COMPLETED
from workflows.kernel.store import load_state
from workflows.pilots import compare, registers, variants

__all__ = ["settings", "world"]
BPMN = Path(__file__).resolve().parents[2] / "bpmn"
VARIANT = (BPMN / "pilots" / "burden_complaint.bpmn").read_bytes()


def deploy(session: Session, town: str = "dgz", text: bytes = VARIANT) -> variants.Variant:
    return variants.deploy_variant(session, actor(session, "admin"),
                                   {"burden_complaint.bpmn": text}, unit_id(session, town),
                                   "整改时限不超过5个工作日", now=T0)


def approve(session: Session, v: variants.Variant, decision: str = "approve") -> None:
    assert v.case_id is not None
    do(session, "nb_head", v.case_id, VariantTask.APPROVE_VARIANT, T0 + timedelta(hours=1),
       variant_decision=decision, comment="" if decision == "approve" else "时限过短")


def file(session: Session, s: ComplaintSettings, village: str) -> Case:
    filed = file_complaint(session, filing(session, village), [], settings=s,
                           now=T0 + timedelta(hours=2))
    case = session.get(Case, filed.case_id)
    assert case is not None
    return case


def test_an_unapproved_variant_is_never_used(world: Session, settings: ComplaintSettings) -> None:
    v = deploy(world)
    assert v.status == "pending"
    standard = processes.latest(world, "burden_complaint")
    assert standard.bound_unit_id is None and standard.id != v.version_id
    case = file(world, settings, "dgz-v1")
    assert case.process_version_id == standard.id
    # a rejected one neither
    approve(world, v, "reject")
    assert variants.variant(world, v.version_id).status == "rejected"
    assert file(world, settings, "dgz-v2").process_version_id == standard.id


def test_an_approved_variant_runs_for_its_town_only_and_replays_on_its_version(
        world: Session, settings: ComplaintSettings) -> None:
    v = deploy(world)
    approve(world, v)
    assert variants.variant(world, v.version_id).status == "approved"
    pilot = file(world, settings, "dgz-v1")
    other = file(world, settings, "mlz-v1")  # 木凉镇: another town
    standard = processes.latest(world, "burden_complaint")
    assert pilot.process_version_id == v.version_id
    assert other.process_version_id == standard.id
    # both run on: the variant gives 5 working days to correct, the standard 10
    for case in (pilot, other):
        do(world, "nb_staff", case.id, "intake", T0 + timedelta(hours=3),
           intake_decision="accept", category="too_many_forms",
           responsible_unit_id=unit_id(world, "qmzj"))
    days = {}
    for case in (pilot, other):
        world.refresh(case)
        due = load_state(world, case).data["correction_due"]
        days[case.id] = WorkCalendar().working_days_between(T0 + timedelta(hours=3),
                                                            datetime.fromisoformat(due))
    assert (days[pilot.id], days[other.id]) == (5, 10)
    for case in (pilot, other):
        report = replay.replay_case(world, case.id)
        assert report.ok, report.differences
    world.refresh(pilot)
    assert pilot.process_version_id == v.version_id  # pinned
    # the replay really runs on the pinned version: on the standard one it diverges
    pilot.process_version_id = standard.id
    swapped = replay.replay_case(world, pilot.id)
    assert not swapped.ok and swapped.differences
    world.rollback()


def test_a_variant_of_town_a_is_never_used_for_town_b(world: Session,
                                                      settings: ComplaintSettings) -> None:
    v = deploy(world, "mlz")
    approve(world, v)
    assert file(world, settings, "mlz-v2").process_version_id == v.version_id
    for village in ("dgz-v1", "xlz-v1", "htz-v1", "nzz-v1"):
        assert file(world, settings, village).process_version_id != v.version_id


def test_deploying_a_variant_is_recorded_and_gated(world: Session) -> None:
    admin = actor(world, "admin")
    with pytest.raises(ValidationFailedError) as err:
        variants.deploy_variant(world, admin, {"burden_complaint.bpmn": VARIANT},
                                unit_id(world, "nzz"), "x" * 10)  # 南城街道: no pilot town
    assert "town_id" in err.value.fields
    with pytest.raises(ValidationFailedError) as err:
        variants.deploy_variant(world, admin, {"burden_complaint.bpmn": VARIANT},
                                unit_id(world, "dgz"), "")
    assert "summary" in err.value.fields
    standard = (BPMN / "burden_complaint.bpmn").read_bytes()
    with pytest.raises(ValidationFailedError) as err:
        variants.deploy_variant(world, admin, {"burden_complaint.bpmn": standard},
                                unit_id(world, "dgz"), "same as the standard")
    assert "files" in err.value.fields
    with pytest.raises(NotFoundError):
        variants.deploy_variant(world, actor(world, "nb_head"),
                                {"burden_complaint.bpmn": VARIANT}, unit_id(world, "dgz"), "ab")
    v = deploy(world)
    events = list(world.scalars(select(CaseEvent).where(CaseEvent.type == ADMIN_ACTION)))
    assert [e.inputs["action"] for e in events][-1] == "process.deploy_variant"
    pv = world.get(ProcessVersion, v.version_id)
    assert pv is not None and pv.bound_unit_id == unit_id(world, "dgz")
    # the approval is an event of the approval case, by 区委农办
    approve(world, v)
    done = world.scalar(select(CaseEvent).where(CaseEvent.case_id == v.case_id,
                                                CaseEvent.type == TASK_COMPLETED))
    assert done is not None and done.actor_role == "burden_office"
    # only 区委农办 approves: the administrator cannot
    with pytest.raises(NotFoundError):
        cases.get_case(world, actor(world, "mz_clerk"), v.case_id)


@pytest.fixture
def full_demo(db_url: str) -> Iterator[sessionmaker[Session]]:
    from models import Base
    from models.db import make_engine, make_sessionmaker
    from workflows.demo import loader

    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    make = make_sessionmaker(engine)
    with make() as session:
        loader.load(session, BPMN, pilots=True)
    yield make
    engine.dispose()


def test_the_demo_makes_every_state_through_the_commands(
        full_demo: sessionmaker[Session]) -> None:
    with full_demo() as session:
        nb = actor(session, "nb_staff")
        plans = {p.town: p.status for p in registers.town_plans(session, nb)}
        assert plans["大观镇"] == "confirmed" and plans["木凉镇"] == "submitted"
        assert plans["兴隆镇"] == "returned" and plans["河图镇"] == "not_reported"
        states = {(v.town, v.status) for v in variants.listing(session)}
        assert states == {("大观镇", "approved"), ("木凉镇", "pending")}
        practices = {p.status for p in registers.practices(session, nb)}
        assert practices == {"adopted", "noted", "registered"}
        [row] = compare.compare(session, nb)
        assert (row.pilot.cases, row.pilot.closed, row.pilot.satisfied) == (2, 2, 2)
        assert row.standard.rated >= 2 and row.standard.satisfaction_rate == 0.5
        assert row.pilot.cycle_days is not None and row.pilot.on_time_rate == 1.0
        # every demo case replays exactly on its pinned version; the history verifies
        diverged = {cid: r.differences for cid in session.scalars(select(Case.id))
                    if not (r := replay.replay_case(session, cid)).ok}
        assert not diverged
        assert not list(audit.verify(session))


def test_a_case_started_by_a_clerk_runs_the_approved_variant_of_its_town(
        world: Session) -> None:
    """The kernel's start (start_case) asks the chooser too: a practice of 大观镇 starts on
    大观镇's approved variant once approved; another town or a department does not."""
    text = (BPMN / "innovation_practice.bpmn").read_text(encoding="utf-8")
    changed = text.replace('value="20"', 'value="10"', 1).encode()
    v = variants.deploy_variant(world, actor(world, "admin"),
                                {"innovation_practice.bpmn": changed},
                                unit_id(world, "dgz"), "评估时限10个工作日", now=T0)
    fields = {"title": "积分制", "tried": "积分换服务", "results": "参与率提高", "evidence": ""}
    clerk = actor(world, "dg_official")
    before = cases.start_case(world, clerk, "innovation_practice", fields,
                              org_unit_id=unit_id(world, "dgz"), now=T0)
    approve(world, v)
    after = cases.start_case(world, clerk, "innovation_practice", fields,
                             org_unit_id=unit_id(world, "dgz"), now=T0 + timedelta(hours=2))
    pinned = {cid: world.get(Case, cid).process_version_id  # type: ignore[union-attr]
              for cid in (before.case_id, after.case_id)}
    assert pinned[before.case_id] == processes.latest(world, "innovation_practice").id
    assert pinned[after.case_id] == v.version_id
    # another town, a village of it, a department: the standard version
    for unit in ("mlz", "mlz-v1", "qmzj"):
        assert processes.for_start(world, "innovation_practice", {},
                                   unit_id(world, unit)).id != v.version_id
    assert processes.for_start(world, "innovation_practice", {},
                               unit_id(world, "dgz-v2")).id == v.version_id


def test_a_town_has_one_open_plan_check_at_a_time(world: Session) -> None:
    clerk = actor(world, "dg_official")
    fields = {"title": "大观镇十四五规划", "names_burden_reduction": False}
    first = cases.start_case(world, clerk, "five_year_plan_check", fields, now=T0)
    with pytest.raises(ValidationFailedError) as err:
        cases.start_case(world, clerk, "five_year_plan_check", fields, now=T0)
    assert err.value.fields == {"title": [
        f"the town's plan check is still open (case {first.case_id})"]}
    do(world, "nb_staff", first.case_id, "check_plan", T0 + timedelta(hours=1),
       plan_decision="confirm", comment="")
    again = cases.start_case(world, clerk, "five_year_plan_check", fields,
                             now=T0 + timedelta(hours=2))
    assert again.case_id != first.case_id
    # a department's clerk may not report a town's plan
    with pytest.raises(ValidationFailedError) as err:
        cases.start_case(world, actor(world, "mz_clerk"), "five_year_plan_check", fields)
    assert "org_unit_id" in err.value.fields
