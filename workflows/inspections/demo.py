"""Demo inspection and meeting requests (issue 6), driven through the real commands as the
demo users, so that the village calendars, the burden ledger, the combined sessions and the
department scorecards have something to show:

- 区民政局: a business inspection of 大观镇's three villages, done a month ago, recorded and
  rated by all three villages (so 民政局 reads their comments on its own scorecard); and a
  research visit to two villages, approved and on their calendars in ten days;
- 区农业农村委: a business inspection of one village, done and rated by that village alone
  (its own scorecard withholds the comment); and a law-enforcement inspection waiting for
  大观镇's review;
- 区统计局: a research visit returned by the quota check (the village already has one this
  quarter);
- meetings: three routine requests of three departments queued for 大观镇's next combined
  session, one urgent meeting approved by 区委农办 and one urgent request waiting for it.

Dates are relative to `now` (the local day), so the calendar always shows the past visit and
the coming ones; everything else is fixed, so a load is deterministic for a given `now`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from workflows.inspections import visits
from workflows.kernel import access, cases, orgs
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.ids import InspectionTask, MeetingTask, ProcessId

T = InspectionTask
INSPECTION = str(ProcessId.INSPECTION_REQUEST)
MEETING = str(ProcessId.MEETING_REQUEST)
# Village cadres the ratings need besides dg_cadre (created by demo.load with this demo).
USERS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("dg_cadre2", "大观镇示例村2村干部（演示）", [(access.VILLAGE_CADRE, "dgz-v2")]),
    ("dg_cadre3", "大观镇示例村3村干部（演示）", [(access.VILLAGE_CADRE, "dgz-v3")]),
    # Every other demo town's official (issue 19, item 7): a request touching any town can
    # pass that town's review (大观镇's official is one of the base demo users).
    ("ml_official", "木凉镇经办人（演示）", [(access.TOWN_OFFICIAL, "mlz")]),
    ("xl_official", "兴隆镇经办人（演示）", [(access.TOWN_OFFICIAL, "xlz")]),
    ("ht_official", "河图镇经办人（演示）", [(access.TOWN_OFFICIAL, "htz")]),
    ("nz_official", "南城街道经办人（演示）", [(access.TOWN_OFFICIAL, "nzz")]),
    ("sq_official", "三泉镇经办人（演示）", [(access.TOWN_OFFICIAL, "sqz")]),
]
# The villages' ratings of 民政局's visit: cadre -> (rating, comment).
RATINGS: dict[str, tuple[int, str]] = {
    "dg_cadre": (4, "要求提前准备三年的低保台账，村里两名干部整理了两天。"),
    "dg_cadre2": (2, "检查时间短，材料都是现成的，负担不大。"),
    "dg_cadre3": (5, "正值春耕，全体村干部陪同一整天，耽误了农事安排。"),
}
# The single rating of 农业农村委's visit (withheld from its own scorecard: one village).
LONE_RATING = ("dg_cadre", 3, "检查组人数不多，但临时要求补交照片资料。")
TITLES = {
    "closed": "低保工作专项检查（演示）",
    "lone": "农村人居环境现场检查（演示）",
    "scheduled": "养老服务需求调研（演示）",
    "returned": "统计数据质量调研（演示）",
    "town_review": "耕地保护执法检查（演示）",
}


class Driver:
    """Runs requests as the demo users, one command at a time, the clock moving forward."""

    def __init__(self, session: Session, actors: dict[str, Actor], start: datetime) -> None:
        self.session, self.actors, self.t = session, actors, start

    def tick(self, hours: float = 2) -> datetime:
        self.t += timedelta(hours=hours)
        return self.t

    def start(self, clerk: str, process: str, title: str) -> int:
        return cases.start_case(self.session, self.actors[clerk], process, {"title": title},
                                now=self.tick()).case_id

    def do(self, username: str, case_id: int, task_id: str, fields: dict[str, Any]) -> None:
        """Complete the first open `task_id` that `username` holds (a town review or a
        rating has one task per town or village)."""
        who = self.actors[username]
        _, state = cases.get_case(self.session, who, case_id)
        task = next(t for t in state.tasks.values()
                    if t.state == "open" and t.task_id == task_id
                    and who.holds(t.role, access.unit_path(self.session, t.scope_org_unit_id)))
        cases.complete_task(self.session, who, case_id, task.task_uuid, fields,
                            now=self.tick())


def _unit(session: Session, code: str) -> int:
    unit = orgs.by_code(session, code)
    assert unit is not None, code
    return unit.id


def load(session: Session, actors: dict[str, Actor], now: datetime) -> dict[str, int]:
    """Create the demo requests; returns their case ids by name (TITLES, and meetings)."""
    today = WorkCalendar.local_date(now)

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    v1, v2, v3 = (_unit(session, f"dgz-v{i}") for i in (1, 2, 3))
    drive = Driver(session, actors, now - timedelta(days=40))
    ids: dict[str, int] = {}

    def request(name: str, clerk: str, head: str, **fields: Any) -> int:
        case_id = ids[name] = drive.start(clerk, INSPECTION, TITLES[name])
        drive.do(clerk, case_id, T.DRAFT_REQUEST, {
            "item_ids": [], "legal_basis": "", "town_ids": [], "days": 1,
            "materials": [], **fields})
        drive.do(head, case_id, T.HEAD_REVIEW, {"head_decision": "approve"})
        return case_id

    def approve(case_id: int) -> None:
        drive.do("dg_official", case_id, T.TOWN_REVIEW, {"town_decision": "agree"})
        drive.do("nb_staff", case_id, T.APPROVE_REQUEST, {"approval_decision": "approve"})

    # 民政局, a month ago: done, recorded, rated by all three villages.
    closed = request("closed", "mz_clerk", "mz_head", inspection_type="business",
                     purpose="检查农村低保对象认定和动态管理台账", village_ids=[v1, v2, v3],
                     window_start=day(-30), window_end=day(-30), people=3,
                     materials=[{"name": "低保名册", "already_held": False},
                                {"name": "户籍底册", "already_held": True}])
    approve(closed)
    drive.t = now - timedelta(days=29)
    visits.end_visit(session, closed, drive.tick())
    drive.do("mz_clerk", closed, T.RECORD_OUTCOME, {
        "actual_start": day(-30), "actual_end": day(-30), "actual_people": 3,
        "actual_days": 1, "actual_materials": ["低保名册", "救助台账"],
        "outcome_note": "三个村各半天"})
    for cadre, (rating, comment) in RATINGS.items():
        drive.do(cadre, closed, T.RATE_BURDEN,
                 {"burden_rating": rating, "rating_comment": comment})

    # 农业农村委, three weeks ago: done and rated by its one village.
    drive.t = now - timedelta(days=26)
    lone = request("lone", "qnyw_clerk", "qnyw_head", inspection_type="business",
                   purpose="查看村内道路、沟渠和院落清洁状况", village_ids=[v1],
                   window_start=day(-20), window_end=day(-20), people=2)
    approve(lone)
    drive.t = now - timedelta(days=19)
    visits.end_visit(session, lone, drive.tick())
    drive.do("qnyw_clerk", lone, T.RECORD_OUTCOME, {
        "actual_start": day(-20), "actual_end": day(-20), "actual_people": 2,
        "actual_days": 1, "actual_materials": ["环境整治照片"]})
    cadre, rating, comment = LONE_RATING
    drive.do(cadre, lone, T.RATE_BURDEN, {"burden_rating": rating, "rating_comment": comment})

    # 民政局, in ten days: approved, on two villages' calendars.
    drive.t = now - timedelta(days=5)
    scheduled = request("scheduled", "mz_clerk", "mz_head", inspection_type="research",
                        purpose="了解留守老人养老服务需求", village_ids=[v1, v2],
                        window_start=day(10), window_end=day(11), people=2,
                        materials=[{"name": "老年人花名册", "already_held": False}])
    approve(scheduled)

    # 统计局: a second research visit to 示例村1 this quarter: returned by the quota check.
    drive.t = now - timedelta(days=3)
    request("returned", "tj_clerk", "tj_head", inspection_type="research",
            purpose="核实村级统计数据质量", village_ids=[v1], window_start=day(10),
            window_end=day(11), people=2)

    # 农业农村委: a law-enforcement inspection waiting for 大观镇's review.
    drive.t = now - timedelta(days=2)
    request("town_review", "qnyw_clerk", "qnyw_head", inspection_type="law_enforcement",
            purpose="核查耕地“非农化”问题线索",
            legal_basis="《中华人民共和国土地管理法》第六十七条", village_ids=[v2, v3],
            window_start=day(20), window_end=day(20), people=4)

    ids.update(_meetings(drive, day, (v1, v2, v3), _unit(session, "dgz")))
    return ids


def _meetings(drive: Driver, day: Callable[[int], str], villages: tuple[int, int, int],
              town: int) -> dict[str, int]:
    v1, v2, v3 = villages
    base = {"attendees": "村党支部书记", "town_ids": [], "village_ids": [], "mode": "on_site",
            "preferred_date": day(3)}
    # name: (clerk, title, fields, 区委农办's decision on an urgent one or "")
    plans: dict[str, tuple[str, str, dict[str, Any], str]] = {
        "training": ("mz_clerk", "低保政策培训（演示）",
                     {**base, "purpose": "新修订低保政策培训", "village_ids": [v1],
                      "hours": 1.5}, ""),
        "statistics": ("tj_clerk", "年度统计报表布置（演示）",
                       {**base, "purpose": "布置年度统计报表填报", "town_ids": [town],
                        "hours": 1.0, "mode": "online", "attendees": "村报账员"}, ""),
        "farming": ("qnyw_clerk", "春耕生产部署会（演示）",
                    {**base, "purpose": "春耕备耕和农资保障部署", "village_ids": [v2, v3],
                     "hours": 1.0, "attendees": "村委会主任"}, ""),
        "flood": ("mz_clerk", "防汛救灾紧急部署（演示）",
                  {**base, "purpose": "汛期受灾群众临时救助部署", "village_ids": [v2],
                   "hours": 2.0, "urgent": True, "urgent_reason": "气象台发布暴雨橙色预警",
                   "urgent_date": day(2)}, "approve"),
        "census": ("tj_clerk", "人口抽样调查紧急培训（演示）",
                   {**base, "purpose": "人口抽样调查入户培训", "village_ids": [v1],
                    "hours": 1.0, "urgent": True, "urgent_reason": "上级要求下周入户",
                    "urgent_date": day(4)}, ""),
    }
    drive.t = drive.t + timedelta(hours=1)
    ids = {}
    for name, (clerk, title, fields, decision) in plans.items():
        case_id = ids[name] = drive.start(clerk, MEETING, title)
        drive.do(clerk, case_id, MeetingTask.DRAFT_MEETING, fields)
        if decision:
            drive.do("nb_staff", case_id, MeetingTask.APPROVE_URGENT,
                     {"urgent_decision": decision, "comment": ""})
    return ids
