"""Every path through inspection_request and every row of its decision tables, driven only
through snapshots (docs/inspections.md).

draft -> head review (return | approve + check_facts) -> inspection_limits (one row per type)
-> inspection_check (items_invalid | limit_exceeded | quota_exceeded | overlap | pass) ->
overlap: merge | reschedule; pass: one town review per town in parallel (any objection ->
draft) -> 区委农办, or 区委督查办 for a supervision (return | reject | approve) -> scheduled ->
outcome -> one burden rating per village in parallel -> closed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.bpmn.conftest import BPMN_DIR, SnapshotDriver
from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.ids import InspectionElement, InspectionTask, ProcessId
from workflows.kernel.processes import bundle, content_hash

T = InspectionTask
CST = timezone(timedelta(hours=8))
SCOPES = {"clerk": 11, "unit_head": 11, "burden_office": 15, "supervisor": 16}
START = {"title": "2026年二季度村级民政工作检查", "owner_unit_id": 11, "lane_scopes": SCOPES}
VILLAGES = [{"unit_id": 31, "name": "一村", "town_id": 30},
            {"unit_id": 32, "name": "二村", "town_id": 30},
            {"unit_id": 41, "name": "三村", "town_id": 40}]
TOWNS = [{"unit_id": 30, "name": "甲镇", "village_ids": [31, 32]},
         {"unit_id": 40, "name": "乙镇", "village_ids": [41]}]


def draft(**over: Any) -> dict[str, Any]:
    base = {"inspection_type": "business", "purpose": "检查低保台账", "item_ids": [],
            "legal_basis": "", "village_ids": [31, 32, 41], "town_ids": [],
            "window_start": "2026-04-13", "window_end": "2026-04-14", "people": 3, "days": 1,
            "materials": [{"name": "低保名册", "already_held": True}],
            "villages": VILLAGES, "towns": TOWNS}
    return {**base, **over}


def facts(**over: Any) -> dict[str, Any]:
    base = {"items_ok": True, "invalid_items": [], "village_counts": [], "quarter_count": 1,
            "year_count": 1, "busiest": "一村", "overlap_count": 0, "overlaps": []}
    return {**base, **over}


OVERLAP = {"case_id": 7, "title": "人居环境检查", "owner_unit_id": 12,
           "inspection_type": "business", "window_start": "2026-04-14",
           "window_end": "2026-04-15", "villages": ["一村"]}


def cst(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CST)


@pytest.fixture(scope="module")
def definition() -> engine.ProcessDefinition:
    process_id = str(ProcessId.INSPECTION_REQUEST)
    sources = bundle(BPMN_DIR, process_id)
    return engine.ProcessDefinition(process_id, content_hash(sources), sources)


@pytest.fixture
def new_case(definition: engine.ProcessDefinition, calendar: WorkCalendar):
    def make(case: str = "inspection-1") -> SnapshotDriver:
        return SnapshotDriver(definition, calendar, case)

    return make


def open_tasks(result: engine.EngineResult) -> list[tuple[str, str | None]]:
    return sorted((t.task_id, t.lane) for t in result.ready)


def checked(case: SnapshotDriver, check: dict[str, Any] | None = None,
            **draft_over: Any) -> engine.EngineResult:
    case.start(dict(START), cst(3, 2, 9))
    case.complete(T.DRAFT_REQUEST, draft(**draft_over), cst(3, 2, 10))
    return case.complete(T.HEAD_REVIEW, {"head_decision": "approve", "comment": "",
                                         "check_facts": check or facts()}, cst(3, 3))


def complete_each(case: SnapshotDriver, result: engine.EngineResult, task_id: str,
                  answer: Any, at: datetime) -> engine.EngineResult:
    """Complete every open instance of `task_id`; answer(task) gives its form."""
    for t in [t for t in result.ready if t.task_id == task_id]:
        assert case.snapshot is not None
        result = case._saved(engine.complete_task(
            case.defn, case.snapshot, t.uuid, answer(t), seed=case._seed(), now=at,
            calendar=case.calendar))
    return result


def agree(_: engine.ReadyTask) -> dict[str, Any]:
    return {"town_decision": "agree", "objection": ""}


def approved(case: SnapshotDriver, **draft_over: Any) -> engine.EngineResult:
    result = checked(case, **draft_over)
    result = complete_each(case, result, T.TOWN_REVIEW, agree, cst(3, 4))
    task = T.APPROVE_SUPERVISION if draft_over.get("inspection_type") == "supervision" \
        else T.APPROVE_REQUEST
    return case.complete(task, {"approval_decision": "approve", "comment": ""}, cst(3, 5))


# ------------------------------------------------------------------ draft and head review


def test_start_opens_the_draft_for_the_clerk(new_case):
    result = new_case().start(dict(START), cst(3, 2))
    assert open_tasks(result) == [(T.DRAFT_REQUEST, "clerk")]
    assert result.data["case_status"] == "drafting"
    assert result.data["returns"] == [] and result.data["checks"] == []


def test_head_return_goes_back_to_the_draft_with_the_reason(new_case):
    case = new_case()
    case.start(dict(START), cst(3, 2, 9))
    result = case.complete(T.DRAFT_REQUEST, draft(), cst(3, 2, 10))
    assert open_tasks(result) == [(T.HEAD_REVIEW, "unit_head")]
    assert result.data["case_status"] == "head_review"
    result = case.complete(T.HEAD_REVIEW, {"head_decision": "return", "comment": "人数太多"},
                           cst(3, 2, 11))
    assert open_tasks(result) == [(T.DRAFT_REQUEST, "clerk")]
    assert InspectionElement.RECORD_HEAD_RETURN in result.finished_task_ids
    assert result.data["returns"] == [{"stage": "head_review", "reason": "人数太多",
                                       "at": "2026-03-02T11:00:00+08:00"}]
    assert result.data["case_status"] == "returned"


# ------------------------------------------------------------------ inspection_limits rows

LIMITS = {  # type: (quarter quota, year quota, max people, max days)
    "assessment": (1, 2, 5, 2),
    "supervision": (1, 2, 6, 2),
    "law_enforcement": (2, 6, 4, 1),
    "business": (2, 4, 3, 1),
    "research": (1, 4, 3, 1),
}


@pytest.mark.parametrize("kind", sorted(LIMITS))
def test_every_limits_row_gives_its_type_quotas_and_passes_within_them(new_case, kind):
    q, y, people, days = LIMITS[kind]
    result = checked(new_case(), facts(quarter_count=q, year_count=y),
                     inspection_type=kind, people=people, days=days)
    assert (result.data["quarter_quota"], result.data["year_quota"],
            result.data["max_people"], result.data["max_days"]) == LIMITS[kind]
    assert result.data["check_result"] == "pass"
    assert result.data["checks"][-1]["limits"] == {
        "quarter_quota": q, "year_quota": y, "max_people": people, "max_days": days}
    assert {t.task_id for t in result.ready} == {T.TOWN_REVIEW}


# ------------------------------------------------------------------ inspection_check rows


@pytest.mark.parametrize(("name", "check", "over", "result_", "words"), [
    ("items_invalid", facts(items_ok=False, invalid_items=["KH-2026-009"]), {},
     "items_invalid", "KH-2026-009"),
    ("people_over", facts(), {"people": 4}, "limit_exceeded", "最多 3 人"),
    ("days_over", facts(), {"days": 2}, "limit_exceeded", "1 天"),
    ("quarter_quota", facts(quarter_count=3, busiest="二村"), {}, "quota_exceeded", "二村"),
    ("year_quota", facts(year_count=5), {}, "quota_exceeded", "每年最多 4 次"),
    ("items_before_limits", facts(items_ok=False, invalid_items=["#3"], quarter_count=9),
     {"people": 9}, "items_invalid", "#3"),
    ("limits_before_quota", facts(quarter_count=9), {"people": 9}, "limit_exceeded", "人数"),
])
def test_every_failing_check_row_returns_the_draft_with_its_reason(new_case, name, check,
                                                                   over, result_, words):
    result = checked(new_case(name), check, **over)
    assert result.data["check_result"] == result_
    assert words in result.data["check_reason"]
    assert open_tasks(result) == [(T.DRAFT_REQUEST, "clerk")]
    assert InspectionElement.RECORD_CHECK_FAILURE in result.finished_task_ids
    assert result.data["returns"][-1]["stage"] == "checks"
    assert result.data["returns"][-1]["reason"] == result.data["check_reason"]
    assert result.data["checks"][-1]["result"] == result_
    assert result.data["checks"][-1]["facts"] == check


def test_a_quota_exceeded_only_with_an_overlap_is_still_a_quota_hit(new_case):
    result = checked(new_case(), facts(quarter_count=3, overlap_count=1, overlaps=[OVERLAP]))
    assert result.data["check_result"] == "quota_exceeded"


def test_overlap_suggests_a_joint_inspection_and_merge_ends_the_request(new_case):
    case = new_case()
    result = checked(case, facts(overlap_count=1, overlaps=[OVERLAP]))
    assert result.data["check_result"] == "overlap"
    assert "联合检查" in result.data["check_reason"]
    assert open_tasks(result) == [(T.RESOLVE_OVERLAP, "clerk")]
    result = case.complete(T.RESOLVE_OVERLAP, {"overlap_decision": "merge", "merge_with": 7,
                                               "comment": ""}, cst(3, 4))
    assert result.completed and InspectionElement.RECORD_MERGE in result.finished_task_ids
    assert result.data["case_status"] == "merged" and result.data["merged_into"] == 7


def test_overlap_reschedule_goes_back_to_the_draft(new_case):
    case = new_case()
    checked(case, facts(overlap_count=1, overlaps=[OVERLAP]))
    result = case.complete(T.RESOLVE_OVERLAP, {"overlap_decision": "reschedule",
                                               "merge_with": None, "comment": "改到五月"},
                           cst(3, 4))
    assert open_tasks(result) == [(T.DRAFT_REQUEST, "clerk")]
    assert result.data["returns"][-1]["stage"] == "overlap"
    # the second round is checked again
    case.complete(T.DRAFT_REQUEST, draft(window_start="2026-05-11", window_end="2026-05-11"),
                  cst(3, 5))
    result = case.complete(T.HEAD_REVIEW, {"head_decision": "approve", "comment": "",
                                           "check_facts": facts()}, cst(3, 6))
    assert result.data["check_result"] == "pass" and len(result.data["checks"]) == 2


# ------------------------------------------------------------------ town review


def test_each_town_reviews_in_parallel_in_its_own_scope(new_case):
    result = checked(new_case())
    towns = sorted((t.task_id, t.lane, t.data["lane_scopes"]["town_official"])
                   for t in result.ready)
    assert towns == [(T.TOWN_REVIEW, "town_official", 30), (T.TOWN_REVIEW, "town_official", 40)]
    assert result.data["case_status"] == "town_review"


def object_at(town_id: int) -> Any:
    def answer(t: engine.ReadyTask) -> dict[str, Any]:
        if t.data["town"]["unit_id"] == town_id:
            return {"town_decision": "object", "objection": "正值秋收"}
        return {"town_decision": "agree", "objection": ""}
    return answer


def test_a_town_objection_returns_the_draft_at_once_and_withdraws_the_other_reviews(new_case):
    """乙镇 objects while 甲镇 has not answered yet: the clerk gets the draft back at once
    (completion condition), 甲镇's review is withdrawn, not left waiting."""
    case = new_case()
    result = checked(case)
    yi = next(t for t in result.ready if t.data["town"]["unit_id"] == 40)
    result = case._saved(engine.complete_task(
        case.defn, case.snapshot, yi.uuid, object_at(40)(yi), seed=case._seed(),
        now=cst(3, 4), calendar=case.calendar))
    assert open_tasks(result) == [(T.DRAFT_REQUEST, "clerk")]
    assert InspectionElement.RECORD_TOWN_OBJECTION in result.finished_task_ids
    back = result.data["returns"][-1]
    assert (back["stage"], back["reason"], back["withdrawn"]) == (
        "town_review", "乙镇: 正值秋收", ["甲镇"])
    assert [(r["town_id"], r["decision"]) for r in result.data["town_reviews"]] == [
        (40, "object")]
    assert result.data["case_status"] == "returned"
    # a second round starts with fresh reviews of every town of the revised request
    case.complete(T.DRAFT_REQUEST, draft(), cst(3, 5))
    result = case.complete(T.HEAD_REVIEW, {"head_decision": "approve", "comment": "",
                                           "check_facts": facts()}, cst(3, 6))
    assert sorted(t.data["town"]["unit_id"] for t in result.ready) == [30, 40]
    result = complete_each(case, result, T.TOWN_REVIEW, agree, cst(3, 9))
    assert sorted(r["town_id"] for r in result.data["town_reviews"]) == [30, 40]
    assert open_tasks(result) == [(T.APPROVE_REQUEST, "burden_office")]


