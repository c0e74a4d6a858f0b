"""A demo world with complaints at every outcome the dashboard and sampling count: closed on
time and late, satisfied, partly and not satisfied, reopened by an appeal, overdue in
correction, rejected, merged, fresh at intake; over three months, towns, villages and units.
Built through the service layer (the same commands the pages use)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import User
from workflows.catalog import demo as demo_items
from workflows.complaints import filing as complaints
from workflows.complaints import tracking as complaint_tracking
from workflows.complaints.filing import ComplaintSettings
from workflows.complaints.receipts import ReceiptHasher
from workflows.kernel import access, cases, orgs
from workflows.kernel.access import Actor
from workflows.kernel.vault import Vault, generate_key

T0 = datetime(2026, 9, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in China
DONE = {"correction_outcome": "done", "findings": "确有此事", "actions_taken": "已整改到位",
        "evidence": "整改通知（测试）"}


def settings() -> ComplaintSettings:
    return ComplaintSettings(hasher=ReceiptHasher.for_tests(b"dashboard-world-salt"),
                             vault=Vault.from_config(generate_key()))


def actor(session: Session, username: str) -> Actor:
    uid = session.scalar(select(User.id).where(User.username == username))
    assert uid is not None, username
    return access.load_actor(session, uid)


def unit_id(session: Session, code: str) -> int:
    unit = orgs.by_code(session, code)
    assert unit is not None, code
    return unit.id


def do(session: Session, username: str, case_id: int, task_id: str, at: datetime,
       **fields: Any) -> None:
    who = actor(session, username)
    _, state = cases.get_case(session, who, case_id)
    task = next(t for t in state.tasks.values() if t.state == "open" and t.task_id == task_id)
    cases.complete_task(session, who, case_id, task.task_uuid, fields, now=at)


@dataclass
class World:
    # name -> case id
    complaints: dict[str, int] = field(default_factory=dict)
    # the item approvals that published a new item, and the one that retired an item
    items: list[int] = field(default_factory=list)
    retirement: int | None = None
    # name -> case id of the inspection and meeting requests
    burden: dict[str, int] = field(default_factory=dict)


# name: (village, category, responsible unit, days after T0, the path)
PLANS: dict[str, tuple[str, str, str | None, int, str]] = {
    "on_time": ("dgz-v1", "too_many_forms", "qmzj", 0, "close:satisfied"),
    "late": ("dgz-v2", "too_many_forms", "qmzj", 2, "late:partly"),
    "unhappy_then_ok": ("mlz-v1", "too_many_meetings", "qtjj", 30, "close:not_satisfied"),
    "reopened": ("xlz-v1", "duplicate_assessment", "qnyw", 31, "close:satisfied:appeal"),
    "overdue": ("dgz-v1", "apps_and_checkins", "dgz", 35, "accept"),
    "rejected": ("htz-v1", "other", None, 61, "reject"),
    "merged": ("dgz-v1", "too_many_forms", None, 62, "duplicate"),
    "fresh": ("mlz-v2", "plaques", None, 85, ""),
    "on_time_nov": ("mlz-v2", "too_many_meetings", "qtjj", 63, "close:satisfied"),
}


def build(session: Session) -> World:
    world = World()
    conf = settings()
    for name, (village_code, category, unit_code, days, path) in PLANS.items():
        village = orgs.by_code(session, village_code)
        assert village is not None and village.parent_id is not None
        at = T0 + timedelta(days=days)
        filed = complaints.file_complaint(session, {
            "category": category, "town_id": village.parent_id, "village_id": village.id,
            "description": f"测试投诉：{name}，村里负担过重，需要减负。"}, [], settings=conf,
            now=at)
        cid = world.complaints[name] = filed.case_id
        steps = path.split(":") if path else []
        if not steps:
            continue
        at += timedelta(hours=2)
        if steps[0] == "reject":
            do(session, "nb_staff", cid, "intake", at, intake_decision="reject",
               reject_reason="不属于减负范围")
            continue
        if steps[0] == "duplicate":
            do(session, "nb_staff", cid, "intake", at, intake_decision="duplicate",
               duplicate_of=world.complaints["on_time"])
            continue
        assert unit_code is not None
        do(session, "nb_staff", cid, "intake", at, intake_decision="accept",
           category=category, responsible_unit_id=unit_id(session, unit_code))
        if steps[0] == "accept":
            continue
        clerk = {"qmzj": "mz_clerk", "qtjj": "tj_clerk", "qnyw": "qnyw_clerk"}[unit_code]
        at += timedelta(days=20 if steps[0] == "late" else 1)
        do(session, clerk, cid, "correction", at, **DONE)
        at += timedelta(hours=3)
        do(session, "dc_staff", cid, "verification", at, verification_decision="pass")
        at += timedelta(hours=3)
        rating = steps[1]
        do(session, "nb_staff", cid, "return_visit", at, rating=rating, visit_channel="phone")
        if rating == "not_satisfied":
            at += timedelta(hours=3)
            do(session, "dc_staff", cid, "verification", at, verification_decision="pass")
            at += timedelta(hours=3)
            do(session, "nb_staff", cid, "return_visit", at, rating="satisfied",
               visit_channel="phone")
        if steps[2:] == ["appeal"]:
            complaint_tracking.appeal(session, cid, "问题又出现了", now=at + timedelta(days=2))
    _items(session, world)
    _inspections_and_meetings(session, world)
    return world


def _items(session: Session, world: World) -> None:
    """The demo catalog (five items published in 2026, proposals at several steps) and the
    retirement of one of them, taking effect in 2027."""
    from models import Case

    users = ("qnyw_clerk", "qnyw_head", "mz_clerk", "mz_head", "tj_clerk", "tj_head",
             "nb_staff", "office_qw", "office_qzf")
    actors = {u: actor(session, u) for u in users}
    demo_items.load(session, actors, T0 + timedelta(days=60))
    world.items = sorted(session.scalars(select(Case.id).where(
        Case.case_type == demo_items.PROCESS, Case.status == "published")))
    retired = world.items[1]  # 村务公开民主管理考评, owned by 区民政局
    drive = demo_items.Driver(session, actors, T0 + timedelta(days=70))
    draft = {**demo_items.CATALOG[1][2], "effective_date": "2027-01-01",
             "change_note": "并入村级综合考评，不再单独考核"}
    case_id = drive.to_review("mz_clerk", "mz_head", draft, "村务公开民主管理考评（取消）",
                              kind="retire", item_id=retired)
    drive.to_joint(case_id)
    drive.publish(case_id)
    world.retirement = case_id


def _inspections_and_meetings(session: Session, world: World) -> None:
    """Inspections at every outcome (approved and recorded and rated, approved as planned,
    merged into another, rejected, objected to by the town) and meetings (routine, queued
    for a combined session; urgent, approved; urgent, refused: queued like the others)."""
    from tests.integration.inspection_world import InspectionDriver, T, draft
    from workflows.kernel.ids import MeetingTask, ProcessId

    drive = InspectionDriver(session)
    v1, v2 = unit_id(session, "dgz-v1"), unit_id(session, "dgz-v2")
    first = world.burden["recorded"] = drive.approve(draft(session, ["dgz-v1", "dgz-v2"]))
    drive.do("mz_clerk", first, T.RECORD_OUTCOME, {
        "actual_start": "2026-04-13", "actual_end": "2026-04-13", "actual_people": 2,
        "actual_days": 1, "actual_materials": ["低保名册", "救助台账"]})
    drive.do("dg_cadre", first, T.RATE_BURDEN, {"burden_rating": 4,
                                                "rating_comment": "准备材料用了两天"})
    world.burden["planned"] = drive.approve(draft(
        session, ["dgz-v1"], inspection_type="research", people=2,
        window_start="2026-05-06", window_end="2026-05-06"))
    merged = world.burden["merged"] = drive.to_checks(draft(session, ["dgz-v2"]))
    drive.do("mz_clerk", merged, T.RESOLVE_OVERLAP,
             {"overlap_decision": "merge", "merge_with": first})
    rejected = world.burden["rejected"] = drive.to_checks(draft(
        session, ["dgz-v3"], window_start="2026-06-08", window_end="2026-06-08"))
    drive.do("dg_official", rejected, T.TOWN_REVIEW, {"town_decision": "agree"})
    drive.do("nb_staff", rejected, T.APPROVE_REQUEST,
             {"approval_decision": "reject", "comment": "与年度考核重复"})
    objected = world.burden["objected"] = drive.to_checks(draft(
        session, ["dgz-v2"], window_start="2026-06-01", window_end="2026-06-02"))
    drive.do("dg_official", objected, T.TOWN_REVIEW,
             {"town_decision": "object", "objection": "农忙"})

    meeting = str(ProcessId.MEETING_REQUEST)
    base = {"attendees": "村党支部书记", "town_ids": [], "mode": "on_site",
            "preferred_date": "2026-03-10"}
    plans = {
        "training": ({**base, "purpose": "低保政策培训", "village_ids": [v1], "hours": 1.5}, ""),
        "town_wide": ({**base, "purpose": "防灾减灾部署", "village_ids": [],
                       "town_ids": [unit_id(session, "dgz")], "hours": 1.0,
                       "mode": "online"}, ""),
        "urgent": ({**base, "purpose": "防汛紧急部署", "village_ids": [v2], "hours": 2.0,
                    "urgent": True, "urgent_reason": "汛期", "urgent_date": "2026-03-20"},
                   "approve"),
        "refused": ({**base, "purpose": "临时统计布置", "village_ids": [v2], "hours": 1.0,
                     "urgent": True, "urgent_reason": "上级要求",
                     "urgent_date": "2026-03-25"}, "refuse"),
    }
    for name, (fields, urgent) in plans.items():
        res = cases.start_case(session, actor(session, "mz_clerk"), meeting,
                               {"title": str(fields["purpose"])}, now=drive.tick())
        drive.do("mz_clerk", res.case_id, MeetingTask.DRAFT_MEETING, fields)
        if urgent:
            drive.do("nb_staff", res.case_id, MeetingTask.APPROVE_URGENT,
                     {"urgent_decision": urgent, "comment": "" if urgent == "approve" else "合并"})
        world.burden[name] = res.case_id
