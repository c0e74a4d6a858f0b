"""The village lists through the real commands (docs/lists.md): the demo data, the registry
rebuilt from the events equal to the live one, the service-purchase rule repeated at approval
(refused one after the other, and when two approvals race for one agreement), and who may
start what."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from models import (
    Case,
    CaseEvent,
    ListEntry,
    ListEntryVersion,
    ServicePurchase,
    User,
    VillagePlaque,
    utcnow,
)
from tests.integration.harness import (
    fresh_definition_cache,  # noqa: F401
    history_problems,
    mp_context,
)
from tests.integration.harness.quota_procs import approval_racer
from tests.integration.inspection_world import (
    InspectionDriver,
    copy_demo,
    demo_template,
    draft,
    meeting,
    unit_id,
)
from workflows.inspections import ledger as village_ledger
from workflows.kernel import access, cases, orgs
from workflows.kernel.access import Actor
from workflows.kernel.errors import ConflictError, NotAllowedError, ValidationFailedError
from workflows.kernel.ids import InspectionTask, ProcessId, WorkTask
from workflows.lists import assignments, plaques, registry, work_ledger
from workflows.lists.demo import Driver

NONE = {"paying_unit_id": None, "amount": None, "budget_line": "", "agreement_ref": "",
        "payment_schedule": ""}


NOW = utcnow()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("lists"), NOW, lists=True)


@pytest.fixture
def world(sessions: sessionmaker[Session], template: Path) -> Iterator[sessionmaker[Session]]:
    """The demo world with the lists (a copy of the module's template on SQLite)."""
    copy_demo(sessions, template, NOW, lists=True)
    yield sessions


def actors(s: Session) -> dict[str, Actor]:
    return {u.username: access.load_actor(s, u.id) for u in s.scalars(select(User))}


def driver(s: Session) -> Driver:
    return Driver(s, actors(s), utcnow())


def snapshot(s: Session) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "entries": sorted((e.id, e.list_kind, e.code, e.current_version, e.status, e.unit_id,
                           e.in_force_from, e.in_force_to) for e in s.scalars(select(ListEntry))),
        "versions": sorted((v.entry_id, v.version, v.change_kind, v.title, v.description,
                            v.unit_id, v.in_force_from, v.in_force_to, v.case_id,
                            v.published_by, v.published_at)
                           for v in s.scalars(select(ListEntryVersion))),
        "plaques": sorted((p.id, p.village_id, p.name, p.entry_id, p.status, p.hung_on,
                           p.ended_on, p.merged_into, p.ended_by_case)
                          for p in s.scalars(select(VillagePlaque))),
        "purchases": sorted((p.case_id, p.paying_unit_id, p.amount, p.agreement_ref,
                             p.approved_at) for p in s.scalars(select(ServicePurchase))),
    }


def test_the_demo_runs_through_the_processes_and_the_registry_rebuilds_equal(world) -> None:
    with world() as s:
        today = (utcnow() + timedelta(hours=8)).date()
        assert registry.counts(s, today) == {"self_governance": 3, "assistance": 6,
                                             "certificate": 3, "plaque": 4}
        statuses = Counter((c.case_type, c.status) for c in s.scalars(select(Case)).all()
                           if c.case_type in ("list_change", "plaque_change",
                                              "work_assignment"))
        assert statuses[("list_change", "published")] == 19
        assert statuses[("list_change", "review")] == 1
        assert statuses[("plaque_change", "hung")] == 3
        assert statuses[("plaque_change", "recorded")] == 1
        assert statuses[("work_assignment", "approved")] == 2
        village = orgs.by_code(s, "dgz-v1")
        assert village is not None
        assert plaques.hanging_counts(s)[village.id] == 2  # 3 hung, one merged
        live = snapshot(s)
        assert len(live["purchases"]) == 1 and live["purchases"][0][3] == "NC-GM-2026-001"
        done = registry.rebuild(s)
        assert done == {"versions": 19, "plaques": 4, "purchases": 1}
        assert snapshot(s) == live
        assert history_problems(s) == []


def _listed_entry(s: Session, title: str) -> ListEntry:
    row = next(r for r in registry.rows(s) if r.title == title)
    entry = s.get(ListEntry, row.entry_id)
    assert entry is not None
    return entry


