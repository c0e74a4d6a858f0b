"""Demo assessment items: a small catalog built through the real approval process (every
item is a published case, so the catalog is recomputable from events), plus proposals
waiting at the review (one with a likely duplicate), at the joint sign-off and returned."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from workflows.kernel import cases
from workflows.kernel.access import Actor
from workflows.kernel.ids import ItemTask, ProcessId

PROCESS = str(ProcessId.ASSESSMENT_ITEM_APPROVAL)

# (clerk, head, fields)
CATALOG: list[tuple[str, str, dict[str, Any]]] = [
    ("qnyw_clerk", "qnyw_head", {
        "name": "村级人居环境整治考核", "target": "villages",
        "content": "对村庄生活垃圾收运处置、生活污水治理、农村厕所改造和村容村貌提升情况进行"
                   "检查评分，实地查看村内道路、沟渠、院落清洁状况。",
        "criteria": "百分制：垃圾治理30分、污水治理30分、厕所改造20分、村容村貌20分。",
        "method": "on_site", "frequency": "quarterly", "period": "all_year", "weight": 6,
        "legal_basis": "《农村人居环境整治提升五年行动方案（2021—2025年）》"}),
    ("mz_clerk", "mz_head", {
        "name": "村务公开民主管理考评", "target": "villages",
        "content": "检查村务公开栏按时更新、党务村务财务三公开落实、村民代表会议和民主评议制度"
                   "执行情况，查阅会议记录和公开台账。",
        "criteria": "按公开及时性、内容完整性和程序规范性评为好、较好、一般、差四档。",
        "method": "materials", "frequency": "half_yearly", "period": "h2", "weight": 3,
        "legal_basis": "《中华人民共和国村民委员会组织法》第三十条"}),
    ("mz_clerk", "mz_head", {
        "name": "农村低保规范管理检查", "target": "both",
        "content": "检查农村最低生活保障对象认定程序、家庭经济状况核对、动态管理和按月公示情况，"
                   "抽查低保档案资料。",
        "criteria": "抽查档案合格率不低于95%；公示及时率100%。",
        "method": "materials", "frequency": "yearly", "period": "q3", "weight": 4,
        "legal_basis": "《社会救助暂行办法》"}),
    ("tj_clerk", "tj_head", {
        "name": "统计基础工作规范化考核", "target": "both",
        "content": "检查村级统计台账、原始记录和统计报表报送的及时性与准确性，核对统计数据与台账"
                   "一致。",
        "criteria": "台账齐全、数据一致、报送及时，按项扣分。",
        "method": "online", "frequency": "yearly", "period": "q4", "weight": 2,
        "legal_basis": "《中华人民共和国统计法》"}),
    ("qnyw_clerk", "qnyw_head", {
        "name": "秸秆禁烧与综合利用检查", "target": "both",
        "content": "在夏收秋收期间巡查农作物秸秆露天焚烧情况，检查秸秆还田、收储和综合利用台账。",
        "criteria": "发现露天焚烧火点一处扣2分；综合利用率达标得满分。",
        "method": "on_site", "frequency": "half_yearly", "period": "h2", "weight": 2,
        "legal_basis": "《中华人民共和国大气污染防治法》第七十七条"}),
]
# A proposal that repeats the first item (the check flags it at the review).
DUPLICATE = {
    "name": "村庄清洁行动考核评比", "target": "villages",
    "content": "对各村生活垃圾清运、污水处理、户厕改造和村容村貌整治情况实地检查并打分排名。",
    "criteria": "每季度排名，后三名通报。", "method": "on_site", "frequency": "quarterly",
    "period": "all_year", "weight": 4, "legal_basis": "区村庄清洁行动实施方案",
}
NEW_ITEM = {
    "name": "农村互助养老点运行评估", "target": "villages",
    "content": "评估农村互助养老服务点的场地设施、服务内容、运营经费和老年人满意度。",
    "criteria": "按星级标准评定一至五星。", "method": "on_site", "frequency": "yearly",
    "period": "q3", "weight": 2, "legal_basis": "《关于推进养老服务发展的意见》",
}


def _draft(fields: dict[str, Any], effective: str) -> dict[str, Any]:
    return {**fields, "effective_date": effective, "change_note": ""}


class Driver:
    """Runs proposals through the approval as the demo users, one command at a time."""

    def __init__(self, session: Session, actors: dict[str, Actor], start: datetime) -> None:
        self.session, self.actors, self.t = session, actors, start

    def _tick(self, hours: float = 2) -> datetime:
        self.t += timedelta(hours=hours)
        return self.t

    def propose(self, clerk: str, title: str, kind: str = "new",
                item_id: int | None = None) -> int:
        res = cases.start_case(self.session, self.actors[clerk], PROCESS,
                               {"title": title, "change_kind": kind, "item_id": item_id},
                               now=self._tick())
        return res.case_id

    def do(self, username: str, case_id: int, task_id: str, fields: dict[str, Any]) -> None:
        who = self.actors[username]
        _, state = cases.get_case(self.session, who, case_id)
        task = next(t for t in state.tasks.values()
                    if t.state == "open" and t.task_id == task_id)
        cases.complete_task(self.session, who, case_id, task.task_uuid, fields,
                            now=self._tick())

    def to_review(self, clerk: str, head: str, draft: dict[str, Any], title: str = "",
                  kind: str = "new", item_id: int | None = None) -> int:
        case_id = self.propose(clerk, title or f"{draft['name']}（{kind}）", kind, item_id)
        self.do(clerk, case_id, ItemTask.DRAFT_ITEM, draft)
        self.do(head, case_id, ItemTask.SIGN_OFF, {"head_decision": "approve"})
        return case_id

    def to_joint(self, case_id: int, reason: str = "") -> None:
        self.do("nb_staff", case_id, ItemTask.REVIEW_ITEM,
                {"review_decision": "forward", "duplicate_reason": reason})

    def publish(self, case_id: int) -> None:
        self.do("office_qw", case_id, ItemTask.PARTY_OFFICE_SIGN_OFF,
                {"office_decision": "approve"})
        self.do("office_qzf", case_id, ItemTask.GOVERNMENT_OFFICE_SIGN_OFF,
                {"office_decision": "approve"})


def load(session: Session, actors: dict[str, Actor], now: datetime) -> None:
    """The demo catalog (published 60 days before `now`) and proposals at several steps."""
    drive = Driver(session, actors, now - timedelta(days=60))
    year = (now - timedelta(days=60)).year
    for clerk, head, fields in CATALOG:
        case_id = drive.to_review(clerk, head, _draft(fields, f"{year}-01-01"),
                                  f"{fields['name']}（演示）")
        drive.to_joint(case_id)
        drive.publish(case_id)
    drive.t = now - timedelta(days=3)
    next_year = f"{now.year + 1}-01-01"
    drive.to_review("qnyw_clerk", "qnyw_head", _draft(DUPLICATE, next_year),
                    "村庄清洁行动考核评比（演示）")
    joint = drive.to_review("mz_clerk", "mz_head", _draft(NEW_ITEM, next_year),
                            "农村互助养老点运行评估（演示）")
    drive.to_joint(joint)
    returned = drive.propose("tj_clerk", "统计报表质量抽查（演示）")
    quality = {**CATALOG[3][2], "name": "村级统计报表质量抽查",
               "content": "抽查村级上报统计报表的数据质量和报送时效，核对台账。"}
    drive.do("tj_clerk", returned, ItemTask.DRAFT_ITEM, _draft(quality, next_year))
    drive.do("tj_head", returned, ItemTask.SIGN_OFF,
             {"head_decision": "return", "comment": "与统计基础工作规范化考核重复，请合并"})
