"""Notifications in the app: the bell and its count in the header, the list, "mark all read".

Notifications are stored as text keys and parameters (workflows.notifications.notify) and are
translated here, when shown.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.i18n import N_, status_label
from workflows.complaints import staff as complaint_staff
from workflows.notifications import handled
from workflows.notifications import notify as notifications
from workflows.notifications.notify import NotificationView

bp = Blueprint("notifications", __name__, template_folder="templates")

TEXTS = {
    "task_available": N_("New task for your group: %(task)s"),
    "task_returned": N_("Sent back for changes: %(task)s. Why: %(reason)s"),
    # a village's cadres, of an approved inspection or a meeting their village attends
    "inspection_scheduled": N_("An approved inspection will visit your village: %(start)s – "
                               "%(end)s"),
    "meeting_scheduled": N_("Your village is asked to attend a meeting %(date)s; see the "
                            "combined sessions"),
    # workflows.inspections.join_notices: a request joined an approved inspection
    "inspection_joined": N_("%(name)s (%(people)s people) joins your inspection “%(title)s”: "
                            "%(start)s – %(end)s"),
    "inspection_joined_village": N_("%(name)s (%(people)s people) comes along with the "
                                    "approved inspection “%(title)s”: %(start)s – %(end)s"),
    "task_assigned": N_("A task was assigned to you: %(task)s"),
    "deadline_warning": N_("Time limit approaching: %(task)s"),
    "deadline_breach": N_("Time limit missed at the %(stage)s stage"),
    "comment_added": N_("New comment on the case"),
    "case_closed": N_("The case is finished: %(status)s"),
    # written by workflows.catalog.projection when an assessment item is published
    "catalog_published": N_("The assessment item catalog changed: %(code)s %(name)s"),
    # written by workflows.apps.projection for the cadres of the villages concerned
    "app_registered": N_("Registered for your village: %(code)s %(name)s"),
    "app_merged": N_("%(code)s %(name)s is merged into %(target)s: use that one"),
    "app_retired": N_("%(code)s %(name)s is retired: your village no longer uses it"),
    # written by workflows.admin.people_tasks when an administrator deactivates someone
    "person_deactivated": N_("%(person)s was deactivated; tasks back to the group: %(tasks)s"),
}
STAGES = {
    "intake": N_("intake"), "correction": N_("correction"),
    "verification": N_("verification"), "return_visit": N_("return visit"),
}


def text(view: NotificationView) -> str:
    """One notification's sentence in the request's language."""
    params: dict[str, Any] = {"task": "", "stage": "", "status": "", "code": "", "name": "",
                              "person": "", "tasks": "", "reason": "", "start": "",
                              "end": "", "date": "", "target": "", "people": "", "title": ""}
    params.update({k: str(v) for k, v in view.params.items()})
    stage = STAGES.get(params["stage"])
    if stage is not None:
        params["stage"] = _(stage)
    if params["status"]:
        params["status"] = status_label(params["status"])
    template = TEXTS.get(view.text_key)
    return str(_(template, **params)) if template else view.text_key


def case_label(view: NotificationView) -> str:
    if view.case_id is None:
        return ""
    if view.case_title is None:  # a complaint: its title is the complainant's words
        return str(_("Complaint #%(id)s", id=view.case_id))
    return f"#{view.case_id} {view.case_title}"


@bp.app_context_processor
def _bell() -> dict[str, Any]:
    user = g.get("user")
    if user is None or g.get("actor") is None:
        return {"notification_count": 0}
    session = get_session()
    count = notifications.unread_count(session, user.id)
    if count:  # tasks handled since are not news any more (issue 18, item 4)
        count -= handled.unread_handled(session, user.id)
    return {"notification_count": count}


@bp.get("/notifications")
@login_required
def page() -> str:
    actor = current_actor()
    assert actor.user_id is not None
    every = notifications.recent(get_session(), actor.user_id)
    done = handled.handled_ids(get_session(), ((r.id, r.case_id, r.params) for r in every))
    rows = [r for r in every if r.id not in done]
    return render_template(
        "notifications.html", rows=rows, text=text, case_label=case_label,
        handled_rows=[r for r in every if r.id in done],
        exact_times=complaint_staff.sees_exact_times(actor),
        unread=sum(1 for r in rows if r.read_at is None))


@bp.post("/notifications/read")
@login_required
def mark_all_read() -> Response:
    actor = current_actor()
    assert actor.user_id is not None
    notifications.mark_read(get_session(), actor.user_id)
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.page"))