def at_approval(d: Driver, title: str, finding: str, purchase: dict[str, Any] | None,
                code: str = "") -> int:
    villages = [d.unit("mlz-v1"), d.unit("mlz-v2")]
    case_id = d.start("qnyw_clerk", ProcessId.WORK_ASSIGNMENT, {"title": title})
    today = (d.t + timedelta(hours=8)).date()
    d.do("qnyw_clerk", case_id, WorkTask.DRAFT_ASSIGNMENT, {
        "task_title": title, "task_description": f"{title}：各村按要求逐户完成并上报。",
        "village_ids": villages, "town_ids": [], "start_on": (today + timedelta(days=3))
        .isoformat(), "end_on": (today + timedelta(days=30)).isoformat(),
        **(purchase or NONE)})
    d.do("nb_staff", case_id, WorkTask.REVIEW_ASSIGNMENT, {
        "review_decision": "forward", "list_finding": finding, "list_entry_code": code})
    return case_id


def purchase(ref: str) -> dict[str, Any]:
    return {"paying_unit_id": None, "amount": 5000.0, "budget_line": "农业农村专项",
            "agreement_ref": ref, "payment_schedule": "验收合格后一次付清"}


def test_work_off_the_lists_without_a_purchase_goes_back_with_the_reason(world) -> None:
    with world() as s:
        d = driver(s)
        case_id = at_approval(d, "村级秸秆台账录入", "off_list", None)
        s.expire_all()
        case = s.get(Case, case_id)
        assert case is not None and case.status == "returned"
        _case, state = cases.get_case(s, d.actors["qnyw_clerk"], case_id)
        assert "购买服务" in state.data["returns"][-1]["reason"]
        assert [t.task_id for t in state.tasks.values() if t.state == "open"] == [
            WorkTask.DRAFT_ASSIGNMENT]


def test_approval_repeats_the_rule_and_refuses_without_a_record(world) -> None:
    with world() as s:
        d = driver(s)
        qnyw = d.unit("qnyw")
        # 1. Found on the list at the review; the entry is removed before the approval.
        entry = _listed_entry(s, "协助耕地保护巡查")
        listed = at_approval(d, "耕地撂荒巡查", "on_list", None, entry.code)
        d.entry(("assistance", "qnyw_clerk", "qnyw", "协助耕地保护巡查", "协助巡查。", "依据"),
                "2026-01-01", change="remove", entry_id=entry.id, note="并入其他事项")
        with pytest.raises(ValidationFailedError) as refused:
            d.do("office_qzf", listed, WorkTask.APPROVE_ASSIGNMENT,
                 {"approval_decision": "approve"})
        reasons = refused.value.fields["approval_decision"]
        assert "购买服务" in reasons[0] and f"{entry.code} is no longer in force" in reasons
        d.do("office_qzf", listed, WorkTask.APPROVE_ASSIGNMENT,
             {"approval_decision": "return", "comment": "清单事项已撤销，请补充购买服务记录"})
        # 2. Two requests paid by one agreement: the second approval is refused.
        first = at_approval(d, "集体经济台账整理", "off_list",
                            {**purchase("NC-2026-77"), "paying_unit_id": qnyw})
        second = at_approval(d, "农房信息采集", "off_list",
                             {**purchase("NC-2026-77"), "paying_unit_id": qnyw})
        d.do("office_qzf", first, WorkTask.APPROVE_ASSIGNMENT, {"approval_decision": "approve"})
        with pytest.raises(ValidationFailedError) as refused:
            d.do("office_qzf", second, WorkTask.APPROVE_ASSIGNMENT,
                 {"approval_decision": "approve"})
        assert f"the agreement already pays for work assignment {first}" in \
            refused.value.fields["approval_decision"]
        rows = s.scalars(select(ServicePurchase).where(
            ServicePurchase.agreement_ref == "NC-2026-77")).all()
        assert [r.case_id for r in rows] == [first]
        # A new draft naming the taken agreement is refused on its field.
        d.do("office_qzf", second, WorkTask.APPROVE_ASSIGNMENT,
             {"approval_decision": "return", "comment": "协议已被占用"})
        with pytest.raises(ValidationFailedError) as refused:
            d.do("qnyw_clerk", second, WorkTask.DRAFT_ASSIGNMENT, {
                "task_title": "农房信息采集", "task_description": "各村逐户采集农房信息并上报。",
                "village_ids": [d.unit("mlz-v1")], "town_ids": [], "start_on": "2030-01-01",
                "end_on": "2030-01-31", **purchase("NC-2026-77"), "paying_unit_id": qnyw})
        assert "agreement_ref" in refused.value.fields
        s.commit()
        assert history_problems(s) == []


