"""What the draft page of an inspection or meeting request tells its clerk first (issue 19,
items 4 and 5): why the request came back (`workflows.inspections.progress.latest_return`),
and the task page's statuses (`progress.shown_status`, through `i18n.STATUS_VIEWS`).

`task_notices(case, task)` is a template global (registered by `views.bp`) the task page
calls: a list of notices, each
a dict with the template that draws it (`templates/inspections/_notice_*.html`)."""

from __future__ import annotations

import json
from typing import Any

from models import Case
from webapp.core import i18n
from webapp.core.i18n import N_
from workflows.inspections import progress
from workflows.kernel.state import TaskView

i18n.STATUS_VIEWS.append(progress.shown_status)
i18n.STATUS_LABELS.update({
    progress.OVERLAP_PENDING: N_("Overlap: join or reschedule"),
    progress.URGENT_REVIEW: N_("At 区委农办: urgent meeting"),
})
# What sent a request back (`returns[].stage`).
STAGES = {
    "head_review": N_("Returned by the department head"),
    "checks": N_("Stopped by the automatic check"),
    "overlap": N_("Rescheduled after an overlap"),
    "town_review": N_("A town objected"),
    "approval": N_("Returned by the approver"),
    "length": N_("Longer than a meeting may last"),
}


def _data(case: Case) -> dict[str, Any]:
    try:
        data = json.loads(case.data or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def task_notices(case: Case, task: TaskView) -> list[dict[str, Any]]:
    if task.task_id not in progress.DRAFT_TASKS:
        return []
    notices: list[dict[str, Any]] = []
    back = progress.latest_return(case.case_type, case.status, _data(case))
    if back is not None:
        notices.append({"template": "inspections/_notice_return.html",
                        "stage": STAGES.get(str(back.get("stage")), ""),
                        "reason": str(back.get("reason") or ""), "at": back.get("at")})
    return notices
