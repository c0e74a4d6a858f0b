"""Demo burden complaints at intake, correction, verification and return visit, filed
through the same service as the public portal (so their receipt codes work when the demo
runs with the app's own complaint settings)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from workflows.complaints import filing as complaints
from workflows.complaints.filing import ComplaintSettings
from workflows.kernel import cases, orgs
from workflows.kernel.access import Actor

# (description, category, village code, responsible unit code or None, identity or None,
#  steps: (username, task id, fields))
Plan = tuple[str, str, str, str | None, tuple[str, str] | None, list[tuple[str, str, Any]]]

PLANS: list[Plan] = [
    ("镇里要求每个村每周上报三张内容重复的统计表格，村干部每周要花两天填表。（演示）",
     "too_many_forms", "dgz-v2", None, None, []),
    ("区民政局一个月内通知村里参加了五次会议，内容基本相同，能否合并？（演示）",
     "too_many_meetings", "mlz-v1", "qmzj", None,
     [("nb_staff", "intake", {"intake_decision": "accept", "category": "too_many_meetings",
                              "responsible_unit": "qmzj"})]),
    ("镇里要求每天在三个政务APP上打卡并上传工作照片留痕。（演示）",
     "apps_and_checkins", "dgz-v1", "dgz", ("演示村民", "13800000000"),
     [("nb_staff", "intake", {"intake_decision": "accept", "category": "apps_and_checkins",
                              "responsible_unit": "dgz"}),
      ("dg_official", "correction", {"correction_outcome": "done",
                                     "findings": "确有每日打卡要求",
                                     "actions_taken": "已取消每日打卡，改为每月汇总一次",
                                     "evidence": "镇政府通知（演示）"})]),
    ("同一项人居环境考核，区里和镇里各考核一次。（演示）",
     "duplicate_assessment", "xlz-v1", "qnyw", None,
     [("nb_staff", "intake", {"intake_decision": "accept", "category": "duplicate_assessment",
                              "responsible_unit": "qnyw"}),
      ("qnyw_clerk", "correction", {"correction_outcome": "done", "findings": "确有重复考核",
                                    "actions_taken": "镇级考核并入区级考核，不再单独开展",
                                    "evidence": "区农业农村委函（演示）"}),
      ("dc_staff", "verification", {"verification_decision": "pass"})]),
]


def load(
    session: Session, actors: dict[str, Actor], settings: ComplaintSettings, now: datetime
) -> list[tuple[str, str]]:
    """File the demo complaints and move them along; returns (receipt code, summary)."""
    receipts = []
    t = now - timedelta(days=3)
    for description, category, village_code, unit_code, identity, steps in PLANS:
        village = orgs.by_code(session, village_code)
        unit = orgs.by_code(session, unit_code) if unit_code else None
        assert village is not None and village.parent_id is not None
        fields: dict[str, Any] = {
            "category": category, "town_id": village.parent_id, "village_id": village.id,
            "description": description, "anonymous": identity is None,
        }
        if unit is not None:
            fields["responsible_unit_id"] = unit.id
        if identity is not None:
            fields["name"], fields["phone"] = identity
        t += timedelta(hours=2)
        filed = complaints.file_complaint(session, fields, [], settings=settings, now=t)
        for username, task_id, step in steps:
            t += timedelta(hours=1)
            values = dict(step)
            if "responsible_unit" in values:
                code = values.pop("responsible_unit")
                target = orgs.by_code(session, code)
                assert target is not None
                values["responsible_unit_id"] = target.id
            actor = actors[username]
            _, state = cases.get_case(session, actor, filed.case_id)
            task = next(v for v in state.tasks.values()
                        if v.state == "open" and v.task_id == task_id)
            cases.complete_task(session, actor, filed.case_id, task.task_uuid, values, now=t)
        receipts.append((filed.code, description[:20]))
    return receipts
