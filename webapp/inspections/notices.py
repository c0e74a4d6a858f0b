"""What the draft page of an inspection or meeting request tells its clerk first (issue 19,
items 4 and 5): why the request came back (`workflows.inspections.progress.latest_return`),
and the task page's statuses (`progress.shown_status`, through `i18n.STATUS_VIEWS`).

`task_notices(case, task)` is a template global (registered by `views.bp`) the task page
calls: a list of notices, each
a dict with the template that draws it (`templates/inspections/_notice_*.html`)."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from flask_babel import gettext

from models import Case, OrgUnit
from webapp.core import i18n
from webapp.core.db import get_session
from webapp.core.i18n import N_
from workflows.inspections import draft_check, joins, progress
from workflows.kernel.ids import InspectionTask
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


# The drafts whose form offers "check first" (webapp/cases/templates/task.html).
PREVIEW_TASKS = frozenset({str(InspectionTask.DRAFT_REQUEST)})
CHECKED = frozenset({*PREVIEW_TASKS, str(InspectionTask.HEAD_REVIEW)})
i18n.add_message_pattern(r"^(\S+) is already past \(today is (\S+)\)$",
                         lambda m: gettext("%(date)s has already passed (today is %(today)s)",
                                           date=m[1], today=m[2]))


i18n.add_message_pattern(r"^a meeting lasts at most (\S+) hours$",
                         lambda m: gettext("A meeting lasts at most %(hours)s hours: shorten "
                                           "it or split it into several meetings",
                                           hours=m[1]))


i18n.add_message_pattern(r"^(\S+) has not come yet \(today is (\S+)\)$",
                         lambda m: gettext("%(date)s has not come yet (today is %(today)s): "
                                           "record what happened once the visit has ended",
                                           date=m[1], today=m[2]))
i18n.add_message_pattern(r"^that inspection is no longer approved$",
                         lambda m: gettext("That inspection is no longer approved: choose "
                                           "another or other dates"))
i18n.add_message_pattern(r"^it visits none of these villages$",
                         lambda m: gettext("That inspection visits none of these villages"))


def join_choices(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The approved inspections the check found overlapping, as the clerk chooses among them:
    department, dates, the villages both visit, those the joining team would leave out, and
    the teams that joined it already."""
    session = get_session()
    facts = data.get("check_facts") or {}
    own = [str(v.get("name")) for v in data.get("villages") or [] if isinstance(v, dict)]
    out = []
    for o in facts.get("overlaps") or []:
        if not isinstance(o, dict):
            continue
        unit = session.get(OrgUnit, o["owner_unit_id"]) if o.get("owner_unit_id") else None
        shared = [str(v) for v in o.get("villages") or []]
        out.append({
            "case_id": o.get("case_id"), "title": o.get("title", ""),
            "department": unit.name if unit is not None else "",
            "kind": str(o.get("inspection_type") or ""),
            "start": o.get("window_start"), "end": o.get("window_end"),
            "villages": shared, "left_out": [v for v in own if v not in shared],
            "joined": [str(j.get("by_unit_name") or "") for _, j in
                       joins.joined_by(session, int(o["case_id"]))]
            if isinstance(o.get("case_id"), int) else [],
        })
    return out


def warning_text(warning: draft_check.DraftWarning) -> str:
    p = warning.params
    if warning.kind in ("quota_quarter", "quota_year"):
        return str(gettext("%(village)s: this would be visit %(count)s of this kind in "
                           "%(period)s; the quota is %(quota)s.", **p))
    if warning.kind == "overlap":
        return str(gettext("Overlaps the approved inspection #%(case)s %(title)s (%(start)s – "
                           "%(end)s) at %(villages)s: you will be asked to join it or choose "
                           "other dates.", **p))
    if warning.kind == "people":
        return str(gettext("%(given)s people on site; this kind allows %(most)s.", **p))
    return str(gettext("%(given)s days on site; this kind allows %(most)s.", **p))


def task_notices(case: Case, task: TaskView,
                 values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The notices at the top of a task page: why a draft came back; what the automatic
    check would say of the draft (the form's values) or, for the head, of the request."""
    notices: list[dict[str, Any]] = []
    data = _data(case)
    if task.task_id in progress.DRAFT_TASKS:
        back = progress.latest_return(case.case_type, case.status, data)
        if back is not None:
            notices.append({"template": "inspections/_notice_return.html",
                            "stage": STAGES.get(str(back.get("stage")), ""),
                            "reason": str(back.get("reason") or ""), "at": back.get("at"),
                            "withdrawn": [str(t) for t in back.get("withdrawn") or []],
                            "town_review": back.get("stage") == "town_review"})
    if task.task_id == str(InspectionTask.RESOLVE_OVERLAP):
        notices.append({"template": "inspections/_notice_join.html",
                        "choices": join_choices(data)})
    if task.task_id in CHECKED:
        source = values if task.task_id in PREVIEW_TASKS and values else data
        found = draft_check.warnings(get_session(), case, source)
        checked = task.task_id in PREVIEW_TASKS and request.method == "POST"
        if found or checked:
            notices.append({"template": "inspections/_notice_check.html",
                            "warnings": [warning_text(w) for w in found]})
    return notices
