"""The burden-impact estimate before approval (issue 13, item 8): computed by the command
when a gated request's draft is submitted, recorded in that event (so replay needs no
database and the certificate shows the same figure), by the formula of
docs/burden_estimate.md. conftest replays every case after each test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent
from tests.integration.inspection_world import (
    T0,
    InspectionDriver,
    copy_demo,
    demo_template,
    draft,
    meeting,
    unit_id,
)
from workflows.burden import estimate, fields_held
from workflows.burden.fields_held import FieldsHeld
from workflows.kernel.ids import InspectionTask, MeetingTask
from workflows.report_forms import burden as report_form_burden


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("burden"), now=T0)


@pytest.fixture
def world(sessions: sessionmaker[Session], template: Path) -> Iterator[Session]:
    copy_demo(sessions, template, now=T0)
    with sessions() as session:
        yield session


def recorded(session: Session, case_id: int, task_id: str) -> dict[str, Any]:
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                    CaseEvent.task_id == task_id)).one()
    return dict(event.inputs["data"]["burden_estimate"])


def test_an_inspection_draft_records_its_estimate_and_the_clash(world: Session) -> None:
    drive = InspectionDriver(world)
    first = drive.approve(draft(world, ["dgz-v1"]), "低保台账检查")
    materials = [{"name": "低保名册", "already_held": True},
                 {"name": "走访记录", "already_held": False},
                 {"name": "公示照片", "already_held": False}]
    second = drive.start("mz_clerk", "养老服务检查")
    drive.do("mz_clerk", second, InspectionTask.DRAFT_REQUEST,
             draft(world, ["dgz-v1"], people=5, days=2, window_start="2026-04-14",
                   window_end="2026-04-15", materials=materials))
    figure = recorded(world, second, InspectionTask.DRAFT_REQUEST)
    # 8 h x ceil(5 / 4) cadres x 2 days on site + 2 h x 2 materials not already held
    assert figure["hours_per_village_year"] == 36.0
    assert figure["parts"] == {"site": 32.0, "materials": 4.0}
    assert figure["held"] == {"what": "materials", "total": 3, "held": 1}
    assert figure["window"] == {"start": "2026-04-14", "end": "2026-04-15"}
    assert figure["clash_count"] == 1
    assert figure["clashes"][0]["case_id"] == first
    assert figure["clashes"][0]["village_id"] == unit_id(world, "dgz-v1")
    # the first request's own draft found nothing in its window
    assert recorded(world, first, InspectionTask.DRAFT_REQUEST)["clash_count"] == 0


def test_a_meeting_draft_records_hours_and_travel(world: Session) -> None:
    drive = InspectionDriver(world)
    case_id = meeting(drive, "mz_clerk", {
        "purpose": "低保政策培训", "attendees": "村民政协理员",
        "village_ids": [unit_id(world, "dgz-v1"), unit_id(world, "dgz-v2")], "town_ids": [],
        "hours": 2, "mode": "on_site", "preferred_date": "2026-03-10"})
    figure = recorded(world, case_id, MeetingTask.DRAFT_MEETING)
    assert figure["hours_per_village_year"] == 3.0
    assert figure["villages"] == 2 and figure["hours_all_villages_year"] == 6.0
    assert figure["window"] == {"start": "2026-03-10", "end": "2026-03-10"}


def test_form_fields_held_from_the_draft_and_from_the_report_form_source(
        world: Session) -> None:
    rows = [{"name": "户籍人口", "indicator": "I01"}, {"name": "常住人口", "indicator": "I02"},
            {"name": "新增栏目", "indicator": None}]
    data = {"fields": rows, "frequency": "monthly", "town_ids": [unit_id(world, "dgz")]}
    figure = estimate.for_form(world, data, date(2026, 3, 2), None)
    # 12 periods x 1 new field x 2 minutes / 60
    assert figure["hours_per_village_year"] == 0.4
    assert figure["held"] == {"what": "fields", "total": 3, "held": 2, "source": "draft"}
    assert figure["villages"] == 3
    kept = list(fields_held._sources)
    try:
        fields_held.provide(lambda _s, d: FieldsHeld(len(d["fields"]), 3, "other"))
        held = estimate.for_form(world, data, date(2026, 3, 2), None)
        assert held["held"]["source"] == "other"
        assert held["hours_per_village_year"] == 0.0
    finally:
        fields_held._sources[:] = kept


def test_a_report_form_draft_records_the_fields_the_one_form_holds(world: Session) -> None:
    """The demo's report form proposals, drafted through the real commands: the estimate
    takes the fields already held from the report form feature's field check."""
    events = world.scalars(select(CaseEvent).join(Case, Case.id == CaseEvent.case_id).where(
        Case.case_type == "report_form_approval", CaseEvent.task_id == "draft_form")).all()
    assert events
    for event in events:
        data = event.inputs["data"]
        figure = data["burden_estimate"]
        held, total = report_form_burden.fields_already_held(data)
        assert figure["held"] == {"what": "fields", "total": total, "held": held,
                                  "source": "report_forms"}
        periods = estimate.PERIODS_PER_YEAR[data["frequency"]]
        assert figure["hours_per_village_year"] == round(
            periods * (total - held) * estimate.MINUTES_PER_FIELD / 60, 1)


def test_an_app_estimate_is_setup_plus_checkins_with_a_four_week_window(
        world: Session) -> None:
    data = {"village_ids": [unit_id(world, "dgz-v1")], "demands_install": True,
            "demands_checkin": True, "checkins_per_week": 7, "minutes_per_checkin": 5}
    figure = estimate.for_app(world, data, date(2026, 3, 2), None)
    # 1 h to install + 7 x 5 minutes x 52 weeks / 60
    assert figure["hours_per_village_year"] == 31.3
    assert figure["parts"] == {"setup": 1.0, "checkins": 30.33}
    assert figure["window"] == {"start": "2026-03-02", "end": "2026-03-30"}
    without = estimate.for_app(world, {**data, "demands_install": False}, date(2026, 3, 2), None)
    assert without["hours_per_village_year"] == 30.3