def test_an_objection_after_the_other_towns_agreed_keeps_their_opinions(new_case):
    case = new_case()
    result = checked(case)
    jia = next(t for t in result.ready if t.data["town"]["unit_id"] == 30)
    result = case._saved(engine.complete_task(
        case.defn, case.snapshot, jia.uuid, agree(jia), seed=case._seed(), now=cst(3, 4),
        calendar=case.calendar))
    assert open_tasks(result) == [(T.TOWN_REVIEW, "town_official")]
    result = complete_each(case, result, T.TOWN_REVIEW, object_at(40), cst(3, 4, 11))
    assert open_tasks(result) == [(T.DRAFT_REQUEST, "clerk")]
    assert result.data["returns"][-1]["withdrawn"] == []
    assert sorted((r["town_id"], r["decision"]) for r in result.data["town_reviews"]) == [
        (30, "agree"), (40, "object")]
    # the one-town request of the next round
    case.complete(T.DRAFT_REQUEST, draft(village_ids=[31], villages=VILLAGES[:1],
                                         towns=TOWNS[:1]), cst(3, 5))
    result = case.complete(T.HEAD_REVIEW, {"head_decision": "approve", "comment": "",
                                           "check_facts": facts()}, cst(3, 6))
    result = complete_each(case, result, T.TOWN_REVIEW, agree, cst(3, 9))
    assert [r["town_id"] for r in result.data["town_reviews"]] == [30]
    assert open_tasks(result) == [(T.APPROVE_REQUEST, "burden_office")]


