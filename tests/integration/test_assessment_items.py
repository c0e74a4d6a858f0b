"""Assessment items end to end through the service layer (issue 5): proposals by the owner
department, the duplicate check recorded at sign-off, review, the joint sign-off by both
offices, publication into the catalog in the same transaction (and its recomputation from
the events), changes and retirements, history, exports, the yearly net change, the
referenceable rule and who may act where."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import models
from models import (
    AssessmentItem,
    AssessmentItemVersion,
    Case,
    CaseEvent,
    ItemStatus,
    Notification,
    User,
)
from models.db import make_engine, make_sessionmaker
from workflows import access, cases, catalog, demo, demo_items, item_duplicates, worker
from workflows.access import Actor
from workflows.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.ids import ItemTask
from workflows.inbox import inbox

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in China
PROCESS = "assessment_item_approval"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo world with its catalog, built once per module (about forty commands)."""
    path = tmp_path_factory.mktemp("items") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    models.Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, BPMN_DIR, now=T0, items=True)
    engine.dispose()
    return path


@pytest.fixture
def world(sessions: sessionmaker[Session], template: Path) -> Iterator[Session]:
    """The demo world with the demo catalog (5 published items and 3 open proposals): on
    SQLite a copy of the module's template (SQLite's backup API), else loaded afresh."""
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


def actor(session: Session, username: str) -> Actor:
    uid = session.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return access.load_actor(session, uid)


def driver(session: Session, at: datetime = T0) -> demo_items.Driver:
    names = session.scalars(select(User.username)).all()
    return demo_items.Driver(session, {n: actor(session, n) for n in names}, at)


def draft(**extra: Any) -> dict[str, Any]:
    return {**demo_items.NEW_ITEM, "name": "农村儿童之家规范化建设评估",
            "content": "评估村儿童之家的场地设施、儿童主任履职和关爱服务活动开展情况。",
            "effective_date": "2027-01-01", "change_note": "", **extra}


def item_named(session: Session, name: str) -> catalog.CatalogRow:
    return next(r for r in catalog.browse(session) if r.name == name)


def open_task(session: Session, who: Actor, case_id: int, task_id: str) -> str:
    _, state = cases.get_case(session, who, case_id)
    return next(t.task_uuid for t in state.tasks.values()
                if t.state == "open" and t.task_id == task_id)


def catalog_rows(session: Session) -> list[tuple[Any, ...]]:
    items = session.execute(select(
        AssessmentItem.id, AssessmentItem.code, AssessmentItem.current_version,
        AssessmentItem.owner_unit_id, AssessmentItem.status, AssessmentItem.effective_date,
        AssessmentItem.retired_on).order_by(AssessmentItem.id)).all()
    versions = session.execute(select(
        AssessmentItemVersion.item_id, AssessmentItemVersion.version,
        AssessmentItemVersion.change_kind, AssessmentItemVersion.name,
        AssessmentItemVersion.weight, AssessmentItemVersion.effective_date,
        AssessmentItemVersion.published_at, AssessmentItemVersion.case_id,
        AssessmentItemVersion.published_by,
    ).order_by(AssessmentItemVersion.item_id, AssessmentItemVersion.version)).all()
    return [tuple(r) for r in [*items, *versions]]


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


# ------------------------------------------------------------------ changes and retirement


def test_a_change_publishes_version_two_with_the_field_diffs(world: Session) -> None:
    drive = driver(world)
    row = item_named(world, "农村低保规范管理检查")
    case_id = drive.propose("mz_clerk", "低保检查改为半年一次", "change", row.item_id)
    _, state = cases.get_case(world, actor(world, "mz_clerk"), case_id)
    assert state.data["name"] == row.name and state.data["base_version"] == 1  # prefilled
    fields = {k: state.data[k] for k in ("name", "target", "content", "criteria", "method",
                                         "frequency", "period", "weight", "legal_basis")}
    with pytest.raises(ValidationFailedError) as err:
        drive.do("mz_clerk", case_id, ItemTask.DRAFT_ITEM,
                 {**fields, "effective_date": "2027-01-01", "change_note": "无变化"})
    assert "name" in err.value.fields
    drive.do("mz_clerk", case_id, ItemTask.DRAFT_ITEM,
             {**fields, "frequency": "half_yearly", "weight": 3,
              "effective_date": "2027-01-01", "change_note": "减少检查频次，降低分值"})
    drive.do("mz_head", case_id, ItemTask.SIGN_OFF, {"head_decision": "approve"})
    check = cases.get_case(world, actor(world, "nb_staff"), case_id)[1].data["duplicate_check"]
    assert row.item_id not in [m["item_id"] for m in check["matches"]]  # not its own twin
    drive.to_joint(case_id)
    drive.publish(case_id)

    after = catalog.get_row(world, row.item_id)
    assert after.version == 2 and after.frequency == "half_yearly" and after.weight == 3
    v1, v2 = catalog.history(world, row.item_id)
    assert v2.change_kind == "change" and v2.change_note == "减少检查频次，降低分值"
    assert {(c.field, c.old, c.new) for c in v2.changes} == {
        ("frequency", "yearly", "half_yearly"), ("weight", 4, 3),
        ("effective_date", v1.effective_date.isoformat(), "2027-01-01")}
    assert v2.steps[0].actor == "民政局经办人（演示）"
    assert v2.case_id == case_id != v1.case_id


