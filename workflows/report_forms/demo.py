"""The demo's report-form approval cases (新增报表审批), through the real commands: one at
each step (draft, sign-off, review), one returned, one published, one rejected, and another
department's draft. `workflows.demo.loader` calls `load` after the users exist."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, User
from workflows.kernel import access, cases


def load(session: Session, clerk: User, tj_clerk: User, now: datetime) -> None:
    """Report-form cases at draft, sign-off, review, returned, published and rejected."""
    actor = {u.username: access.load_actor(session, u.id) for u in session.scalars(select(User))}
    t = now - timedelta(days=20)
    steps: list[list[tuple[str, dict[str, object]]]] = [
        [],
        [("mz_clerk", _draft("村级低保台账季报"))],
        [("mz_clerk", _draft("养老服务统计表")), ("mz_head", {"head_decision": "approve"})],
        [
            ("mz_clerk", _draft("重复的人口信息表")),
            ("mz_head", {"head_decision": "return", "comment": "与一套表重复，请核对"}),
        ],
        [
            ("mz_clerk", _draft("社会救助月报")),
            ("mz_head", {"head_decision": "approve"}),
            ("nb_staff", {"review_decision": "approve"}),
        ],
        [
            ("mz_clerk", _draft("村级活动照片留痕表")),
            ("mz_head", {"head_decision": "approve"}),
            ("nb_staff", {"review_decision": "reject", "comment": "属于留痕要求，不予新增"}),
        ],
    ]
    for _i, plan in enumerate(steps):
        title = plan[0][1]["form_name"] if plan else "新增村级报表申请（草稿）"
        t += timedelta(hours=5)
        res = cases.start_case(
            session,
            actor[clerk.username],
            "report_form_approval",
            {"title": f"{title}（演示）"},
            now=t,
        )
        for username, fields in plan:
            t += timedelta(hours=3)
            _, state = cases.get_case(session, actor[username], res.case_id)
            task = next(v for v in state.tasks.values() if v.state == "open")
            cases.complete_task(
                session, actor[username], res.case_id, task.task_uuid, dict(fields), now=t
            )
        assert session.get(Case, res.case_id) is not None
    cases.start_case(
        session,
        actor[tj_clerk.username],
        "report_form_approval",
        {"title": "统计局村级报表申请（演示）"},
        now=t + timedelta(hours=1),
    )


def _draft(name: str) -> dict[str, object]:
    return {
        "form_name": name,
        "purpose": f"{name}：按季度收集村级数据",
        "field_count": 12,
        "frequency": "quarterly",
        "already_collected": False,
    }
