"""The inspection a department's request joined, as that department sees it (issue 19, item 3).

A request that joined an overlapping inspection ends "merged"; its department is not a party
of the host case, whose page (its history, comments, the villages' ratings) stays the host
department's and the district's. `/inspections/joined/<host case>` shows the joining
department what it needs to go along: the host's title, department, kind, dates, villages and
status, and every team that joined it (its own included, linked to its own request).

Who may open it: the clerks and head of a department whose request joined the inspection
(`workflows.inspections.joins.may_read`), and whoever may open the host case itself. A link
to the host case (`/cases/<id>`) that the joining department follows lands here instead of on
a 404 (`_joined_case`, before the request); everyone else gets a 404."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from models import Case, OrgUnit
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from workflows.inspections import joins
from workflows.inspections import requests as inspections
from workflows.kernel import cases
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError


def _sees_host(actor: Actor, case_id: int) -> bool:
    try:
        cases.get_case(get_session(), actor, case_id)
    except NotFoundError:
        return False
    return True


def _host(actor: Actor, case_id: int) -> tuple[Case, bool]:
    """The host case and whether the actor may open the case itself; 404 when neither it
    nor the joined view is the actor's."""
    session = get_session()
    case = session.get(Case, case_id)
    if (case is None or case.case_type != inspections.PROCESS
            or case.status not in inspections.APPROVED_STATUSES):
        raise NotFoundError("no such inspection")
    own = _sees_host(actor, case_id)
    if not own and not joins.may_read(session, actor, case):
        raise NotFoundError("no such inspection")
    return case, own


def joined(case_id: int) -> str:
    actor = current_actor()
    session = get_session()
    case, own = _host(actor, case_id)
    data: dict[str, Any] = json.loads(case.data or "{}")
    unit = session.get(OrgUnit, data.get("owner_unit_id")) if data.get("owner_unit_id") else None
    mine = {uid for _role, uid, _path in actor.roles}
    teams = []
    for joined_id, join in joins.joined_by(session, case_id):
        teams.append({"case_id": joined_id, "department": str(join.get("by_unit_name") or ""),
                      "people": join.get("people"), "days": join.get("days"),
                      "villages": [str(v.get("name")) for v in join.get("villages") or []],
                      "ours": join.get("by_unit_id") in mine})
    return render_template(
        "inspections/joined.html", case=case, own=own, teams=teams,
        department=unit.name if unit is not None else "",
        kind=str(data.get("inspection_type") or ""), start=data.get("window_start"),
        end=data.get("window_end"), people=data.get("people"), days=data.get("days"),
        villages=[str(v.get("name")) for v in data.get("villages") or []])


def _joined_case() -> Response | None:
    """A joining department following a link to the host case gets the joined view."""
    if request.endpoint != "staff.case_page" or not request.view_args:
        return None
    actor = g.get("actor")
    if (not isinstance(actor, Actor) or actor.is_system
            or not any(role in joins.READERS for role, _unit, _path in actor.roles)):
        return None  # only a department's clerks and heads can have joined
    case_id = request.view_args.get("case_id")
    session = get_session()
    case = session.get(Case, case_id) if isinstance(case_id, int) else None
    if case is None or case.case_type != inspections.PROCESS or case.status == "merged":
        return None
    if _sees_host(actor, case.id) or not joins.may_read(session, actor, case):
        return None
    return redirect(url_for("inspections.joined", case_id=case.id))


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/joined/<int:case_id>", "joined", login_required(joined))
    bp.before_app_request(_joined_case)