def test_a_retirement_ends_the_item_and_the_referenceable_rule(world: Session) -> None:
    drive = driver(world)
    row = item_named(world, "秸秆禁烧与综合利用检查")
    assert catalog.referenceable(world, row.item_id, date(2026, 12, 1))
    case_id = drive.propose("qnyw_clerk", "取消秸秆禁烧检查", "retire", row.item_id)
    _, state = cases.get_case(world, actor(world, "qnyw_clerk"), case_id)
    keep = {k: state.data[k] for k in ("name", "target", "content", "criteria", "method",
                                       "frequency", "period", "weight", "legal_basis")}
    drive.do("qnyw_clerk", case_id, ItemTask.DRAFT_ITEM,
             {**keep, "effective_date": "2027-01-01", "change_note": "并入人居环境整治考核"})
    drive.do("qnyw_head", case_id, ItemTask.SIGN_OFF, {"head_decision": "approve"})
    drive.to_joint(case_id)
    drive.publish(case_id)

    after = catalog.get_row(world, row.item_id)
    assert after.status == ItemStatus.RETIRED and after.retired_on == date(2027, 1, 1)
    assert catalog.referenceable(world, row.item_id, date(2026, 12, 31))
    assert not catalog.referenceable(world, row.item_id, date(2027, 1, 1))
    assert not catalog.referenceable(world, row.item_id, date(2027, 6, 1))
    assert not catalog.referenceable(world, row.item_id, date(2025, 12, 31))  # not yet
    assert not catalog.referenceable(world, 999_999, date(2026, 12, 1))
    assert [v.change_kind for v in catalog.history(world, row.item_id)] == ["new", "retire"]
    # A retired item is no duplicate candidate any more, and cannot be changed again.
    assert row.item_id not in [e.item_id for e in item_duplicates.active_entries(world)]
    with pytest.raises(ValidationFailedError):
        drive.propose("qnyw_clerk", "再改", "change", row.item_id)
    net = {(n.owner, n.year): (n.added, n.retired, n.net) for n in catalog.net_change(world)}
    assert net[("区农业农村委", 2027)] == (0, 1, -1)


def test_an_item_with_an_open_proposal_takes_no_second_one(world: Session) -> None:
    drive = driver(world)
    row = item_named(world, "村务公开民主管理考评")
    first = drive.propose("mz_clerk", "改一", "change", row.item_id)

    with pytest.raises(ValidationFailedError) as err:
        drive.propose("mz_clerk2", "改二", "change", row.item_id)
    assert str(first) in err.value.fields["item_id"][0]


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


# ------------------------------------------------------------------ time, projection, reads


def test_a_review_waiting_five_working_days_sends_a_reminder(
    world: Session, sessions: sessionmaker[Session]
) -> None:
    drive = driver(world, T0)
    case_id = drive.to_review("mz_clerk", "mz_head", draft())
    reviewed_at = drive.t
    world.commit()

    def reminders() -> list[dict[str, Any]]:
        with sessions() as session:
            _, state = cases.get_case(session, actor(session, "nb_staff"), case_id)
            return list(state.data["reminders"])

    worker.run_once(sessions, clock=lambda: reviewed_at + timedelta(days=3))
    assert reminders() == []  # Monday + 3 days: 3 working days
    worker.run_once(sessions, clock=lambda: reviewed_at + timedelta(days=8))

    with sessions() as session:
        _, state = cases.get_case(session, actor(session, "nb_staff"), case_id)
        [reminder] = state.data["reminders"]
        assert reminder["stage"] == "review" and reminder["to"] == "burden_office"
        assert state.status == "review"
        assert [t.task_id for t in state.tasks.values() if t.state == "open"] == ["review_item"]


