"""Demo data of measures 7 and 8 (docs/pilots.md), made through the real commands: plan
checks of four towns at each step, the pilot complaint variant of 大观镇 deployed by the
administrator and approved by 区委农办 (and 木凉镇's waiting for approval), complaints on
the variant and on the standard version taken to their return visit, and three innovation
practices (one adopted district-wide)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from workflows.complaints import filing as complaints
from workflows.complaints.filing import ComplaintSettings
from workflows.kernel import access, cases, orgs
from workflows.kernel.access import Actor
from workflows.kernel.ids import PlanCheckTask, PracticeTask, VariantTask
from workflows.pilots import variants
from workflows.pilots.forms import PLAN_CHECK, PRACTICE

# The towns' clerks who record their plans and practices (大观镇's is a base demo user).
USERS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("ml_clerk", "木凉镇经办人（演示）", [(access.CLERK, "mlz")]),
    ("xl_clerk", "兴隆镇经办人（演示）", [(access.CLERK, "xlz")]),
    ("ht_clerk", "河图镇经办人（演示）", [(access.CLERK, "htz")]),
]
VARIANT_FILE = "burden_complaint.bpmn"


def _do(session: Session, who: Actor, case_id: int, task_id: str, fields: dict[str, Any],
        at: datetime) -> None:
    _, state = cases.get_case(session, who, case_id)
    task = next(t for t in state.tasks.values() if t.state == "open" and t.task_id == task_id)
    cases.complete_task(session, who, case_id, task.task_uuid, fields, now=at)


def _unit(session: Session, code: str) -> int:
    unit = orgs.by_code(session, code)
    assert unit is not None
    return unit.id


def _plans(session: Session, actors: dict[str, Actor], t: datetime) -> None:
    office = actors["nb_staff"]
    named = {"names_burden_reduction": True,
             "excerpt": "持续纠治形式主义、官僚主义，切实为基层减负，明确减轻村级组织负担。"}
    dg = cases.start_case(session, actors["dg_official"], PLAN_CHECK, {
        "title": "大观镇国民经济和社会发展第十四个五年规划纲要（演示）",
        "section_reference": "第九章第二节", **named}, org_unit_id=_unit(session, "dgz"), now=t)
    _do(session, office, dg.case_id, PlanCheckTask.CHECK_PLAN,
        {"plan_decision": "confirm", "comment": "已核对规划原文"}, t + timedelta(hours=1))
    cases.start_case(session, actors["ml_clerk"], PLAN_CHECK, {
        "title": "木凉镇“十四五”规划（演示）", "section_reference": "第六章", **named},
        now=t + timedelta(hours=2))
    xl = cases.start_case(session, actors["xl_clerk"], PLAN_CHECK, {
        "title": "兴隆镇“十四五”规划（演示）", "names_burden_reduction": False},
        now=t + timedelta(hours=3))
    _do(session, office, xl.case_id, PlanCheckTask.CHECK_PLAN,
        {"plan_decision": "return", "comment": "规划未写明减轻村级组织负担，请修订后报送"},
        t + timedelta(hours=4))


def _variants(session: Session, actors: dict[str, Actor], bpmn_dir: Path,
              t: datetime) -> None:
    text = (bpmn_dir / "pilots" / VARIANT_FILE).read_text(encoding="utf-8")
    dg = variants.deploy_variant(session, actors["admin"], {VARIANT_FILE: text.encode()},
                                 _unit(session, "dgz"), "整改时限缩短为不超过5个工作日（演示）",
                                 now=t)
    assert dg.case_id is not None
    _do(session, actors["nb_head"], dg.case_id, VariantTask.APPROVE_VARIANT,
        {"variant_decision": "approve", "comment": ""}, t + timedelta(hours=1))
    # The same shorter limit for 木凉镇, told apart by its note: waiting for 区委农办.
    ml_text = text.replace("Pilot variant (docs/pilots.md): 大观镇", "Pilot variant "
                           "(docs/pilots.md): 木凉镇", 1)
    variants.deploy_variant(session, actors["admin"], {VARIANT_FILE: ml_text.encode()},
                            _unit(session, "mlz"), "试行整改时限不超过5个工作日（演示）",
                            now=t + timedelta(hours=2))


COMPLAINTS = [  # (village, responsible unit, rating): 大观镇's run the variant
    ("dgz-v1", "qmzj", "satisfied"), ("dgz-v3", "qtjj", "satisfied"),
    ("xlz-v2", "qmzj", "partly"), ("htz-v1", "qtjj", "not_satisfied"),
]


def _complaints(session: Session, actors: dict[str, Actor], settings: ComplaintSettings,
                t: datetime) -> None:
    handlers = {"qmzj": "mz_clerk", "qtjj": "tj_clerk"}
    for i, (village_code, unit_code, rating) in enumerate(COMPLAINTS):
        village = orgs.by_code(session, village_code)
        assert village is not None
        at = t + timedelta(hours=6 * i)
        filed = complaints.file_complaint(session, {
            "category": "too_many_forms", "town_id": village.parent_id,
            "village_id": village.id, "anonymous": True,
            "description": "村里每月被要求重复填报同一张统计表。（演示：试点对比）"},
            [], settings=settings, now=at)
        unit = _unit(session, unit_code)
        steps: list[tuple[str, str, dict[str, Any]]] = [
            ("nb_staff", "intake", {"intake_decision": "accept", "category": "too_many_forms",
                                    "responsible_unit_id": unit}),
            (handlers[unit_code], "correction", {
                "correction_outcome": "done", "findings": "确有重复填报",
                "actions_taken": "合并为一张表", "evidence": "整改通知（演示）"}),
            ("dc_staff", "verification", {"verification_decision": "pass"}),
            ("nb_staff", "return_visit", {"rating": rating, "visit_channel": "phone"}),
        ]
        for n, (username, task_id, fields) in enumerate(steps, start=1):
            _do(session, actors[username], filed.case_id, task_id, fields,
                at + timedelta(hours=n))


def _practices(session: Session, actors: dict[str, Actor], t: datetime) -> None:
    office = actors["nb_head"]
    score = cases.start_case(session, actors["dg_official"], PRACTICE, {
        "title": "村级事务“积分制”管理（演示）",
        "tried": "村民参与村务按积分兑换服务，村干部不再逐户催办。",
        "results": "半年内村民参与率由40%升至75%，村干部催办时间减少一半。",
        "evidence": "大观镇工作简报第12期（演示）"}, org_unit_id=_unit(session, "dgz"), now=t)
    _do(session, office, score.case_id, PracticeTask.REVIEW_PRACTICE,
        {"practice_decision": "adopt", "comment": "在全区推广"}, t + timedelta(hours=1))
    table = cases.start_case(session, actors["ht_clerk"], PRACTICE, {
        "title": "“一表通”村级报表（演示）",
        "tried": "镇内各站所报表统一为一张村级基础信息表，由镇里共享。",
        "results": "村级每月填报表格由11张减为3张。", "evidence": ""}, now=t + timedelta(hours=2))
    _do(session, office, table.case_id, PracticeTask.REVIEW_PRACTICE,
        {"practice_decision": "note", "comment": ""}, t + timedelta(hours=3))
    cases.start_case(session, actors["ml_clerk"], PRACTICE, {
        "title": "村务“代办员”制度（演示）",
        "tried": "每村设一名代办员统一对接上级部门事项。",
        "results": "试行三个月，村干部接待部门人次下降三成。", "evidence": ""},
        now=t + timedelta(hours=4))


def load(session: Session, actors: dict[str, Actor], bpmn_dir: Path,
         settings: ComplaintSettings, now: datetime) -> None:
    t = now - timedelta(days=20)
    _plans(session, actors, t)
    _variants(session, actors, bpmn_dir, t + timedelta(days=1))
    _complaints(session, actors, settings, t + timedelta(days=2))
    _practices(session, actors, t + timedelta(days=3))