def test_without_the_recheck_the_unique_agreement_still_refuses(world, monkeypatch) -> None:
    """Broken variant: the approval no longer looks for the agreement's other assignment
    (`agreement_user` finds nothing). The second approval then reaches the insert of its
    service purchase, whose unique agreement makes it a conflict: never two rows."""
    with world() as s:
        d = driver(s)
        qnyw = d.unit("qnyw")
        first, second = (at_approval(d, f"台账录入{n}", "off_list",
                                     {**purchase("NC-BROKEN"), "paying_unit_id": qnyw})
                         for n in (1, 2))
        monkeypatch.setattr(assignments, "agreement_user", lambda *_a: None)
        d.do("office_qzf", first, WorkTask.APPROVE_ASSIGNMENT, {"approval_decision": "approve"})
        with pytest.raises(ConflictError):
            d.do("office_qzf", second, WorkTask.APPROVE_ASSIGNMENT,
                 {"approval_decision": "approve"})
        assert [p.case_id for p in s.scalars(select(ServicePurchase).where(
            ServicePurchase.agreement_ref == "NC-BROKEN"))] == [first]


def race(world: Any, db_url: str, pairs: int = 3) -> tuple[list[tuple[int, str, Any]],
                                                          list[list[int]]]:
    with world() as s:
        d = driver(s)
        qnyw = d.unit("qnyw")
        ids = [[at_approval(d, f"第{n}批台账录入{k}", "off_list",
                            {**purchase(f"RACE-{n}"), "paying_unit_id": qnyw})
                for k in (1, 2)] for n in range(pairs)]
        s.commit()
        targets = []
        for k in (0, 1):
            row = []
            for pair in ids:
                _c, state = cases.get_case(s, d.actors["office_qzf"], pair[k])
                uuid = next(t.task_uuid for t in state.tasks.values() if t.state == "open")
                row.append((pair[k], uuid))
            targets.append(row)
    ctx = mp_context()
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=approval_racer, args=(db_url, "office_qzf", t, barrier, out))
             for t in targets]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in out.get(timeout=300)]
    for p in procs:
        p.join(10)
        assert p.exitcode == 0
    return results, ids


def test_two_approvals_racing_for_one_agreement(world, db_url) -> None:
    results, ids = race(world, db_url)
    assert [r for r in results if r[1] == "other"] == []
    kinds = Counter(kind for _, kind, _ in results)
    assert kinds["ok"] == 3 and kinds["conflict"] + kinds["refused"] == 3, kinds
    winners = {cid for cid, kind, _ in results if kind == "ok"}
    with world() as s:
        office = access.load_actor(s, s.scalar(select(User.id).where(
            User.username == "office_qzf")))
        for pair in ids:
            assert len([c for c in pair if c in winners]) == 1
            loser = next(c for c in pair if c not in winners)
            _c, state = cases.get_case(s, office, loser)
            uuid = next(t.task_uuid for t in state.tasks.values() if t.state == "open")
            with pytest.raises(ValidationFailedError):  # the retry is refused
                cases.complete_task(s, office, loser, uuid, {"approval_decision": "approve"})
        refs = Counter(p.agreement_ref for p in s.scalars(select(ServicePurchase)))
        assert all(n == 1 for n in refs.values()) and len(refs) == 4  # 3 raced + the demo's
        live = snapshot(s)
        registry.rebuild(s)
        assert snapshot(s) == live
        assert history_problems(s) == []