def test_the_catalog_is_recomputed_from_the_events(world: Session) -> None:
    drive = driver(world)
    row = item_named(world, "农村低保规范管理检查")
    change = drive.propose("mz_clerk", "低保检查改版", "change", row.item_id)
    _, state = cases.get_case(world, actor(world, "mz_clerk"), change)
    fields = {k: state.data[k] for k in ("name", "target", "content", "criteria", "method",
                                         "frequency", "period", "legal_basis")}
    drive.do("mz_clerk", change, ItemTask.DRAFT_ITEM,
             {**fields, "weight": 2, "effective_date": "2027-01-01", "change_note": "降分"})
    drive.do("mz_head", change, ItemTask.SIGN_OFF, {"head_decision": "approve"})
    drive.to_joint(change)
    drive.publish(change)
    before = catalog_rows(world)
    assert len(before) == 5 + 6  # five items, six versions

    assert catalog.rebuild(world) == 6
    assert catalog_rows(world) == before
    notices = world.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "catalog_published"))
    catalog.rebuild(world)
    assert world.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "catalog_published")) == notices  # nobody is told twice


def test_browse_search_and_filters(world: Session) -> None:
    everything = catalog.browse(world)
    assert [r.code for r in everything] == sorted(r.code for r in everything)
    assert len(everything) == 5
    assert [r.name for r in catalog.browse(world, catalog.Filters(q="低保"))] == [
        "农村低保规范管理检查"]
    assert [r.name for r in catalog.browse(world, catalog.Filters(q="公开 台账"))] == [
        "村务公开民主管理考评"]
    mz = item_named(world, "村务公开民主管理考评").owner_unit_id
    assert {r.owner for r in catalog.browse(world, catalog.Filters(owner_unit_id=mz))} == {
        "区民政局"}
    villages = catalog.browse(world, catalog.Filters(target="villages"))
    assert {r.target for r in villages} == {"villages", "both"}
    assert {r.target for r in catalog.browse(world, catalog.Filters(target="both"))} == {"both"}
    assert {r.method for r in catalog.browse(world, catalog.Filters(method="on_site"))} == {
        "on_site"}
    assert catalog.browse(world, catalog.Filters(status="retired")) == []
    # LIKE wildcards are searched for literally.
    assert [r.name for r in catalog.browse(world, catalog.Filters(q="%"))] == [
        "农村低保规范管理检查"]
    assert catalog.browse(world, catalog.Filters(q="_")) == []


def test_exports_open_and_hold_every_row(world: Session) -> None:
    rows = catalog.browse(world)
    headers = {c: c.upper() for c in catalog.EXPORT_COLUMNS}
    text = catalog.export_csv(rows, headers).decode("utf-8")
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0] == [h.upper() for h in catalog.EXPORT_COLUMNS]
    assert sorted(r[1] for r in parsed[1:]) == sorted(r.name for r in rows)

    book = load_workbook(io.BytesIO(catalog.export_xlsx(rows, headers)), read_only=True)
    sheet = book.active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == [h.upper() for h in catalog.EXPORT_COLUMNS]
    assert len(values) == len(rows) + 1
    assert {v[1] for v in values[1:]} == {r.name for r in rows}


def test_formula_like_text_is_exported_as_text() -> None:
    row = catalog.CatalogRow(1, "KH-2026-001", 1, 1, "区民政局", "active", date(2026, 1, 1),
                             None, "=HYPERLINK(\"x\")", "villages", "c", "c", "on_site",
                             "yearly", "q1", 1, "b")
    text = catalog.export_csv([row], {}).decode("utf-8")
    assert "'=HYPERLINK" in text


def test_yearly_net_change_per_department(world: Session) -> None:
    net = {(n.owner, n.year): (n.added, n.retired, n.net) for n in catalog.net_change(world)}
    assert net == {("区农业农村委", 2026): (2, 0, 2), ("区民政局", 2026): (2, 0, 2),
                   ("区统计局", 2026): (1, 0, 1)}


def test_the_demo_proposals_wait_where_they_should(world: Session) -> None:
    states = {c.title: c.status for c in world.scalars(
        select(Case).where(Case.case_type == PROCESS))}
    assert states["村庄清洁行动考核评比（演示）"] == "review"
    assert states["农村互助养老点运行评估（演示）"] == "joint_sign_off"
    assert states["统计报表质量抽查（演示）"] == "returned"
    assert list(states.values()).count("published") == 5
