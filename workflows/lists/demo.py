"""Demo lists, plaques and work assignments, all through the real processes (so everything is
recomputable from events): the four lists with a few entries each, an amended and a removed
entry (versions with who and when), a proposal waiting at 区委农办's review; three plaques in
大观镇示例村1 with one merged and one request waiting; work assignments approved on the list,
approved as a paid service, returned for a missing service purchase, and waiting at approval.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from workflows.kernel import access, cases, orgs
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.ids import ListTask, PlaqueTask, ProcessId, WorkTask
from workflows.lists import registry

# 区委农办 proposes list changes itself (measure 5): its clerk.
USERS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("nb_clerk", "区委农办经办人（演示）", [(access.CLERK, "qwnb")]),
]
# (list kind, clerk, department code, title, description, legal basis)
ENTRIES: list[tuple[str, str, str, str, str, str]] = [
    ("self_governance", "mz_clerk", "qmzj", "村民委员会选举",
     "依法组织村民委员会换届选举，办理选民登记、候选人提名和投票选举事务。",
     "《中华人民共和国村民委员会组织法》第十一条"),
    ("self_governance", "mz_clerk", "qmzj", "村规民约制定和修订",
     "组织村民会议讨论制定、修订村规民约，报乡镇备案并公布执行。",
     "《中华人民共和国村民委员会组织法》第二十七条"),
    ("self_governance", "mz_clerk", "qmzj", "村务公开和民主评议",
     "按时公开村务、财务事项，组织村民代表会议对村干部开展民主评议。",
     "《中华人民共和国村民委员会组织法》第三十条"),
    ("assistance", "mz_clerk", "qmzj", "协助办理农村低保申请",
     "协助做好农村低保、特困供养对象的申请受理、入户调查和公示，协助更新低保动态管理台账。",
     "《社会救助暂行办法》第十一条；渝民发〔2021〕6号"),
    ("assistance", "mz_clerk", "qmzj", "协助摸排养老服务需求",
     "协助摸排留守老人、困难老人养老服务需求，协助互助养老点日常联络。",
     "渝民发〔2021〕6号"),
    ("assistance", "qnyw_clerk", "qnyw", "协助开展村庄清洁行动",
     "协助组织村庄清洁行动，动员村民清理生活垃圾和道路沟渠、院落卫生。",
     "《农村人居环境整治提升五年行动方案（2021—2025年）》；渝民发〔2021〕6号"),
    ("assistance", "qnyw_clerk", "qnyw", "协助耕地保护巡查",
     "协助巡查耕地非农化、撂荒问题线索，发现后及时报告乡镇。",
     "《中华人民共和国土地管理法》；渝民发〔2021〕6号"),
    ("assistance", "qnyw_clerk", "qnyw", "协助春耕备耕和防汛救灾",
     "协助宣传春耕备耕和农资保障政策；汛期协助转移受灾群众，协助开展临时救助。",
     "《中华人民共和国防洪法》；渝民发〔2021〕6号"),
    ("assistance", "tj_clerk", "qtjj", "协助统计调查入户登记",
     "协助开展人口抽样调查、农业普查等统计调查的入户登记和统计数据核实。",
     "《中华人民共和国统计法》；渝民发〔2021〕6号"),
    ("certificate", "mz_clerk", "qmzj", "亲属关系证明",
     "无法通过户口簿、出生医学证明等材料证明亲属关系时，村民委员会根据了解的情况出具。",
     "渝民发〔2020〕27号"),
    ("certificate", "mz_clerk", "qmzj", "居住情况证明",
     "证明村民在本村实际居住的情况，用于办理入学、社会救助等事项。",
     "渝民发〔2020〕27号"),
    ("certificate", "mz_clerk", "qmzj", "家庭经济困难情况证明",
     "社会救助、助学等事项无法通过部门信息共享核实时，村民委员会如实出具家庭经济困难情况。",
     "渝民发〔2020〕27号"),
    ("plaque", "nb_clerk", "qwnb", "中国共产党村支部委员会",
     "村党组织的牌子。", "《中国共产党农村基层组织工作条例》"),
    ("plaque", "nb_clerk", "qwnb", "村民委员会",
     "村民自治组织的牌子。", "《中华人民共和国村民委员会组织法》"),
    ("plaque", "nb_clerk", "qwnb", "村务监督委员会",
     "村务监督机构的牌子。", "《中华人民共和国村民委员会组织法》第三十二条"),
    ("plaque", "nb_clerk", "qwnb", "村便民服务站",
     "整合各类服务站点的综合便民服务牌子。", "南川委农办〔2021〕6号"),
]
# The removed entry: a second elderly-care assistance item (the first covers it).
REMOVED = ("assistance", "mz_clerk", "qmzj", "协助老年人优待证初审",
           "协助收集老年人优待证申请材料并初审。", "渝民发〔2021〕6号")
WAITING = ("assistance", "tj_clerk", "qtjj", "协助统计普查登记",
           "协助开展农业普查等统计调查的入户登记和数据核实。", "《中华人民共和国统计法》")


class Driver:
    """Runs cases through the processes as the demo users, one command at a time."""

    def __init__(self, session: Session, actors: dict[str, Actor], start: datetime) -> None:
        self.session, self.actors, self.t = session, actors, start

    def tick(self, hours: float = 2) -> datetime:
        self.t += timedelta(hours=hours)
        return self.t

    def start(self, clerk: str, process: ProcessId, fields: dict[str, Any]) -> int:
        return cases.start_case(self.session, self.actors[clerk], str(process), fields,
                                now=self.tick()).case_id

    def do(self, username: str, case_id: int, task_id: str, fields: dict[str, Any]) -> None:
        who = self.actors[username]
        _, state = cases.get_case(self.session, who, case_id)
        task = next(t for t in state.tasks.values() if t.state == "open"
                    and t.task_id == task_id)
        cases.complete_task(self.session, who, case_id, task.task_uuid, fields,
                            now=self.tick())

    def unit(self, code: str) -> int:
        found = orgs.by_code(self.session, code)
        assert found is not None, code
        return found.id

    def entry(self, spec: tuple[str, str, str, str, str, str], day: str, *,
              change: str = "add", entry_id: int | None = None, note: str = "",
              publish: bool = True) -> int:
        kind, clerk, unit, title, description, basis = spec
        case_id = self.start(clerk, ProcessId.LIST_CHANGE, {
            "title": f"{title}（演示）", "list_kind": kind, "change_kind": change,
            "entry_id": entry_id})
        self.do(clerk, case_id, ListTask.DRAFT_ENTRY, {
            "title": title, "entry_description": description, "legal_basis": basis,
            "unit_id": self.unit(unit), "in_force_from": day, "in_force_to": "",
            "change_note": note})
        if publish:
            self.do("nb_staff", case_id, ListTask.REVIEW_ENTRY,
                    {"review_decision": "forward", "duplicate_reason": "与现有事项不同"})
            self.do("office_qzf", case_id, ListTask.SIGN_OFF_ENTRY,
                    {"office_decision": "approve"})
        return case_id


def _lists(drive: Driver, day: str) -> dict[str, int]:
    ids = {spec[3]: drive.entry(spec, day) for spec in ENTRIES}
    removed = drive.entry(REMOVED, day)
    drive.t += timedelta(days=20)
    low = ENTRIES[3]
    drive.entry((*low[:4], low[4] + "协助低保年度复核入户调查。", low[5]), day, change="amend",
                entry_id=ids[low[3]], note="增加年度复核入户调查")
    drive.entry(REMOVED, day, change="remove", entry_id=removed,
                note="已并入“协助摸排养老服务需求”")
    return ids


def _plaques(drive: Driver, ids: dict[str, int]) -> None:
    village = drive.unit("dgz-v1")
    hung = []
    for name in ("中国共产党村支部委员会", "村民委员会", "村便民服务站"):
        case_id = drive.start("dg_official", ProcessId.PLAQUE_CHANGE, {
            "title": f"示例村1挂牌：{name}（演示）", "change_kind": "add",
            "village_id": village, "entry_id": ids[name]})
        drive.do("nb_staff", case_id, PlaqueTask.REVIEW_PLAQUE, {"review_decision": "approve"})
        hung.append(case_id)
    drive.start("dg_official", ProcessId.PLAQUE_CHANGE, {
        "title": "示例村1：便民服务站牌子并入村民委员会（演示）", "change_kind": "merge",
        "village_id": village, "plaque_id": hung[2], "merge_into_id": hung[1],
        "note": "便民服务与村委会合署办公，只挂一块牌子"})
    drive.start("dg_official", ProcessId.PLAQUE_CHANGE, {
        "title": "示例村1挂牌：村务监督委员会（演示）", "change_kind": "add",
        "village_id": village, "entry_id": ids["村务监督委员会"]})


def _assignment(drive: Driver, clerk: str, title: str, draft: dict[str, Any]) -> int:
    case_id = drive.start(clerk, ProcessId.WORK_ASSIGNMENT, {"title": title})
    drive.do(clerk, case_id, WorkTask.DRAFT_ASSIGNMENT, draft)
    return case_id


def _assignments(drive: Driver, now: datetime) -> None:
    today = WorkCalendar.local_date(now)
    start, end = (today + timedelta(days=7)).isoformat(), (today + timedelta(days=37)).isoformat()
    villages = [drive.unit(f"dgz-v{i}") for i in (1, 2, 3)]
    none = {"paying_unit_id": None, "amount": None, "budget_line": "", "agreement_ref": "",
            "payment_schedule": ""}
    listed = _assignment(drive, "mz_clerk", "低保年度复核入户调查（演示）", {
        "task_title": "低保年度复核入户调查",
        "task_description":
            "协助开展农村低保对象年度复核入户调查，核实家庭经济状况并更新低保台账。",
        "village_ids": villages, "town_ids": [],
        "start_on": start, "end_on": end, **none})
    drive.do("nb_staff", listed, WorkTask.REVIEW_ASSIGNMENT, {
        "review_decision": "forward", "list_finding": "on_list", "list_entry_code": "",
        **_code(drive, "协助办理农村低保申请")})
    drive.do("office_qzf", listed, WorkTask.APPROVE_ASSIGNMENT, {"approval_decision": "approve"})
    paid = _assignment(drive, "qnyw_clerk", "集体资产清查数据录入（演示）", {
        "task_title": "农村集体资产清查数据录入",
        "task_description":
            "将村集体经营性资产、资源性资产清查结果逐项录入全国农村集体资产监管平台。",
        "village_ids": villages, "town_ids": [],
        "start_on": start, "end_on": end, "paying_unit_id": drive.unit("qnyw"),
        "amount": 12000.0, "budget_line": "农村综合改革专项资金",
        "agreement_ref": "NC-GM-2026-001", "payment_schedule": "签约后付50%，验收合格后付50%"})
    drive.do("nb_staff", paid, WorkTask.REVIEW_ASSIGNMENT, {
        "review_decision": "forward", "list_finding": "off_list", "list_entry_code": ""})
    drive.do("office_qzf", paid, WorkTask.APPROVE_ASSIGNMENT, {"approval_decision": "approve"})
    unpaid = _assignment(drive, "qnyw_clerk", "高标准农田宣传展板制作（演示）", {
        "task_title": "高标准农田宣传展板制作",
        "task_description": "各村制作并张贴高标准农田建设宣传展板，拍照上报。",
        "village_ids": villages[:1], "town_ids": [],
        "start_on": start, "end_on": end, **none})
    drive.do("nb_staff", unpaid, WorkTask.REVIEW_ASSIGNMENT, {
        "review_decision": "forward", "list_finding": "off_list", "list_entry_code": ""})
    waiting = _assignment(drive, "tj_clerk", "统计调查入户登记（演示）", {
        "task_title": "人口变动抽样调查入户登记",
        "task_description": "协助开展人口变动抽样调查的入户登记和数据核实。",
        "village_ids": villages[1:], "town_ids": [],
        "start_on": start, "end_on": end, **none})
    drive.do("nb_staff", waiting, WorkTask.REVIEW_ASSIGNMENT, {
        "review_decision": "forward", "list_finding": "on_list", "list_entry_code": "",
        **_code(drive, "协助统计调查入户登记")})


def _code(drive: Driver, title: str) -> dict[str, str]:
    row = next(r for r in registry.rows(drive.session) if r.title == title)
    return {"list_entry_code": row.code}


def load(session: Session, actors: dict[str, Actor], now: datetime) -> None:
    """The demo lists (published 60 days before `now`), plaques and work assignments."""
    drive = Driver(session, actors, now - timedelta(days=60))
    ids = _lists(drive, f"{(now - timedelta(days=60)).year}-01-01")
    drive.entry(WAITING, f"{now.year}-01-01", publish=False)
    drive.t = now - timedelta(days=5)
    _plaques(drive, ids)
    _assignments(drive, now)
