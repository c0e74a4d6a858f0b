"""Demo apps and work groups, through the real request process: three registered (one merged
into another afterwards), a request waiting at 区委农办 with a likely duplicate, and one
waiting at 区委网信办. Every registry row is a published case, so the registry is rebuilt
from the events like the rest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgUnit
from workflows.apps.forms import PROCESS
from workflows.kernel import access, cases
from workflows.kernel.access import Actor
from workflows.kernel.ids import AppTask

# 区委网信办's reviewer (its office approver) and clerk, created with the demo users.
USERS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("wx_approver", "区委网信办审批人（演示）", [(access.OFFICE_APPROVER, "qwwxb")]),
]
FLOOD = {
    "app_name": "防汛值守打卡APP", "app_kind": "app",
    "app_purpose": "汛期村级防汛责任人每日在APP上打卡值守，上报雨情水情和巡查照片。",
    "demands_install": True, "demands_login": True, "demands_checkin": True,
    "demands_photos": True, "checkins_per_week": 7, "minutes_per_checkin": 5,
}
CIVIL = {
    "app_name": "民政业务工作群", "app_kind": "wechat_group",
    "app_purpose": "民政局与村级民政协理员沟通低保、特困、临时救助业务通知和材料报送。",
    "demands_login": True, "demands_checkin": False, "demands_data_entry": True,
    "checkins_per_week": 0, "minutes_per_checkin": 0,
}
RELIEF = {
    "app_name": "社会救助信息报送群", "app_kind": "wechat_group",
    "app_purpose": "每周在群内报送村级社会救助对象变动情况并上传照片。",
    "demands_login": True, "demands_checkin": True, "demands_photos": True,
    "checkins_per_week": 1, "minutes_per_checkin": 20,
}
# Waits at 区委农办: the duplicate check finds the flood app.
FLOOD_AGAIN = {
    "app_name": "防汛值班打卡小程序", "app_kind": "app",
    "app_purpose": "汛期村级防汛值班人员每日打卡，上报雨情水情、巡查照片。",
    "demands_install": True, "demands_checkin": True, "demands_photos": True,
    "checkins_per_week": 7, "minutes_per_checkin": 5,
}
# Waits at 区委网信办.
STATS = {
    "app_name": "统计数据直报平台", "app_kind": "app",
    "app_purpose": "村级统计员按月在平台直报村级基本情况统计数据。",
    "demands_install": True, "demands_login": True, "demands_data_entry": True,
    "checkins_per_week": 0, "minutes_per_checkin": 0,
}


class Driver:
    """Runs requests through the process as the demo users, one command at a time."""

    def __init__(self, session: Session, actors: dict[str, Actor], start: datetime) -> None:
        self.session, self.actors, self.t = session, actors, start

    def _tick(self) -> datetime:
        self.t += timedelta(hours=2)
        return self.t

    def start(self, clerk: str, title: str, kind: str = "new", app_id: int | None = None,
              merge_into_id: int | None = None) -> int:
        return cases.start_case(
            self.session, self.actors[clerk], PROCESS,
            {"title": title, "app_change": kind, "app_id": app_id,
             "merge_into_id": merge_into_id}, now=self._tick()).case_id

    def do(self, username: str, case_id: int, task_id: str, fields: dict[str, Any]) -> None:
        who = self.actors[username]
        _, state = cases.get_case(self.session, who, case_id)
        task = next(t for t in state.tasks.values()
                    if t.state == "open" and t.task_id == task_id)
        cases.complete_task(self.session, who, case_id, task.task_uuid, fields,
                            now=self._tick())

    def to_review(self, clerk: str, head: str, draft: dict[str, Any], title: str,
                  kind: str = "new", app_id: int | None = None,
                  merge_into_id: int | None = None) -> int:
        case_id = self.start(clerk, title, kind, app_id, merge_into_id)
        self.do(clerk, case_id, AppTask.DRAFT_APP, draft)
        self.do(head, case_id, AppTask.SIGN_OFF, {"head_decision": "approve"})
        return case_id

    def forward(self, case_id: int, reason: str = "") -> None:
        self.do("nb_staff", case_id, AppTask.BURDEN_REVIEW,
                {"burden_decision": "to_cyberspace", "similar_reason": reason})

    def publish(self, case_id: int, reason: str = "") -> None:
        self.forward(case_id, reason)
        self.do("wx_approver", case_id, AppTask.CYBERSPACE_REVIEW,
                {"cyberspace_decision": "approve"})


def _villages(session: Session, *codes: str) -> list[int]:
    return sorted(session.scalars(select(OrgUnit.id).where(OrgUnit.code.in_(codes))))


def load(session: Session, actors: dict[str, Actor], now: datetime) -> None:
    """The demo registry (registered 30 days before `now`) and requests waiting."""
    drive = Driver(session, actors, now - timedelta(days=30))
    dgz = _villages(session, "dgz-v1", "dgz-v2", "dgz-v3")
    mlz = _villages(session, "mlz-v1", "mlz-v2")
    flood = drive.to_review("qnyw_clerk", "qnyw_head", {**FLOOD, "village_ids": dgz},
                            "防汛值守打卡APP（演示）")
    drive.publish(flood)
    civil = drive.to_review("mz_clerk", "mz_head", {**CIVIL, "village_ids": dgz + mlz},
                            "民政业务工作群（演示）")
    drive.publish(civil)
    relief = drive.to_review("mz_clerk", "mz_head", {**RELIEF, "village_ids": mlz},
                             "社会救助信息报送群（演示）")
    # The check finds the civil affairs group: 农办 lets it through for now; merged below.
    drive.publish(relief, "只报送救助对象变动，暂与业务群分开，试行后合并")
    merge = drive.to_review(
        "mz_clerk", "mz_head",
        {**RELIEF, "village_ids": mlz, "change_note": "并入民政业务工作群，不再每周打卡"},
        "社会救助信息报送群并入民政业务工作群（演示）", "merge", relief, civil)
    drive.publish(merge)
    drive.t = now - timedelta(days=2)
    drive.to_review("qnyw_clerk", "qnyw_head", {**FLOOD_AGAIN, "village_ids": dgz},
                    "防汛值班打卡小程序（演示）")
    stats = drive.to_review("tj_clerk", "tj_head", {**STATS, "village_ids": dgz + mlz},
                            "统计数据直报平台（演示）")
    drive.forward(stats)