@pytest.mark.parametrize("username,process,fields,error", [
    ("dg_cadre", ProcessId.LIST_CHANGE, {"title": "x新增", "list_kind": "assistance",
                                         "change_kind": "add"}, NotAllowedError),
    ("dg_official", ProcessId.LIST_CHANGE, {"title": "镇里新增", "list_kind": "assistance",
                                            "change_kind": "add"}, NotAllowedError),
    ("mz_clerk", ProcessId.PLAQUE_CHANGE, {"title": "挂牌", "change_kind": "add",
                                           "village_id": 1, "entry_id": 1}, NotAllowedError),
    ("dg_official", ProcessId.WORK_ASSIGNMENT, {"title": "镇里派活"}, NotAllowedError),
])
def test_who_may_start_what(world, username: str, process: ProcessId, fields: dict[str, Any],
                            error: type[Exception]) -> None:
    with world() as s, pytest.raises(error):
        cases.start_case(s, actors(s)[username], str(process), fields)


def test_a_department_changes_only_the_entries_it_serves(world) -> None:
    with world() as s:
        entry = _listed_entry(s, "协助统计调查入户登记")  # served by 统计局
        who = actors(s)
        with pytest.raises(NotAllowedError):
            cases.start_case(s, who["mz_clerk"], str(ProcessId.LIST_CHANGE), {
                "title": "改统计局的事项", "list_kind": "assistance", "change_kind": "amend",
                "entry_id": entry.id})
        # 区委农办 may change any entry; a second open proposal is refused.
        cases.start_case(s, who["nb_clerk"], str(ProcessId.LIST_CHANGE), {
            "title": "修改", "list_kind": "assistance", "change_kind": "amend",
            "entry_id": entry.id})
        with pytest.raises(ValidationFailedError):
            cases.start_case(s, who["tj_clerk"], str(ProcessId.LIST_CHANGE), {
                "title": "再修改", "list_kind": "assistance", "change_kind": "amend",
                "entry_id": entry.id})


def test_merging_a_plaque_merged_meanwhile_is_a_conflict(world) -> None:
    with world() as s:
        d = driver(s)
        village = d.unit("dgz-v1")
        hung = [p for p in plaques.plaques_of(s, village) if p.status == "hung"]
        assert len(hung) == 2
        d.start("dg_official", ProcessId.PLAQUE_CHANGE, {
            "title": "撤销", "change_kind": "remove", "village_id": village,
            "plaque_id": hung[0].id, "note": "不再需要"})
        with pytest.raises(ValidationFailedError):
            d.start("dg_official", ProcessId.PLAQUE_CHANGE, {
                "title": "再撤销", "change_kind": "remove", "village_id": village,
                "plaque_id": hung[0].id, "note": "不再需要"})
        with pytest.raises((ConflictError, ValidationFailedError)):
            d.start("dg_official", ProcessId.PLAQUE_CHANGE, {
                "title": "整合", "change_kind": "merge", "village_id": village,
                "plaque_id": hung[1].id, "merge_into_id": hung[0].id, "note": "合署"})


# ---------------------------------------------------------------- the rule for other requests


