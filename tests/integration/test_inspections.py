"""Inspection requests through the command layer (issue 6): the facts the decision tables
decide on are computed from the database at the head's approval and recorded in the event
(quota counts per village, overlaps with approved inspections, catalog items referenceable);
the town review is scoped to each town, approval to 区委农办 / 区委督查办; who may act where.
Every case these tests create is replayed afterwards (tests/conftest.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import models
from models import AssessmentItem, Case, CaseEvent
from models.db import make_engine, make_sessionmaker
from tests.integration.inspection_world import (
    T0,
    InspectionDriver,
    T,
    actor,
    draft,
    unit_id,
)
from workflows.demo import loader as demo
from workflows.inspections import requests as inspections
from workflows.kernel import cases
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inspections") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    models.Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, BPMN_DIR, now=T0, items=True)
    engine.dispose()
    return path


@pytest.fixture
def world(sessions: sessionmaker[Session], template: Path) -> Iterator[Session]:
    engine = sessions.kw["bind"]
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(template) as source, sqlite3.connect(engine.url.database) as target:
            source.backup(target)
        engine.dispose()
    else:
        with sessions() as session:
            demo.load(session, BPMN_DIR, now=T0, items=True)
    with sessions() as session:
        yield session


def data_of(session: Session, case_id: int) -> dict[str, object]:
    case = session.get(Case, case_id, populate_existing=True)
    assert case is not None
    return dict(json.loads(case.data))


def status_of(session: Session, case_id: int) -> str:
    case = session.get(Case, case_id, populate_existing=True)
    assert case is not None
    return case.status


def test_a_request_runs_from_draft_to_the_village_rating(world: Session) -> None:
    drive = InspectionDriver(world)
    case_id = drive.approve(draft(world, ["dgz-v1"], days=1))
    data = data_of(world, case_id)
    assert status_of(world, case_id) == "scheduled"
    assert data["check_result"] == "pass"
    assert [v["unit_id"] for v in data["villages"]] == [unit_id(world, "dgz-v1")]  # type: ignore
    facts = data["check_facts"]
    assert facts["quarter_count"] == 1 and facts["overlap_count"] == 0  # type: ignore[index]
    # the facts are in the head's completion event: replay needs no database
    event = world.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                  CaseEvent.task_id == T.HEAD_REVIEW)).one()
    inputs = json.loads(event.inputs) if isinstance(event.inputs, str) else event.inputs
    assert "check_facts" in inputs["data"]
    drive.do("mz_clerk", case_id, T.RECORD_OUTCOME, {
        "actual_start": "2026-04-13", "actual_end": "2026-04-13", "actual_people": 2,
        "actual_days": 1, "actual_materials": ["低保名册"]})
    assert status_of(world, case_id) == "rating"
    drive.do("dg_cadre", case_id, T.RATE_BURDEN, {"burden_rating": 2,
                                                  "rating_comment": "准备材料半天"})
    assert status_of(world, case_id) == "closed"
    assert data_of(world, case_id)["average_rating"] == 2


def test_villages_by_town_and_the_town_review_scope(world: Session) -> None:
    drive = InspectionDriver(world)
    case_id = drive.to_checks(draft(world, [], town_ids=[unit_id(world, "dgz")]))
    data = data_of(world, case_id)
    assert len(data["villages"]) == 3  # type: ignore[arg-type]
    assert [t["unit_id"] for t in data["towns"]] == [unit_id(world, "dgz")]  # type: ignore
    # only 大观镇's official may review; a village cadre or another department may not
    assert drive.open_tasks("dg_official", case_id, T.TOWN_REVIEW)
    assert not drive.open_tasks("dg_cadre", case_id, T.TOWN_REVIEW)
    task_uuid = drive.open_tasks("dg_official", case_id, T.TOWN_REVIEW)[0]
    for intruder in ("dg_cadre", "tj_clerk"):
        with pytest.raises((NotFoundError, NotAllowedError)):
            cases.complete_task(world, actor(world, intruder), case_id, task_uuid,
                                {"town_decision": "agree"}, now=drive.tick())
    drive.do("dg_official", case_id, T.TOWN_REVIEW,
             {"town_decision": "object", "objection": "三个村同时迎检人手不足"})
    assert status_of(world, case_id) == "returned"
    assert "三个村同时迎检" in data_of(world, case_id)["returns"][-1]["reason"]  # type: ignore


def test_overlap_with_an_approved_inspection_suggests_a_merge(world: Session) -> None:
    drive = InspectionDriver(world)
    first = drive.approve(draft(world, ["dgz-v1", "dgz-v2"]), title="民政检查")
    second = drive.to_checks(draft(world, ["dgz-v2", "dgz-v3"], window_start="2026-04-14",
                                   window_end="2026-04-15"),
                             title="统计检查", clerk="tj_clerk", head="tj_head")
    data = data_of(world, second)
    assert data["check_result"] == "overlap"
    overlaps = data["check_facts"]["overlaps"]  # type: ignore[index]
    assert [o["case_id"] for o in overlaps] == [first]
    assert len(overlaps[0]["villages"]) == 1 and "示例村2" in overlaps[0]["villages"][0]
    with pytest.raises(ValidationFailedError):
        drive.do("tj_clerk", second, T.RESOLVE_OVERLAP,
                 {"overlap_decision": "merge", "merge_with": first + 999})
    drive.do("tj_clerk", second, T.RESOLVE_OVERLAP,
             {"overlap_decision": "merge", "merge_with": first})
    assert status_of(world, second) == "merged"
    assert data_of(world, second)["merged_into"] == first


def test_quota_counts_same_type_visits_in_the_quarter(world: Session) -> None:
    drive = InspectionDriver(world)
    research = {"inspection_type": "research", "people": 2, "days": 1}
    drive.approve(draft(world, ["dgz-v1"], **research, window_start="2026-04-01",
                        window_end="2026-04-01"))
    # another research visit to 示例村1 in the same quarter, no overlap: quota 1 per quarter
    second = drive.to_checks(draft(world, ["dgz-v1", "dgz-v2"], **research,
                                   window_start="2026-05-06", window_end="2026-05-06"))
    data = data_of(world, second)
    assert data["check_result"] == "quota_exceeded"
    assert "示例村1" in data["check_facts"]["busiest"]  # type: ignore[index]
    assert status_of(world, second) == "returned"
    # a business inspection is another type with its own quota
    facts = inspections.check_facts(world, None, {
        **draft(world, ["dgz-v1"], window_start="2026-05-06", window_end="2026-05-06"),
        "villages": data["villages"]})
    assert facts["quarter_count"] == 1


def test_items_must_be_published_and_in_force(world: Session) -> None:
    drive = InspectionDriver(world)
    item = world.scalars(select(AssessmentItem).order_by(AssessmentItem.id)).first()
    assert item is not None
    ok = drive.to_checks(draft(world, ["dgz-v1"], inspection_type="assessment",
                               item_ids=[item.id], days=1))
    assert data_of(world, ok)["check_result"] == "pass"
    bad = drive.to_checks(draft(world, ["dgz-v2"], inspection_type="assessment",
                                item_ids=[item.id, 987654], days=1))
    data = data_of(world, bad)
    assert data["check_result"] == "items_invalid"
    assert "#987654" in str(data["check_reason"])


def test_supervision_is_approved_by_the_supervision_office(world: Session) -> None:
    drive = InspectionDriver(world)
    case_id = drive.to_checks(draft(world, ["dgz-v1"], inspection_type="supervision"))
    drive.do("dg_official", case_id, T.TOWN_REVIEW, {"town_decision": "agree"})
    assert not drive.open_tasks("nb_staff", case_id, T.APPROVE_SUPERVISION)
    drive.do("dc_staff", case_id, T.APPROVE_SUPERVISION, {"approval_decision": "approve"})
    assert status_of(world, case_id) == "scheduled"


def test_only_a_department_clerk_asks_and_bad_villages_are_refused(world: Session) -> None:
    with pytest.raises(NotAllowedError):  # 大观镇 is a town, not a department
        cases.start_case(world, actor(world, "dg_official"), inspections.PROCESS,
                         {"title": "镇里自查"}, now=T0)
    drive = InspectionDriver(world)
    case_id = drive.start("mz_clerk", "村级检查")
    with pytest.raises(ValidationFailedError):
        drive.do("mz_clerk", case_id, T.DRAFT_REQUEST,
                 draft(world, [], village_ids=[unit_id(world, "dgz")]))
    with pytest.raises(ValidationFailedError):  # an assessment names catalog items
        drive.do("mz_clerk", case_id, T.DRAFT_REQUEST,
                 draft(world, ["dgz-v1"], inspection_type="assessment"))
