"""Staff pages: inbox, case page with history, task forms, starting a case.

Each view validates its input, calls one `workflows` function and renders or redirects.
Domain errors (404 / 403 / 409 ...) are turned into pages by `webapp.core.errors`.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from marshmallow import Schema
from werkzeug.wrappers import Response

from models import Case
from webapp.cases import diagram_svg, presenters, readable
from webapp.complaints import views as complaint_views
from webapp.core import navigation, pickers
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.lookups import unit_names, user_names
from webapp.core.schema_form import decision_field, field_specs, initial_values, parse
from workflows.complaints import staff as complaint_staff
from workflows.kernel import access, case_additions, cases, forms, substitution
from workflows.kernel.access import Actor
from workflows.kernel.commands import Idempotency
from workflows.kernel.errors import (
    InvalidTransitionError,
    NotAllowedError,
    NotFoundError,
    ValidationFailedError,
)
from workflows.kernel.state import CaseState, TaskView
from workflows.kernel.store import case_events

bp = Blueprint("staff", __name__, template_folder="templates")
bp.add_app_template_global(readable.readable, "readable")

Page = Response | str | tuple[str, int]
MAX_FORM_KEY = 100


def _back(default: str) -> Response:
    """Redirect to the `next` form value when it is a local path, else to `default`."""
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return redirect(target)
    return redirect(default)


def _can_work(actor: Actor, task: TaskView, paths: dict[int, str]) -> bool:
    path = paths.get(task.scope_org_unit_id or -1)
    return actor.holds(task.role, path) and (
        task.claimant_id in (None, actor.user_id)
        or task.claimant_id in substitution.principals(get_session(), actor))


@bp.get("/cases/<int:case_id>")
@login_required
def case_page(case_id: int) -> Page:
    return _render_case(case_id)


def _render_case(case_id: int, comment_errors: dict[str, list[str]] | None = None,
                 status: int = 200) -> tuple[str, int]:
    session, actor = get_session(), current_actor()
    case, state = cases.get_case(session, actor, case_id)
    events = case_events(session, case_id)
    paths = access.org_paths(session)
    tasks = presenters.open_tasks(state)
    complaint = complaint_views.panel(actor, case, state)
    exact = complaint_staff.exact_times(actor, case.case_type)
    shown = presenters.for_viewer(actor, case.case_type, events)
    workable = {t.task_uuid for t in tasks if _can_work(actor, t, paths)}
    tasks = presenters.tasks_for_viewer(actor, case.case_type, tasks)
    seen = presenters.history(actor, case.case_type, events)
    page = render_template(
        "case.html", case=case, state=state, tasks=tasks, events=seen,
        data=shown({k: v for k, v in state.data.items() if k not in presenters.HIDDEN_DATA}),
        changes={e.seq: presenters.changes(e.diff, state) for e in seen},
        task_names=presenters.task_names(state), workable=workable,
        users=user_names(session, presenters.user_ids(state, events)),
        units=unit_names(session, [case.scope_org_unit_id,
                                   *(t.scope_org_unit_id for t in tasks)]),
        comment_errors=comment_errors or {}, complaint=complaint, exact_times=exact,
        anonymous_events=presenters.anonymous_events(actor, case.case_type, events),
        diagram=diagram_svg.case_diagram(session, case, events))
    return page, status


@bp.post("/cases/<int:case_id>/comments")
@login_required
def comment(case_id: int) -> Page:
    try:
        case_additions.add_comment(get_session(), current_actor(), case_id,
                                   request.form.get("text", ""),
                                   public=request.form.get("public") == "1")
    except ValidationFailedError as err:
        return _render_case(case_id, err.fields, 422)
    flash(_("Your comment has been added."), "success")
    return redirect(url_for("staff.case_page", case_id=case_id))


@bp.post("/cases/<int:case_id>/tasks/<task_uuid>/claim")
@login_required
def claim(case_id: int, task_uuid: str) -> Response:
    cases.claim_task(get_session(), current_actor(), case_id, task_uuid)
    flash(_("The task is now yours."), "success")
    return _back(url_for("inbox.inbox"))


@bp.post("/cases/<int:case_id>/tasks/<task_uuid>/release")
@login_required
def release(case_id: int, task_uuid: str) -> Response:
    cases.release_task(get_session(), current_actor(), case_id, task_uuid)
    flash(_("The task has been given back to its group."), "success")
    return _back(url_for("staff.case_page", case_id=case_id))


def _task_context(case_id: int,
                  task_uuid: str) -> tuple[Case, CaseState, TaskView, type[Schema]]:
    """The case, the open task and its form schema, if the actor may work on it."""
    session, actor = get_session(), current_actor()
    case, state = cases.get_case(session, actor, case_id)
    task = state.tasks.get(task_uuid)
    if task is None:
        raise NotFoundError("no such task")
    if task.state != "open":
        raise InvalidTransitionError("this task is already done")
    if not _can_work(actor, task, access.org_paths(session)):
        raise NotAllowedError("you do not hold the role for this task")
    schema = forms.form_schema(case.case_type, task.task_id)
    if schema is None:
        abort(404)
    return case, state, task, schema


def _history_context(case: Case, state: CaseState) -> dict[str, Any]:
    """What templates/_history.html needs: the events, their changes and the names, and
    the case data as this viewer may see it."""
    session, actor = get_session(), current_actor()
    events = case_events(session, case.id)
    shown = presenters.for_viewer(actor, case.case_type, events)
    seen = presenters.history(actor, case.case_type, events)
    return {"events": seen,
            "changes": {e.seq: presenters.changes(e.diff, state) for e in seen},
            "task_names": presenters.task_names(state),
            "users": user_names(session, presenters.user_ids(state, events)),
            "anonymous_events": presenters.anonymous_events(actor, case.case_type, events),
            "data": shown({k: v for k, v in state.data.items()
                           if k not in presenters.HIDDEN_DATA})}


@bp.route("/cases/<int:case_id>/tasks/<task_uuid>", methods=["GET", "POST"])
@login_required
def task_page(case_id: int, task_uuid: str) -> Page:
    case, state, task, schema = _task_context(case_id, task_uuid)
    task = presenters.tasks_for_viewer(current_actor(), case.case_type, [task])[0]
    specs = field_specs(schema)
    decision = decision_field(specs) is not None
    exact = complaint_staff.exact_times(current_actor(), case.case_type)
    context = {"case": case, "task": task, "specs": specs,
               "decision": decision, "decision_spec": decision_field(specs),
               "templates": complaint_views.response_templates(case.case_type, task.task_id),
               "exact_times": exact,
               "diagram": diagram_svg.case_diagram(get_session(), case),
               **_history_context(case, state)}
    if request.method == "GET":
        values = initial_values(specs, state.data, decision)
        return render_template("task.html", values=values, errors={},
                               pickers=pickers.build(get_session(), specs, values), **context)
    values = parse(specs, request.form)
    if request.form.get("preview") == "1":  # a feature's check of the form, not sent yet
        return render_template("task.html", values=values, errors={}, previewed=True,
                               pickers=pickers.build(get_session(), specs, values), **context)
    try:
        cases.complete_task(get_session(), current_actor(), case_id, task_uuid, values)
    except ValidationFailedError as err:
        return render_template("task.html", values=values, errors=err.fields,
                               pickers=pickers.build(get_session(), specs, values),
                               **context), 422
    flash(_("“%(task)s” is done for “%(case)s”.", task=task.name, case=case.title), "success")
    return redirect(navigation.after_decision())


@bp.route("/cases/new/<process_id>", methods=["GET", "POST"])
@login_required
def start(process_id: str) -> Page:
    schema = forms.START_FORMS.get(process_id)
    if schema is None or process_id in forms.PUBLIC_STARTS:
        abort(404)
    specs = field_specs(schema)
    if request.method == "GET":
        return render_template("start.html", process_id=process_id, specs=specs, values={},
                               errors={}, form_key=secrets.token_urlsafe(16),
                               pickers=pickers.build(get_session(), specs, {}))
    values = parse(specs, request.form)
    form_key = request.form.get("form_key", "")[:MAX_FORM_KEY]
    actor = current_actor()
    idem = (Idempotency(f"user:{actor.user_id}", f"form:{form_key}",
                        {"process_id": process_id, "fields": values}) if form_key else None)
    try:
        result = cases.start_case(get_session(), actor, process_id, values, idempotency=idem)
    except ValidationFailedError as err:
        return render_template("start.html", process_id=process_id, specs=specs,
                               values=values, errors=err.fields, form_key=form_key,
                               pickers=pickers.build(get_session(), specs, values)), 422
    flash(_("The case has been started."), "success")
    return redirect(url_for("staff.case_page", case_id=result.case_id))


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"actor": g.get("actor")}