def test_all_towns_agreeing_goes_to_the_burden_office_in_its_scope(new_case):
    case = new_case()
    result = complete_each(case, checked(case), T.TOWN_REVIEW, agree, cst(3, 4))
    assert open_tasks(result) == [(T.APPROVE_REQUEST, "burden_office")]
    assert result.ready[0].data["lane_scopes"] == SCOPES
    assert result.data["case_status"] == "approval"


def test_a_supervision_is_approved_by_the_supervision_office(new_case):
    case = new_case()
    result = checked(case, inspection_type="supervision")
    result = complete_each(case, result, T.TOWN_REVIEW, agree, cst(3, 4))
    assert open_tasks(result) == [(T.APPROVE_SUPERVISION, "supervisor")]


# ------------------------------------------------------------------ approval and after


def test_approval_return_goes_back_to_the_draft(new_case):
    case = new_case()
    result = complete_each(case, checked(case), T.TOWN_REVIEW, agree, cst(3, 4))
    result = case.complete(T.APPROVE_REQUEST, {"approval_decision": "return",
                                               "comment": "与春耕冲突"}, cst(3, 5))
    assert open_tasks(result) == [(T.DRAFT_REQUEST, "clerk")]
    assert result.data["returns"][-1]["stage"] == "approval"


def test_rejection_ends_the_request(new_case):
    case = new_case()
    result = complete_each(case, checked(case), T.TOWN_REVIEW, agree, cst(3, 4))
    result = case.complete(T.APPROVE_REQUEST, {"approval_decision": "reject",
                                               "comment": "无必要"}, cst(3, 5))
    assert result.ready == [] and result.data["case_status"] == "rejected"
    assert result.data["rejection"]["reason"] == "无必要"


