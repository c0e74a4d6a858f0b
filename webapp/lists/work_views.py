"""Plaques and village work assignments for staff (docs/lists.md).

- /lists/plaques: the plaques hanging in each village the actor may see (a town its villages,
  district staff every village), with merged and removed ones; a town's clerk asks to hang a
  plaque of the plaque list (区委农办 decides) or records a merger or a removal.
- /lists/work: the work assignments and their service purchases; a department's clerk asks
  villages to take on a task (matched against the lists; work on neither list must be bought).
"""

from __future__ import annotations

import json
from typing import Any

from flask import render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from models import Case, OrgKind, OrgUnit, ServicePurchase
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.i18n import N_
from webapp.core.lookups import unit_names
from webapp.lists import common
from webapp.lists.blueprint import bp
from webapp.lists.views import may_read
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.kernel.ids import ProcessId
from workflows.lists import plaques, registry, work_ledger
from workflows.lists.forms import PLAQUE_CHANGES

PLAQUE = str(ProcessId.PLAQUE_CHANGE)
WORK = str(ProcessId.WORK_ASSIGNMENT)
DISTRICT_ROLES = frozenset({access.BURDEN_OFFICE, access.SUPERVISOR, access.AUDITOR,
                            access.ADMIN, access.OFFICE_APPROVER})
Page = Response | str | tuple[str, int]


def _reader() -> Actor:
    actor = current_actor()
    if not may_read(actor):
        raise NotFoundError("no such page")
    return actor


def visible_villages(actor: Actor) -> list[OrgUnit]:
    villages = list(get_session().scalars(select(OrgUnit).where(
        OrgUnit.kind == OrgKind.VILLAGE.value).order_by(OrgUnit.path)))
    if actor.role_names() & DISTRICT_ROLES or common.clerk_units(actor, OrgKind.DEPARTMENT):
        return villages
    return [v for v in villages if actor.covers(v.path)]


@bp.get("/plaques")
@login_required
def plaque_index() -> str:
    actor = _reader()
    session = get_session()
    villages = visible_villages(actor)
    village_id = common.int_arg(request.args, "village")
    shown = [v for v in villages if village_id is None or v.id == village_id]
    counts = plaques.hanging_counts(session, [v.id for v in villages])
    rows = {v.id: plaques.plaques_of(session, v.id) for v in shown}
    names = {p.id: p.name for ps in rows.values() for p in ps}
    return render_template(
        "lists/plaques.html", villages=villages, shown=[v for v in shown if rows[v.id]],
        rows=rows, counts=counts, names=names, village_id=village_id,
        allowed=registry.rows(session, "plaque"),
        can_record=bool(common.clerk_units(actor, OrgKind.TOWN)))


def _town_villages(town_ids: list[int]) -> list[OrgUnit]:
    return list(get_session().scalars(select(OrgUnit).where(
        OrgUnit.parent_id.in_(town_ids), OrgUnit.kind == OrgKind.VILLAGE.value)
        .order_by(OrgUnit.path)))


@bp.route("/plaques/new", methods=["GET", "POST"])
@login_required
def plaque_new() -> Page:
    """A town's clerk: ask to hang a plaque, or record a merger or a removal."""
    actor = current_actor()
    towns = common.clerk_units(actor, OrgKind.TOWN)
    if not towns:
        raise NotFoundError("no such page")
    session = get_session()
    villages = _town_villages(towns)
    hanging = {v.id: [p for p in plaques.plaques_of(session, v.id) if p.status == "hung"]
               for v in villages}
    source = request.form if request.method == "POST" else request.args
    change = source.get("change_kind", "add")
    change = change if change in PLAQUE_CHANGES else "add"
    context: dict[str, Any] = {"change": change, "villages": villages, "hanging": hanging,
                               "allowed": registry.rows(session, "plaque"),
                               "changes": PLAQUE_CHANGES}
    if request.method == "GET":
        return render_template("lists/plaque_new.html", values={}, errors={},
                               form_key=common.new_form_key(), **context)
    values = {k: request.form.get(k, "").strip() for k in (
        "title", "village_id", "entry_id", "plaque_id", "merge_into_id", "note")}
    fields: dict[str, Any] = {"title": values["title"], "change_kind": change,
                              "note": values["note"]}
    for key in ("village_id", "entry_id", "plaque_id", "merge_into_id"):
        fields[key] = common.int_arg(values, key)
    village = next((v for v in villages if v.id == fields["village_id"]), None)
    try:
        if village is None:
            raise ValidationFailedError({"village_id": ["choose a village of your town"]})
        return common.start(actor, PLAQUE, fields, int(village.parent_id or 0),
                            N_("The plaque change has been recorded."))
    except (ValidationFailedError, NotAllowedError) as err:
        errors = err.fields if isinstance(err, ValidationFailedError) else {
            "village_id": [str(err)]}
        return render_template("lists/plaque_new.html", values=values, errors=errors,
                               form_key=request.form.get("form_key", ""), **context), 422


