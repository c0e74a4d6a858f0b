"""The app and work group registry (issue 13, item 5): published only through the request
process, written in the same transaction, rebuilt from the events equal to the live one;
merging and retiring recorded, the villages concerned notified in-app."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AppStatus, Case, GovApp, Notification, User
from tests.integration.app_world import driver
from tests.integration.app_world import template as template  # fixture
from tests.integration.app_world import world as world  # fixture
from tests.integration.inspection_world import actor, unit_id
from workflows.apps import demo as demo_apps
from workflows.apps import registry
from workflows.kernel import cases
from workflows.kernel.errors import NotAllowedError, ValidationFailedError
from workflows.kernel.ids import AppTask

PROCESS = "app_request"


def by_name(session: Session, name: str) -> registry.AppRow:
    return next(a for a in registry.apps(session) if a.name == name)


def test_the_demo_registry_came_through_the_process(world: Session) -> None:
    active = {a.name for a in registry.apps(world, AppStatus.ACTIVE)}
    assert active == {"防汛值守打卡APP", "民政业务工作群"}
    relief = by_name(world, "社会救助信息报送群")
    civil = by_name(world, "民政业务工作群")
    assert relief.status == "merged" and relief.merged_into == civil.code
    # the merged group's villages now belong to the group kept
    assert set(relief.village_ids) <= set(civil.village_ids)
    assert [v.change_kind for v in registry.history(world, civil.id)] == ["new", "absorb"]
    assert [v.change_kind for v in registry.history(world, relief.id)] == ["new", "merge"]
    # every row comes from a published case of the process
    published = set(world.scalars(select(Case.id).where(Case.case_type == PROCESS,
                                                        Case.status == "published")))
    assert {a.id for a in registry.apps(world)} <= published


def test_rebuilt_from_the_events_equals_the_live_registry(world: Session) -> None:
    drive = driver(world)
    flood = by_name(world, "防汛值守打卡APP")
    retire = drive.to_review("qnyw_clerk", "qnyw_head",
                             {**demo_apps.FLOOD, "village_ids": flood.village_ids,
                              "change_note": "汛期结束，改为电话报告"},
                             "防汛值守打卡APP停用", "retire", flood.id)
    drive.publish(retire)
    live = registry.snapshot(world)
    assert by_name(world, "防汛值守打卡APP").status == "retired"
    assert registry.rebuild(world) == 5
    assert registry.snapshot(world) == live
    assert len(live["apps"]) == 3 and live["villages"]


def test_merging_notifies_the_cadres_of_the_villages_concerned(world: Session) -> None:
    dg_cadre = world.scalar(select(User.id).where(User.username == "dg_cadre"))
    ml_notes = world.scalars(select(Notification).where(Notification.kind == "app_merged")).all()
    # the merged group was demanded of 木凉镇's villages: nobody there has a demo cadre,
    # 大观镇示例村1's cadre heard of the two apps registered for it
    assert ml_notes == []
    kinds = sorted(world.scalars(select(Notification.kind).where(
        Notification.user_id == dg_cadre, Notification.kind.like("app_%"))))
    assert kinds == ["app_registered", "app_registered"]
    drive = driver(world)
    civil = by_name(world, "民政业务工作群")
    flood = by_name(world, "防汛值守打卡APP")
    merge = drive.to_review("qnyw_clerk", "qnyw_head",
                            {**demo_apps.FLOOD, "village_ids": flood.village_ids,
                             "change_note": "打卡并入工作群"},
                            "防汛打卡并入", "merge", flood.id, civil.id)
    drive.publish(merge)
    note = world.scalars(select(Notification).where(Notification.user_id == dg_cadre,
                                                    Notification.kind == "app_merged")).one()
    assert note.params["code"] == flood.code and civil.code in note.params["target"]
    assert note.case_id == merge


def test_only_the_owner_unit_merges_or_retires_and_only_active_apps(world: Session) -> None:
    civil = by_name(world, "民政业务工作群")
    relief = by_name(world, "社会救助信息报送群")
    with pytest.raises(NotAllowedError):
        cases.start_case(world, actor(world, "qnyw_clerk"), PROCESS,
                         {"title": "别人的群", "app_change": "retire", "app_id": civil.id})
    with pytest.raises(ValidationFailedError) as err:
        cases.start_case(world, actor(world, "mz_clerk"), PROCESS,
                         {"title": "已合并的群", "app_change": "retire", "app_id": relief.id})
    assert "app_id" in err.value.fields
    with pytest.raises(ValidationFailedError) as err:
        cases.start_case(world, actor(world, "mz_clerk"), PROCESS,
                         {"title": "自己并自己", "app_change": "merge", "app_id": civil.id,
                          "merge_into_id": civil.id})
    assert "merge_into_id" in err.value.fields


def test_a_draft_naming_no_village_or_a_town_as_village_is_refused_by_field(
        world: Session) -> None:
    drive = driver(world)
    case_id = drive.start("tj_clerk", "村级统计群")
    for bad, field in (({"village_ids": [unit_id(world, "dgz")]}, "village_ids"),
                       ({"village_ids": [], "town_ids": [unit_id(world, "dgz-v1")]},
                        "town_ids")):
        with pytest.raises(ValidationFailedError) as err:
            drive.do("tj_clerk", case_id, AppTask.DRAFT_APP, {**demo_apps.STATS, **bad})
        assert field in err.value.fields
        world.rollback()
    drive.do("tj_clerk", case_id, AppTask.DRAFT_APP,
             {**demo_apps.STATS, "village_ids": [], "town_ids": [unit_id(world, "dgz")]})
    _, state = cases.get_case(world, actor(world, "tj_clerk"), case_id)
    assert len(state.data["village_ids"]) == 3


def test_forwarding_a_likely_duplicate_needs_a_reason(world: Session) -> None:
    waiting = world.scalar(select(Case).where(Case.title == "防汛值班打卡小程序（演示）"))
    assert waiting is not None
    _, state = cases.get_case(world, actor(world, "nb_staff"), waiting.id)
    data = state.data
    assert data["likely_duplicates"] is True
    assert data["duplicate_matches"][0]["name"] == "防汛值守打卡APP"
    drive = driver(world)
    with pytest.raises(ValidationFailedError) as err:
        drive.do("nb_staff", waiting.id, AppTask.BURDEN_REVIEW,
                 {"burden_decision": "to_cyberspace"})
    assert "similar_reason" in err.value.fields
    world.rollback()
    count = world.scalar(select(func.count()).select_from(GovApp))
    drive.do("nb_staff", waiting.id, AppTask.BURDEN_REVIEW,
             {"burden_decision": "reject", "comment": "与防汛值守打卡APP重复"})
    assert world.scalar(select(func.count()).select_from(GovApp)) == count
