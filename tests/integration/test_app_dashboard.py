"""The apps aspect of supervision (issue 13, item 7), computed from the events, recomputed
here twice: by hand for the demo, and from the registry tables the projection wrote (a
different path: the command cycle's rows), before and after a merge and a retirement."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AppStatus, GovApp, GovAppVersion, GovAppVillage
from tests.integration.app_world import driver
from tests.integration.app_world import template as template  # fixture
from tests.integration.app_world import world as world  # fixture
from tests.integration.inspection_world import unit_id
from workflows.apps import dashboard, registry
from workflows.apps import demo as demo_apps

LATER = datetime(2027, 1, 1, tzinfo=UTC)


def from_tables(session: Session) -> dict[int, tuple[int, int, int]]:
    """Per village: (apps, groups, check-ins a week), from the registry rows."""
    out: dict[int, list[int]] = {}
    rows = session.execute(
        select(GovAppVillage.village_id, GovApp.kind, GovAppVersion.checkins_per_week)
        .join(GovApp, GovApp.id == GovAppVillage.app_id)
        .join(GovAppVersion, (GovAppVersion.app_id == GovApp.id)
              & (GovAppVersion.version == GovApp.current_version))
        .where(GovApp.status == AppStatus.ACTIVE))
    for village, kind, checkins in rows:
        f = out.setdefault(village, [0, 0, 0])
        f[1 if kind in dashboard.GROUP_KINDS else 0] += 1
        f[2] += checkins
    return {v: (a, g, c) for v, (a, g, c) in out.items()}


def from_events(session: Session) -> dict[int, tuple[int, int, int]]:
    board = dashboard.compute(session, LATER)
    return {v: (f.apps, f.groups, f.checkins_per_week) for v, f in board.per_village.items()
            if f.apps or f.groups}


def test_the_demo_figures_by_hand(world: Session) -> None:
    board = dashboard.compute(world, LATER)
    dgz = [unit_id(world, f"dgz-v{i}") for i in (1, 2, 3)]
    mlz = [unit_id(world, f"mlz-v{i}") for i in (1, 2)]
    # 防汛值守打卡APP (7 a week) in 大观镇; 民政业务工作群 in 大观镇 and 木凉镇 (it took over
    # 社会救助信息报送群's villages of 木凉镇 when that was merged into it)
    for v in dgz:
        f = board.per_village[v]
        assert (f.apps, f.groups, f.checkins_per_week) == (1, 1, 7)
    for v in mlz:
        f = board.per_village[v]
        assert (f.apps, f.groups, f.checkins_per_week) == (0, 1, 0)
    qnyw, qmzj = unit_id(world, "qnyw"), unit_id(world, "qmzj")
    assert (board.per_owner[qnyw].apps, board.per_owner[qnyw].checkins_per_week,
            board.per_owner[qnyw].villages) == (1, 21, 3)
    assert (board.per_owner[qmzj].groups, board.per_owner[qmzj].villages) == (1, 5)
    assert board.requests == {"requested": 6, "published": 4, "rejected": 0, "pending": 2}
    total = board.total()
    assert (total.apps, total.groups, total.villages, total.checkins_per_week) == (1, 1, 5, 21)


def test_events_and_registry_tables_agree_through_a_merge_and_a_retirement(
        world: Session) -> None:
    assert from_events(world) == from_tables(world)
    drive = driver(world)
    flood = next(a for a in registry.apps(world) if a.name == "防汛值守打卡APP")
    civil = next(a for a in registry.apps(world) if a.name == "民政业务工作群")
    merge = drive.to_review("qnyw_clerk", "qnyw_head",
                            {**demo_apps.FLOOD, "village_ids": flood.village_ids,
                             "change_note": "并入民政业务工作群"},
                            "防汛打卡并入", "merge", flood.id, civil.id)
    drive.publish(merge)
    after_merge = from_events(world)
    assert after_merge == from_tables(world)
    # the group kept now reaches 大观镇 too; the app's 7 check-ins a week are gone
    assert after_merge[unit_id(world, "dgz-v1")] == (0, 1, 0)
    retire = drive.to_review("mz_clerk", "mz_head",
                             {**demo_apps.CIVIL, "village_ids": civil.village_ids,
                              "change_note": "改用政务平台"}, "民政群停用", "retire", civil.id)
    drive.publish(retire)
    assert from_events(world) == from_tables(world) == {}