@bp.get("/work")
@login_required
def work_index() -> str:
    actor = _reader()
    session = get_session()
    visible = {v.id for v in visible_villages(actor)}
    own = set(common.clerk_units(actor, OrgKind.DEPARTMENT)) | {
        uid for role, uid, _p in actor.roles if role == access.UNIT_HEAD}
    district = bool(actor.role_names() & DISTRICT_ROLES)
    rows = []
    for case in session.scalars(select(Case).where(Case.case_type == WORK)
                                .order_by(Case.id.desc())):
        data = json.loads(case.data or "{}")
        villages = [v for v in data.get("villages") or []]
        if not (district or case.scope_org_unit_id in own
                or any(int(v["unit_id"]) in visible for v in villages)):
            continue
        rows.append({"case": case, "data": data, "villages": villages})
    purchases = {p.case_id: p for p in session.scalars(select(ServicePurchase))}
    names = unit_names(session, [r["case"].scope_org_unit_id for r in rows]
                       + [p.paying_unit_id for p in purchases.values()])
    return render_template("lists/work.html", rows=rows, purchases=purchases, names=names,
                           can_request=bool(common.clerk_units(actor, OrgKind.DEPARTMENT)))


@bp.route("/work/new", methods=["GET", "POST"])
@login_required
def work_new() -> Page:
    """A department's clerk: name the work; the draft (villages, dates, purchase) follows."""
    actor = current_actor()
    units = common.clerk_units(actor, OrgKind.DEPARTMENT)
    if not units:
        raise NotFoundError("no such page")
    context = {"units": unit_names(get_session(), units)}
    if request.method == "GET":
        return render_template("lists/work_new.html", values={}, errors={},
                               form_key=common.new_form_key(), **context)
    values = {"title": request.form.get("title", "").strip()}
    chosen = common.int_arg(request.form, "unit")
    try:
        return common.start(actor, WORK, values, chosen if chosen in units else units[0],
                            N_("The request has been started: describe the work, the "
                               "villages and any service purchase."))
    except ValidationFailedError as err:
        return render_template("lists/work_new.html", values=values, errors=err.fields,
                               form_key=request.form.get("form_key", ""), **context), 422


def dashboard_section() -> dict[str, Any] | None:
    """Plaques hanging and work given, per town of the villages the actor sees (the
    supervision dashboard's block); None for staff who see no village."""
    actor = current_actor()
    if not isinstance(actor, Actor):
        return None
    session = get_session()
    villages = visible_villages(actor)
    if not villages:
        return None
    town_of = {v.id: v.parent_id for v in villages}
    names = unit_names(session, set(town_of.values()))
    towns: dict[int | None, dict[str, Any]] = {
        t: {"name": names.get(t or 0, ""), "plaques": 0, "paid": 0, "unpaid": 0, "amount": 0.0}
        for t in sorted(set(town_of.values()), key=lambda t: names.get(t or 0, ""))}
    for vid, n in plaques.hanging_counts(session, town_of).items():
        towns[town_of[vid]]["plaques"] += n
    for w in work_ledger.assignment_entries(session):
        if w.village_id in town_of:
            row = towns[town_of[w.village_id]]
            row["paid" if w.paid else "unpaid"] += 1
            row["amount"] += w.amount
    return {"towns": list(towns.values())}


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"lists_dashboard": dashboard_section}
