"""People and roles pages (`/admin/people`, administrators only): the searchable list in
pages of 50, a new person, one person (edit, roles granted and revoked, deactivate and
reactivate, lock and unlock, a password reset shown once, their administration history).
The file import is webapp/admin/people_import.py. Every change goes through
workflows.admin.people and is recorded; a refused change answers 422 with the message next
to its field."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from models import OrgUnit, utcnow
from webapp.admin import people_import as _import_pages  # noqa: F401  (adds the import page)
from webapp.admin import people_text
from webapp.admin.blueprint import bp
from webapp.core.auth import current_actor
from webapp.core.db import get_session
from webapp.core.paging import page_count, page_number
from workflows.admin import people as people_api
from workflows.admin import people_read
from workflows.admin import people_rules as rules
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ValidationFailedError

PER_PAGE = people_read.PER_PAGE
ACTIVE_FILTER = {"1": True, "0": False}




def _int(name: str) -> int | None:
    raw = request.form.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None


def _roles() -> list[str]:
    return list(rules.GRANTABLE)


@bp.get("/people")
def people() -> str:
    q = request.args.get("q", "")[:80]
    role = request.args.get("role", "")
    role = role if role in rules.GRANTABLE else ""
    active = request.args.get("active", "")
    active = active if active in ACTIVE_FILTER else ""
    number = page_number()
    rows, total = people_read.search_people(get_session(), current_actor(), q, number,
                                            PER_PAGE, role=role,
                                            active=ACTIVE_FILTER.get(active))
    return render_template("admin/people.html", rows=rows, total=total, page=number,
                           pages=page_count(total, PER_PAGE), q=q, role=role,
                           active=active, roles=_roles())


def _grant_choices() -> list[tuple[str, list[Any]]]:
    today = WorkCalendar.local_date(utcnow())
    return [(people_text.kind_label(kind), units)
            for kind, units in people_read.units_by_kind(get_session(), today)]


@bp.route("/people/new", methods=["GET", "POST"])
def people_new() -> str | Response | tuple[str, int]:
    values = {k: request.form.get(k, "")[:200] for k in ("username", "display_name", "email",
                                                        "role", "unit_id")}
    if request.method == "GET":
        return render_template("admin/people_new.html", values=values, errors={},
                               roles=_roles(), units=_grant_choices())
    session = get_session()
    grants: tuple[str, ...] = ()
    errors: dict[str, list[str]] = {}
    unit_id = _int("unit_id")
    if values["role"]:
        unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
        if unit is None:
            errors["unit"] = [rules.MSG_UNIT]
        else:
            grants = (rules.role_text(values["role"], unit.code),)
    if not errors:
        try:
            added = people_api.add_person(session, current_actor(), values["username"],
                                      values["display_name"], email=values["email"],
                                      roles=grants)
        except ValidationFailedError as err:
            errors = {("role" if k == "roles" else k): v for k, v in err.fields.items()}
    if errors:
        session.rollback()
        return render_template("admin/people_new.html", values=values, errors=errors,
                               roles=_roles(), units=_grant_choices()), 422
    return _show_password(added.user_id, added.password, created=True)


def _show_password(user_id: int, secret: str, *, created: bool) -> str:
    """The one-time password, on this response only (pages are never cached)."""
    person = people_read.get_person(get_session(), current_actor(), user_id)
    return render_template("admin/people_password.html", person=person, secret=secret,
                           created=created)


def _person_page(user_id: int, errors: dict[str, list[str]] | None = None,
                 values: dict[str, str] | None = None) -> str:
    session, actor = get_session(), current_actor()
    person = people_read.get_person(session, actor, user_id)
    return render_template(
        "admin/people_person.html", person=person, errors=errors or {},
        values=values or {"display_name": person.display_name, "email": person.email or ""},
        roles=_roles(), units=_grant_choices(),
        history=people_read.history(session, actor, person.username),
        unit_names=people_read.unit_names(session), now=utcnow(),
        is_me=person.id == actor.user_id)


@bp.get("/people/<int:user_id>")
def person(user_id: int) -> str:
    return _person_page(user_id)


def _refused(user_id: int, err: ValidationFailedError, rename: dict[str, str] | None = None,
             values: dict[str, str] | None = None) -> tuple[str, int]:
    get_session().rollback()
    fields = {(rename or {}).get(k, k): v for k, v in err.fields.items()}
    return _person_page(user_id, fields, values), 422


@bp.post("/people/<int:user_id>/edit")
def person_edit(user_id: int) -> Response | tuple[str, int]:
    values = {k: request.form.get(k, "")[:200] for k in ("display_name", "email")}
    try:
        changed = people_api.edit_person(get_session(), current_actor(), user_id,
                                     display_name=values["display_name"],
                                     email=values["email"])
    except ValidationFailedError as err:
        return _refused(user_id, err, values=values)
    flash(_("Saved.") if changed else _("Nothing changed."), "success" if changed else "info")
    return redirect(url_for("admin.person", user_id=user_id))


@bp.post("/people/<int:user_id>/active")
def person_active(user_id: int) -> Response | tuple[str, int]:
    session, actor = get_session(), current_actor()
    try:
        if request.form.get("do") == "reactivate":
            people_api.reactivate(session, actor, user_id)
            flash(_("The person is active again."), "success")
        else:
            released = people_api.deactivate(session, actor, user_id)
            flash(_("The person is deactivated; %(n)s task(s) went back to their groups and "
                    "the unit heads were told.", n=len(released)), "success")
    except ValidationFailedError as err:
        return _refused(user_id, err)
    return redirect(url_for("admin.person", user_id=user_id))


@bp.post("/people/<int:user_id>/lock")
def person_lock(user_id: int) -> Response | tuple[str, int]:
    session, actor = get_session(), current_actor()
    try:
        if request.form.get("do") == "unlock":
            people_api.unlock(session, actor, user_id)
            flash(_("The account is unlocked."), "success")
        else:
            people_api.lock(session, actor, user_id)
            flash(_("The account is locked until you unlock it."), "success")
    except ValidationFailedError as err:
        return _refused(user_id, err)
    return redirect(url_for("admin.person", user_id=user_id))


@bp.post("/people/<int:user_id>/password")
def person_password(user_id: int) -> str:
    secret = people_api.reset_password(get_session(), current_actor(), user_id)
    return _show_password(user_id, secret, created=False)


@bp.post("/people/<int:user_id>/roles")
def person_grant(user_id: int) -> Response | tuple[str, int]:
    unit_id = _int("unit_id")
    try:
        if unit_id is None:
            raise ValidationFailedError({"unit": [rules.MSG_UNIT]})
        people_api.grant_role(get_session(), current_actor(), user_id,
                          request.form.get("role", "")[:40], unit_id)
    except ValidationFailedError as err:
        return _refused(user_id, err)
    flash(_("Role granted: it works at once."), "success")
    return redirect(url_for("admin.person", user_id=user_id))


@bp.post("/people/<int:user_id>/roles/revoke")
def person_revoke(user_id: int) -> Response | tuple[str, int]:
    unit_id = _int("unit_id")
    try:
        released = people_api.revoke_role(get_session(), current_actor(), user_id,
                                      request.form.get("role", "")[:40], unit_id or 0)
    except ValidationFailedError as err:
        return _refused(user_id, err, {"role": "revoke"})
    flash(_("Role revoked; %(n)s task(s) went back to their groups.", n=len(released)),
          "success")
    return redirect(url_for("admin.person", user_id=user_id))
