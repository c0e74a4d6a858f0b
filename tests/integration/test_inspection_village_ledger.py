"""The village calendar and burden ledger are folded from the case events: the figures of a
month of inspections and meetings, checked by hand, come out the same after the projections
(case rows) are wiped; who sees which village."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from models import Case
from tests.integration.inspection_world import (
    InspectionDriver,
    T,
    actor,
    copy_demo,
    demo_template,
    draft,
    meeting,
    unit_id,
)
from workflows.inspections import bundler as meeting_bundler
from workflows.inspections import ledger as village_ledger
from workflows.kernel.ids import ProcessId

MEETING = str(ProcessId.MEETING_REQUEST)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("ledger"))


@pytest.fixture
def world(sessions: sessionmaker[Session], template: Path) -> Iterator[Session]:
    copy_demo(sessions, template)
    with sessions() as session:
        yield session


def build(world: Session) -> dict[str, int]:
    drive = InspectionDriver(world)
    v1, v2 = unit_id(world, "dgz-v1"), unit_id(world, "dgz-v2")
    first = drive.approve(draft(world, ["dgz-v1", "dgz-v2"], materials=[
        {"name": "低保名册", "already_held": False}, {"name": "户籍底册", "already_held": True}]))
    drive.do("mz_clerk", first, T.RECORD_OUTCOME, {
        "actual_start": "2026-04-13", "actual_end": "2026-04-13", "actual_people": 2,
        "actual_days": 1, "actual_materials": ["低保名册", "救助台账"]})
    second = drive.approve(draft(world, ["dgz-v1"], inspection_type="research", people=2,
                                 window_start="2026-05-06", window_end="2026-05-06"))
    objected = drive.to_checks(draft(world, ["dgz-v2"], window_start="2026-06-01",
                                     window_end="2026-06-02"))
    drive.do("dg_official", objected, T.TOWN_REVIEW,
             {"town_decision": "object", "objection": "农忙"})
    base = {"attendees": "村党支部书记", "town_ids": [], "mode": "on_site",
            "preferred_date": "2026-03-10"}
    clerk = "mz_clerk"
    meeting(drive, clerk, {**base, "purpose": "低保政策培训", "village_ids": [v1], "hours": 1.5})
    meeting(drive, clerk, {**base, "purpose": "防灾减灾部署", "village_ids": [],
                           "town_ids": [unit_id(world, "dgz")], "hours": 1.0, "mode": "online"})
    meeting(drive, clerk, {**base, "purpose": "防汛紧急部署", "village_ids": [v2], "hours": 2.0,
                           "urgent": True, "urgent_reason": "汛期", "urgent_date": "2026-03-20"},
            urgent="approve")
    return {"first": first, "second": second, "objected": objected}


def figures(world: Session, username: str) -> dict[tuple[str, str], tuple[float, ...]]:
    villages, rows = village_ledger.village_ledger(world, actor(world, username))
    code = {v.id: v.code for v in villages}
    # Rows that only carry report form figures (workflows.report_forms.burden) are left out.
    return {(code[vid], month): (r.inspections, r.people_days, r.meeting_hours, r.materials)
            for (vid, month), r in rows.items()
            if r.inspections or r.people_days or r.meeting_hours or r.materials}


EXPECTED = {  # (village, month): (inspections, people-days, meeting hours, materials)
    ("dgz-v1", "2026-03"): (0, 0, 2.5, 0),  # combined session of 15 March: 1.5 h + 1 h
    ("dgz-v2", "2026-03"): (0, 0, 3.0, 0),  # combined 1 h + urgent stand-alone 2 h
    ("dgz-v3", "2026-03"): (0, 0, 1.0, 0),
    ("dgz-v1", "2026-04"): (1, 2, 0.0, 2),  # as recorded: 2 people x 1 day, 2 materials
    ("dgz-v2", "2026-04"): (1, 2, 0.0, 2),
    ("dgz-v1", "2026-05"): (1, 2, 0.0, 1),  # approved, not yet recorded: the plan
}


@pytest.mark.tampers  # wipes the projections on purpose (replay would flag the case rows)
def test_ledger_figures_come_from_the_events(world: Session) -> None:
    build(world)
    assert figures(world, "nb_staff") == EXPECTED
    calendar = [(e.kind, e.start.isoformat(), e.hours, e.status)
                for e in village_ledger.all_entries(world)
                if e.village_id == unit_id(world, "dgz-v2")]
    assert calendar == [("meeting", "2026-03-15", 1.0, "combined"),
                        ("meeting", "2026-03-20", 2.0, "urgent"),
                        ("inspection", "2026-04-13", 0.0, "rating")]
    # the projections say nothing any more; the fold over the events still does
    world.execute(update(Case).values(data="{}", status="open"))
    world.commit()
    assert figures(world, "nb_staff") == EXPECTED
    assert len(meeting_bundler.sessions(world)) == 2


def test_who_sees_which_village(world: Session) -> None:
    build(world)
    assert {k for k in figures(world, "dg_cadre")} == {
        k for k in EXPECTED if k[0] == "dgz-v1"}
    assert {k[0] for k in figures(world, "dg_official")} == {"dgz-v1", "dgz-v2", "dgz-v3"}
    assert figures(world, "mz_clerk") == {}
    villages, _ = village_ledger.village_ledger(world, actor(world, "dc_staff"))
    assert len(villages) == 18
    # asking for a village outside one's scope gives nothing
    other = unit_id(world, "mlz-v1")
    assert village_ledger.village_ledger(world, actor(world, "dg_cadre"), other) == ([], {})
