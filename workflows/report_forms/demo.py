"""The demo's report forms (报表台账), through the real commands: approval cases at each step
(draft, sign-off, review, returned, rejected), two forms published into the registry that
share "one form" indicators, one satisfied from shared data with no new collection, and the
values a village cadre of 大观镇示例村1 entered once. `workflows.demo.loader` calls `load`
after the users exist."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgUnit, User
from workflows.kernel import access, cases
from workflows.kernel.calendar import WorkCalendar
from workflows.report_forms import indicators, values

ASSISTANCE = ["户籍人口（人）= POP_REG", "户籍户数（户）= HOUSEHOLDS",
              "低保户数（户）= LOW_INCOME_HH", "低保人数（人）= LOW_INCOME_POP",
              "本月新增救助人数（人）= 新"]
ELDERLY = ["户籍人口（人）= POP_REG", "60岁以上老年人数（人）= ELDERLY_60",
           "养老服务站数（个）= 新", "城乡居民养老保险参保人数（人）= PENSION_INSURED"]
POPULATION = ["户籍人口（人）= POP_REG", "常住人口（人）= POP_RES", "户籍户数（户）= HOUSEHOLDS"]


def draft(name: str, lines: list[str], frequency: str = "monthly") -> dict[str, object]:
    """A draft form as a department clerk fills it."""
    return {"form_name": name, "purpose": f"{name}：掌握村级基本情况",
            "legal_basis": "《社会救助暂行办法》", "frequency": frequency, "due_day": 25,
            "town_ids": [], "submission": "online", "field_lines": list(lines)}


def load(session: Session, clerk: User, tj_clerk: User, now: datetime) -> None:
    """Report-form cases at every step, two published forms, one all held, village values."""
    actor = {u.username: access.load_actor(session, u.id) for u in session.scalars(select(User))}
    t = now - timedelta(days=20)
    approve: list[tuple[str, dict[str, object]]] = [
               ("mz_head", {"head_decision": "approve"}),
               ("nb_staff", {"review_decision": "approve"})]
    steps: list[tuple[str, list[tuple[str, dict[str, object]]]]] = [
        ("新增村级报表申请（草稿）", []),
        ("村级低保台账季报", [("mz_clerk", draft("村级低保台账季报", ASSISTANCE, "quarterly"))]),
        ("养老服务统计表", [("mz_clerk", draft("养老服务统计表", ELDERLY)),
                     ("mz_head", {"head_decision": "approve"})]),
        ("重复的人口信息表", [
            ("mz_clerk", draft("重复的人口信息表", ["人口总数（人）= 新", "户数（户）= 新"])),
            ("mz_head", {"head_decision": "return", "comment": "与一套表重复，请核对"})]),
        ("社会救助月报", [("mz_clerk", draft("社会救助月报", ASSISTANCE)), *approve]),
        ("养老服务月报", [("mz_clerk", draft("养老服务月报", ELDERLY)), *approve]),
        ("村级人口基本情况表", [("mz_clerk", draft("村级人口基本情况表", POPULATION, "yearly")),
                       ("mz_head", {"head_decision": "approve"})]),
        ("村级活动照片留痕表", [
            ("mz_clerk", draft("村级活动照片留痕表", ["活动照片张数（张）= 新"])),
            ("mz_head", {"head_decision": "approve"}),
            ("nb_staff", {"review_decision": "reject", "comment": "属于留痕要求，不予新增"})]),
    ]
    for title, plan in steps:
        t += timedelta(hours=5)
        res = cases.start_case(session, actor[clerk.username], "report_form_approval",
                               {"title": f"{title}（演示）"}, now=t)
        for username, fields in plan:
            t += timedelta(hours=3)
            _, state = cases.get_case(session, actor[username], res.case_id)
            task = next(v for v in state.tasks.values() if v.state == "open")
            cases.complete_task(session, actor[username], res.case_id, task.task_uuid,
                                dict(fields), now=t)
    cases.start_case(session, actor[tj_clerk.username], "report_form_approval",
                     {"title": "统计局村级报表申请（演示）"}, now=t + timedelta(hours=1))
    _values(session, actor, now)


def _values(session: Session, actor: dict[str, access.Actor], at: datetime) -> None:
    """The cadre of 大观镇示例村1 enters the one-form values once (the forms pre-fill)."""
    cadre = actor.get("dg_cadre")
    village = session.scalar(select(OrgUnit).where(OrgUnit.code == "dgz-v1"))
    if cadre is None or village is None:
        return
    day = WorkCalendar.local_date(at)
    figures = {"POP_REG": "1268", "HOUSEHOLDS": "402", "LOW_INCOME_POP": "37",
               "ELDERLY_60": "311"}
    entries = [values.Entry(code, indicators.period_of(indicators.BY_CODE[code].frequency, day),
                            v) for code, v in figures.items()]
    values.record(session, cadre, village.id, entries, now=at)