VISIT_END = datetime(2026, 4, 14, 18, tzinfo=CST)  # the window's last day, 18:00


def test_approval_schedules_every_village_and_waits_for_the_visit_to_end(new_case):
    case = new_case()
    result = approved(case)
    assert result.data["case_status"] == "scheduled"
    assert [e["village_id"] for e in result.data["calendar_entries"]] == [31, 32, 41]
    assert result.data["calendar_entries"][0] == {
        "village_id": 31, "village_name": "一村", "town_id": 30, "start": "2026-04-13",
        "end": "2026-04-14"}
    assert result.data["visit_ends_at"] == "2026-04-14T18:00:00+08:00"
    # nothing to record before the visit has ended: only the timer waits
    assert result.ready == []
    assert [(t.task_id, t.due_at) for t in result.timers] == [
        (InspectionElement.WAIT_VISIT_END, VISIT_END.astimezone(UTC))]
    assert case.tick(cst(4, 13, 10)).ready == []  # on site, first day
    assert case.tick(VISIT_END - timedelta(seconds=1)).ready == []
    result = case.tick(VISIT_END)
    assert open_tasks(result) == [(T.RECORD_OUTCOME, "clerk")]
    assert InspectionElement.WAIT_VISIT_END in result.finished_task_ids


def test_outcome_ratings_and_closure_after_the_visit(new_case):
    case = new_case()
    approved(case)
    case.tick(VISIT_END)
    result = case.complete(T.RECORD_OUTCOME, {
        "actual_start": "2026-04-13", "actual_end": "2026-04-13", "actual_people": 2,
        "actual_days": 1, "actual_materials": ["低保名册"], "outcome_note": ""}, cst(4, 15))
    scopes = sorted((t.task_id, t.lane, t.data["lane_scopes"]["village_cadre"])
                    for t in result.ready)
    assert scopes == [(T.RATE_BURDEN, "village_cadre", v) for v in (31, 32, 41)]
    assert result.data["case_status"] == "rating"
    ratings = {31: 2, 32: 3, 41: 5}
    result = complete_each(case, result, T.RATE_BURDEN, lambda t: {
        "burden_rating": ratings[t.data["village"]["unit_id"]], "rating_comment": "还行"},
        cst(4, 16))
    assert result.ready == [] and result.data["case_status"] == "closed"
    assert sorted(r["rating"] for r in result.data["village_ratings"]) == [2, 3, 5]
    assert result.data["average_rating"] == 3.33
    assert InspectionElement.CLOSE_REQUEST in result.finished_task_ids


def test_the_supervision_office_approval_joins_the_same_gateway(new_case):
    case = new_case()
    result = approved(case, inspection_type="supervision")
    assert result.data["case_status"] == "scheduled"
    assert [t.task_id for t in result.timers] == [InspectionElement.WAIT_VISIT_END]


def test_every_decision_table_row_is_one_tested_here() -> None:
    """A row added to a table without a path test above fails here."""
    from lxml import etree

    ns = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    rows = {}
    for name in ("inspection_quota.dmn", "inspection_check.dmn"):
        root = etree.parse(str(BPMN_DIR / name), parser).getroot()
        for decision in root.findall("dmn:decision", ns):
            rows[decision.get("id")] = {r.get("id") for r in decision.iter(f"{{{ns['dmn']}}}rule")}
    assert rows == {
        "inspection_limits": {f"limits_{kind}" for kind in LIMITS},
        "inspection_check": {"check_items_invalid", "check_limit_exceeded",
                             "check_quota_exceeded", "check_overlap", "check_pass"},
    }
