"""Delegating a task, naming a substitute while away, and following a case (staff pages).

The case page shows the follow toggle and each held task's delegate form through the
`case_tools` template global, so `views._render_case` needs no change for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from models import Case, OrgUnit, RoleAssignment, User, utcnow
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.lookups import user_names
from workflows.inbox import delegation, following, substitutes
from workflows.kernel import access, cases, substitution
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.state import TaskView

bp = Blueprint("delegation", __name__, template_folder="templates")

Page = Response | str | tuple[str, int]


@dataclass(frozen=True)
class CaseTools:
    following: bool
    # task uuid -> (id, name) of the colleagues that task may be delegated to
    delegates: dict[str, list[tuple[int, str]]]
    # task uuid -> (id, name) of the people the unit head may reassign the task to
    reassignees: dict[str, list[tuple[int, str]]]


def _holder(actor: Actor, task: TaskView, principals: frozenset[int]) -> Actor | None:
    """Who holds the task as far as the actor may act: the actor, or the absent holder the
    actor stands in for (None: the actor may not delegate it)."""
    if task.claimant_id is None or task.state != "open":
        return None
    if task.claimant_id == actor.user_id:
        return actor
    if task.claimant_id in principals:
        return access.load_actor(get_session(), task.claimant_id)
    return None


@bp.app_template_global("case_tools")
def case_tools(case: Case, tasks: list[TaskView]) -> CaseTools:
    session, actor = get_session(), g.get("actor")
    if actor is None:
        return CaseTools(False, {}, {})
    principals = substitution.principals(session, actor)
    delegates: dict[str, list[tuple[int, str]]] = {}
    for task in tasks:
        holder = _holder(actor, task, principals)
        path = access.unit_path(session, task.scope_org_unit_id)
        if holder is not None and actor.holds(task.role, path):
            delegates[task.task_uuid] = delegation.colleagues(session, holder, task)
    reassignees = {
        task.task_uuid: _role_holders(task, access.unit_path(session, task.scope_org_unit_id))
        for task in tasks
        if task.state == "open"
        and actor.holds(access.UNIT_HEAD, access.unit_path(session, task.scope_org_unit_id))
    }
    return CaseTools(following.is_following(session, actor, case.id), delegates,
                     {k: v for k, v in reassignees.items() if v})


def _role_holders(task: TaskView, path: str | None) -> list[tuple[int, str]]:
    """Active people who hold the task's role at its unit (whom a head may reassign it to)."""
    return role_holders(task.role, task.claimant_id, path)


def role_holders(role: str, claimant_id: int | None, path: str | None) -> list[tuple[int, str]]:
    """Active people holding the lane `role` at the unit `path` or above, but the
    claimant (the inbox's team tab offers them too: issue 18, item 4)."""
    session = get_session()
    rows = session.execute(
        select(User.id, User.display_name, RoleAssignment.role, OrgUnit.path)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(User.active.is_(True), User.id != claimant_id,
               RoleAssignment.role.in_(access.lane_roles(role))))
    found = {(uid, name) for uid, name, _role, unit_path in rows
             if path is not None and path.startswith(unit_path)}
    return sorted(found, key=lambda u: (u[1], u[0]))


@bp.post("/cases/<int:case_id>/tasks/<task_uuid>/reassign")
@login_required
def reassign(case_id: int, task_uuid: str) -> Response:
    """The unit head gives an open task to a colleague (the use case checks everything)."""
    cases.reassign_task(get_session(), current_actor(), case_id, task_uuid,
                        _user_id("to_user_id"))
    flash(_("The task has been reassigned."), "success")
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith(("//", "/\\")):  # from the inbox
        return redirect(target)
    return redirect(url_for("staff.case_page", case_id=case_id))


def _user_id(field: str) -> int:
    raw = request.form.get(field, "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise ValidationFailedError({field: ["Not a valid integer."]})
    return int(raw)


@bp.post("/cases/<int:case_id>/follow")
@login_required
def follow(case_id: int) -> Response:
    on = request.form.get("follow", "1") == "1"
    following.set_following(get_session(), current_actor(), case_id, on)
    flash(_("You now follow this case.") if on else _("You no longer follow this case."),
          "success")
    return redirect(url_for("staff.case_page", case_id=case_id))


@bp.post("/cases/<int:case_id>/tasks/<task_uuid>/delegate")
@login_required
def delegate(case_id: int, task_uuid: str) -> Response:
    to_user = _user_id("to_user_id")
    delegation.delegate_task(get_session(), current_actor(), case_id, task_uuid, to_user)
    name = user_names(get_session(), [to_user]).get(to_user, str(to_user))
    flash(_("The task has been delegated to %(name)s.", name=name), "success")
    return redirect(url_for("staff.case_page", case_id=case_id))


def _date(field: str) -> date:
    raw = request.form.get(field, "").strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailedError({field: ["Not a valid date."]}) from None


@bp.route("/account/substitutes", methods=["GET", "POST"])
@login_required
def substitutes_page() -> Page:
    session, actor = get_session(), current_actor()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            substitutes.set_substitute(session, actor, _user_id("substitute_id"),
                                       _date("starts_on"), _date("ends_on"))
        except ValidationFailedError as err:
            errors, status = err.fields, 422
        else:
            flash(_("Your substitute has been set."), "success")
            return redirect(url_for("delegation.substitutes_page"))
    mine, standing_in = substitutes.listing(session, actor)
    names = user_names(session, [*(v.substitute_id for v in mine),
                                 *(v.user_id for v in standing_in)])
    return render_template(
        "substitutes.html", mine=mine, standing_in=standing_in, people=names,
        candidates=substitutes.candidates(session, actor), errors=errors,
        values=request.form if errors else {},
        today=WorkCalendar.local_date(utcnow()).isoformat()), status


@bp.post("/account/substitutes/<int:substitution_id>/cancel")
@login_required
def cancel_substitute(substitution_id: int) -> Response:
    substitutes.cancel_substitute(get_session(), current_actor(), substitution_id)
    flash(_("The substitution has been ended."), "success")
    return redirect(url_for("delegation.substitutes_page"))