def test_inspections_and_meetings_outside_the_lists_must_be_bought(world) -> None:
    """Item 5: an inspection approval and a meeting filing run the same rule
    (`purchase_rule.check_request`): work on a list passes, work on neither is refused with
    the reason until the department has bought it through a work assignment; the village
    ledger then shows the paid and the unpaid work apart."""
    with world() as s:
        drive = InspectionDriver(s, utcnow())
        today = (utcnow() + timedelta(hours=8)).date()

        def window(days: int) -> dict[str, str]:
            return {"window_start": (today + timedelta(days=days)).isoformat(),
                    "window_end": (today + timedelta(days=days + 1)).isoformat()}

        listed = drive.approve(draft(s, ["dgz-v1"], purpose="检查农村低保动态管理台账",
                                     **window(30)))
        checks = s.scalars(select(CaseEvent.inputs).where(
            CaseEvent.case_id == listed, CaseEvent.task_id == InspectionTask.APPROVE_REQUEST)
        ).one()["data"]["work_check"]
        assert checks["result"] == "on_list" and checks["match"]["title"] == "协助办理农村低保申请"
        solar = "检查村级光伏电站设备运行和发电收益台账"
        off = drive.to_checks(draft(s, ["dgz-v2"], purpose=solar, **window(120)))
        drive.do("dg_official", off, InspectionTask.TOWN_REVIEW, {"town_decision": "agree"})
        with pytest.raises(ValidationFailedError) as refused:
            drive.do("nb_staff", off, InspectionTask.APPROVE_REQUEST,
                     {"approval_decision": "approve"})
        reason = refused.value.fields["approval_decision"][-1]
        assert "购买服务" in reason and "村级工作事项准入" in reason
        meeting_fields = {"purpose": "村级光伏电站设备运行维护培训",
                          "attendees": "村会计", "village_ids": [unit_id(s, "dgz-v2")],
                          "town_ids": [], "hours": 1.0, "mode": "on_site",
                          "preferred_date": (today + timedelta(days=40)).isoformat()}
        with pytest.raises(ValidationFailedError) as refused:
            meeting(drive, "mz_clerk", meeting_fields)
        assert "村级工作事项准入" in refused.value.fields.get("purpose", [""])[0], \
            refused.value.fields
        # 民政局 buys the work, then the same inspection passes as bought.
        d = driver(s)
        d.t = drive.t
        bought = d.start("mz_clerk", ProcessId.WORK_ASSIGNMENT, {"title": "光伏电站运行台账"})
        d.do("mz_clerk", bought, WorkTask.DRAFT_ASSIGNMENT, {
            "task_title": "村级光伏电站运行台账",
            "task_description": "各村登记光伏电站设备运行和发电收益台账。",
            "village_ids": [unit_id(s, "dgz-v2")], "town_ids": [],
            "start_on": today.isoformat(), "end_on": (today + timedelta(days=365)).isoformat(),
            **purchase("MZ-GF-1"), "paying_unit_id": unit_id(s, "qmzj")})
        d.do("nb_staff", bought, WorkTask.REVIEW_ASSIGNMENT, {
            "review_decision": "forward", "list_finding": "off_list", "list_entry_code": ""})
        d.do("office_qzf", bought, WorkTask.APPROVE_ASSIGNMENT, {"approval_decision": "approve"})
        drive.t = d.t
        drive.do("nb_staff", off, InspectionTask.APPROVE_REQUEST, {"approval_decision": "approve"})
        check = s.scalars(select(CaseEvent.inputs).where(
            CaseEvent.case_id == off, CaseEvent.task_id == InspectionTask.APPROVE_REQUEST)
        ).all()[-1]["data"]["work_check"]
        assert check["result"] == "purchased" and check["purchase_case_id"] == bought
        assert work_ledger.paid_of(check) == "paid"
        meeting(drive, "mz_clerk", meeting_fields)  # now bought: filed
        # The ledger: paid and unpaid work apart, and the plaques hanging.
        villages, rows = village_ledger.village_ledger(s, actors(s)["nb_staff"])
        v2 = unit_id(s, "dgz-v2")
        paid = sum(r.paid_work for (vid, _m), r in rows.items() if vid == v2)
        unpaid = sum(r.unpaid_work for (vid, _m), r in rows.items() if vid == v2)
        amount = sum(r.paid_amount for (vid, _m), r in rows.items() if vid == v2)
        # 集体资产清查 (the demo's, 12000 / 3 villages) and 光伏 (5000, one village): paid;
        # 低保复核 (the demo's, on the list): unpaid.
        assert (paid, unpaid, amount) == (2, 1, 9000.0)
        totals = village_ledger.totals(rows)
        assert totals["paid_work"] == 4 and totals["unpaid_work"] == 3
        assert village_ledger.plaques_hanging(s, villages)[unit_id(s, "dgz-v1")] == 2
        s.commit()
        assert history_problems(s) == []


def test_race_without_the_unique_agreement_is_caught(world, db_url) -> None:
    """Broken variant: the unique agreement reference dropped. Racing approvals then both
    pass the re-check (neither sees the other's uncommitted purchase) and both commit: the
    constraint is what holds. Only PostgreSQL runs writers concurrently; SQLite's BEGIN
    IMMEDIATE serializes them, so the race cannot happen there (the test above covers it)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serializes writers (BEGIN IMMEDIATE): no race to catch")
    with world() as s:
        s.execute(text("ALTER TABLE service_purchase DROP CONSTRAINT "
                       "uq_service_purchase_agreement_ref"))
        s.commit()
    race(world, db_url)
    with world() as s:
        refs = Counter(p.agreement_ref for p in s.scalars(select(ServicePurchase)))
        assert any(n > 1 for n in refs.values()), "the harness must see an agreement paid twice"
