"""Assessment item proposals end to end through the service layer (issue 5): proposals by
the owner department, the duplicate check recorded at sign-off, review, the joint sign-off by
both offices, publication into the catalog in the same transaction, and who may act where.
Changes and retirements: test_assessment_item_changes.py; the catalog's reads, exports and
recomputation: test_assessment_catalog.py."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, Notification, User
from tests.integration.item_world import actor, catalog_rows, draft, driver, item_named, open_task
from tests.integration.item_world import template as template  # fixture
from tests.integration.item_world import world as world  # fixture
from workflows.catalog import browse as catalog
from workflows.catalog import demo as demo_items
from workflows.catalog import duplicates as item_duplicates
from workflows.inbox.queue import inbox
from workflows.kernel import cases
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.kernel.ids import ItemTask

# ------------------------------------------------------------------ the whole way


def test_a_new_item_is_published_into_the_catalog_with_its_history(world: Session) -> None:
    drive = driver(world)
    before = len(catalog.browse(world))
    case_id = drive.to_review("mz_clerk", "mz_head", draft())
    drive.to_joint(case_id)
    drive.publish(case_id)

    row = item_named(world, "农村儿童之家规范化建设评估")
    assert len(catalog.browse(world)) == before + 1
    assert row.item_id == case_id and row.code.startswith("KH-2026-")
    assert row.owner == "区民政局" and row.status == "active" and row.version == 1
    assert row.effective_date == date(2027, 1, 1)
    case = world.get(Case, case_id)
    assert case is not None and case.status == "published"

    [v1] = catalog.history(world, row.item_id)
    assert v1.change_kind == "new" and v1.publisher == "区政府办公室审批人（演示）"
    who = [(s.actor, s.role, s.task_id, s.action) for s in v1.steps]
    assert who == [
        ("民政局经办人（演示）", "clerk", None, "started:new"),
        ("民政局经办人（演示）", "clerk", "draft_item", "submitted"),
        ("民政局负责人（演示）", "unit_head", "sign_off", "approve"),
        ("区委农办工作人员（演示）", "burden_office", "review_item", "forward"),
        ("区委办公室审批人（演示）", "party_office", "party_office_sign_off", "approve"),
        ("区政府办公室审批人（演示）", "government_office", "government_office_sign_off",
         "approve"),
    ]
    assert [s.at for s in v1.steps] == sorted(s.at for s in v1.steps)
    assert v1.published_at == v1.steps[-1].at


def test_the_departments_are_notified_when_the_catalog_changes(world: Session) -> None:
    drive = driver(world)
    case_id = drive.to_review("mz_clerk", "mz_head", draft())
    drive.to_joint(case_id)
    drive.publish(case_id)

    told = set(world.scalars(select(Notification.user_id).where(
        Notification.case_id == case_id, Notification.kind == "catalog_published")))
    names = set(world.scalars(select(User.username).where(User.id.in_(told))))
    assert {"tj_clerk", "tj_head", "qnyw_clerk", "dg_official", "dg_head", "mz_clerk"} <= names
    assert "office_qzf" not in names  # who published it is not told
    assert "dg_cadre" not in names and "auditor" not in names


def test_the_sign_off_records_the_duplicate_check_in_the_event(world: Session) -> None:
    drive = driver(world)
    case_id = drive.to_review("qnyw_clerk", "qnyw_head",
                              {**demo_items.DUPLICATE, "effective_date": "2027-01-01",
                               "change_note": ""})

    event = world.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                 CaseEvent.task_id == ItemTask.SIGN_OFF))
    assert event is not None
    check = event.inputs["data"]["duplicate_check"]
    assert check["threshold"] == item_duplicates.THRESHOLD
    assert check["compared"] == 5
    top = check["matches"][0]
    assert top["name"] == "村级人居环境整治考核" and top["likely"] is True
    assert top["passages"] and top["shared_words"]
    _, state = cases.get_case(world, actor(world, "nb_staff"), case_id)
    assert state.data["likely_duplicates"] is True
    assert state.status == "review"


def test_forwarding_likely_duplicates_needs_a_written_reason(world: Session) -> None:
    drive = driver(world)
    case_id = drive.to_review("qnyw_clerk", "qnyw_head",
                              {**demo_items.DUPLICATE, "effective_date": "2027-01-01",
                               "change_note": ""})
    nb = actor(world, "nb_staff")
    task = open_task(world, nb, case_id, ItemTask.REVIEW_ITEM)

    with pytest.raises(ValidationFailedError) as err:
        cases.complete_task(world, nb, case_id, task, {"review_decision": "forward"})
    assert "duplicate_reason" in err.value.fields

    cases.complete_task(world, nb, case_id, task, {
        "review_decision": "forward",
        "duplicate_reason": "本项目只考核季度排名通报，与人居环境整治考核不重复"})
    _, state = cases.get_case(world, nb, case_id)
    assert state.status == "joint_sign_off"


def test_no_reason_is_needed_without_likely_duplicates(world: Session) -> None:
    drive = driver(world)
    case_id = drive.to_review("mz_clerk", "mz_head", draft())
    nb = actor(world, "nb_staff")
    _, state = cases.get_case(world, nb, case_id)
    assert state.data["likely_duplicates"] is False

    cases.complete_task(world, nb, case_id, open_task(world, nb, case_id, ItemTask.REVIEW_ITEM),
                        {"review_decision": "forward"})


def test_one_office_returns_and_the_drafter_sees_why(world: Session) -> None:
    drive = driver(world)
    case_id = drive.to_review("mz_clerk", "mz_head", draft())
    drive.to_joint(case_id)
    drive.do("office_qzf", case_id, ItemTask.GOVERNMENT_OFFICE_SIGN_OFF,
             {"office_decision": "return", "comment": "权重过高，请压减"})

    clerk = actor(world, "mz_clerk")
    _, state = cases.get_case(world, clerk, case_id)
    assert state.status == "returned"
    assert [t.task_id for t in state.tasks.values() if t.state == "open"] == ["draft_item"]
    assert state.data["returns"][-1]["reason"] == "权重过高，请压减"
    cancelled = [t for t in state.tasks.values() if t.task_id == "party_office_sign_off"]
    assert [t.state for t in cancelled] == ["cancelled"]
    assert not [r for r in inbox(world, actor(world, "office_qw")) if r.case_id == case_id]
    assert item_named.__name__ and not [r for r in catalog.browse(world)
                                        if r.name == "农村儿童之家规范化建设评估"]


def test_rejected_and_returned_proposals_do_not_reach_the_catalog(world: Session) -> None:
    drive = driver(world)
    before = catalog_rows(world)
    case_id = drive.to_review("mz_clerk", "mz_head", draft())
    drive.do("nb_staff", case_id, ItemTask.REVIEW_ITEM,
             {"review_decision": "reject", "comment": "属于重复考核，不予新增"})

    assert world.get(Case, case_id).status == "rejected"  # type: ignore[union-attr]
    assert catalog_rows(world) == before


# ------------------------------------------------------------------ who may act


def test_only_a_clerk_of_the_owner_department_proposes(world: Session) -> None:
    drive = driver(world)
    row = item_named(world, "农村低保规范管理检查")  # 区民政局's
    with pytest.raises(NotAllowedError):
        drive.propose("tj_clerk", "改别人的项目", "change", row.item_id)
    with pytest.raises(NotAllowedError):
        drive.propose("dg_official", "镇里不能新增考核项目")  # a town, not a department
    for username in ("mz_head", "nb_staff", "office_qw", "auditor", "dg_cadre", "admin"):
        with pytest.raises(NotAllowedError):
            drive.propose(username, "无权提出")
    with pytest.raises(ValidationFailedError):
        drive.propose("mz_clerk", "没有这个项目", "change", 999_999)


def test_only_the_owner_department_drafts_and_signs_off(world: Session) -> None:
    drive = driver(world)
    case_id = drive.propose("mz_clerk", "新项目")
    task = open_task(world, actor(world, "mz_clerk"), case_id, ItemTask.DRAFT_ITEM)
    for username in ("tj_clerk", "qnyw_clerk", "dg_official", "dg_cadre"):
        with pytest.raises(NotFoundError):  # another unit's proposal: not even visible
            cases.complete_task(world, actor(world, username), case_id, task, draft())
    for username in ("mz_head", "nb_staff", "office_qw"):
        with pytest.raises((NotAllowedError, NotFoundError)):
            cases.complete_task(world, actor(world, username), case_id, task, draft())
    drive.do("mz_clerk2", case_id, ItemTask.DRAFT_ITEM, draft())  # any clerk of the unit
    sign = open_task(world, actor(world, "mz_head"), case_id, ItemTask.SIGN_OFF)
    for username in ("tj_head", "mz_clerk", "nb_head"):
        with pytest.raises((NotAllowedError, NotFoundError)):
            cases.complete_task(world, actor(world, username), case_id, sign,
                                {"head_decision": "approve"})


def test_only_the_named_offices_sign_off_each_its_own_task(world: Session) -> None:
    drive = driver(world)
    case_id = drive.to_review("mz_clerk", "mz_head", draft())
    drive.to_joint(case_id)
    qw = open_task(world, actor(world, "office_qw"), case_id, ItemTask.PARTY_OFFICE_SIGN_OFF)
    qzf = open_task(world, actor(world, "office_qzf"), case_id,
                    ItemTask.GOVERNMENT_OFFICE_SIGN_OFF)
    approve = {"office_decision": "approve"}
    with pytest.raises(NotAllowedError):
        cases.complete_task(world, actor(world, "office_qw"), case_id, qzf, approve)
    with pytest.raises(NotAllowedError):
        cases.complete_task(world, actor(world, "office_qzf"), case_id, qw, approve)
    for username in ("nb_staff", "nb_head", "mz_head", "dc_staff", "admin"):
        for task in (qw, qzf):
            with pytest.raises((NotAllowedError, NotFoundError)):
                cases.complete_task(world, actor(world, username), case_id, task, approve)
    assert [r.task_id for r in inbox(world, actor(world, "office_qw"))
            if r.case_id == case_id] == ["party_office_sign_off"]
    assert [r.task_id for r in inbox(world, actor(world, "office_qzf"))
            if r.case_id == case_id] == ["government_office_sign_off"]
