"""The village lists for staff (docs/lists.md): the four lists with search, an entry's page
with every version (who changed what, when, and the steps of its approval), and proposing a
new entry, an amendment or a removal (a clerk of a district department or of 区委农办;
through the list change process). Rows are never edited here."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from werkzeug.wrappers import Response

from models import Case, OrgKind
from webapp.core import navigation
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.i18n import N_, field_choice_label
from webapp.core.lookups import unit_names
from webapp.core.schema_form import field_specs, parse
from webapp.lists import common
from webapp.lists.blueprint import bp
from workflows.kernel import cases, forms
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.kernel.ids import ProcessId
from workflows.lists import changes, registry
from workflows.lists.forms import CHANGE_KINDS, ENTRY_FIELDS, LIST_KINDS

PROCESS = str(ProcessId.LIST_CHANGE)
STATUSES = ("active", "removed")
Page = Response | str | tuple[str, int]


def may_read(actor: object) -> bool:
    """Every member of staff with a role reads the lists (the public reads those in force)."""
    return isinstance(actor, Actor) and (actor.is_system or bool(actor.roles))


navigation.add_menu_item("lists.index", N_("Village lists"), "nav-lists", may_read)


def _reader() -> Actor:
    actor = current_actor()
    if not may_read(actor):
        raise NotFoundError("no such page")
    return actor


@bp.get("")
@login_required
def index() -> str:
    actor = _reader()
    kind = request.args.get("kind", "")
    kind = kind if kind in LIST_KINDS else ""
    status = request.args.get("status", "active")
    status = status if status in STATUSES else ""
    q = request.args.get("q", "")[:registry.MAX_QUERY]
    rows = registry.rows(get_session(), kind or None, q, status or None)
    return render_template("lists/index.html", rows=rows, kinds=LIST_KINDS, kind=kind, q=q,
                           status=status, statuses=STATUSES,
                           can_propose=bool(common.clerk_units(actor, OrgKind.DEPARTMENT)))


@bp.get("/entries/<int:item_id>")
@login_required
def entry(item_id: int) -> str:
    actor = _reader()
    session = get_session()
    row = registry.get_row(session, item_id)
    versions = registry.history(session, item_id)
    pending = changes.open_proposal_for(session, item_id)
    units = common.clerk_units(actor, OrgKind.DEPARTMENT)
    office = changes.unit_by_code(session, changes.BURDEN_OFFICE_CODE).id
    may_change = bool(units) and (row.unit_id in units or office in units)
    names = unit_names(session, [v.fields.get("unit_id") for v in versions])
    return render_template(
        "lists/entry.html", row=row, versions=list(reversed(versions)), pending=pending,
        can_change=may_change and row.status == "active" and pending is None,
        fields=ENTRY_FIELDS, names=names)


@bp.route("/propose", methods=["GET", "POST"])
@login_required
def propose() -> Page:
    """Start a change of a list (add, amend or remove): the draft task follows."""
    actor = current_actor()
    units = common.clerk_units(actor, OrgKind.DEPARTMENT)
    if not units:
        raise NotFoundError("no such page")
    source = request.form if request.method == "POST" else request.args
    kind, change = source.get("list_kind", ""), source.get("change_kind", "add")
    if change not in CHANGE_KINDS:
        abort(404)
    row = None
    entry_id = common.int_arg(source, "entry_id")
    if change != "add":
        if entry_id is None:
            abort(404)
        row = registry.get_row(get_session(), entry_id)
        kind = row.list_kind
    specs = [s for s in field_specs(forms.START_FORMS[PROCESS]) if s.name == "title"]
    context: dict[str, Any] = {"change": change, "row": row, "specs": specs, "kinds": LIST_KINDS,
                               "kind": kind, "units": unit_names(get_session(), units)}
    if request.method == "GET":
        title = "" if row is None else f"{row.title}：{field_choice_label(change, 'change_kind')}"
        return render_template("lists/propose.html", values={"title": title}, errors={},
                               form_key=common.new_form_key(), **context)
    values = parse(specs, request.form)
    fields = {**values, "list_kind": kind, "change_kind": change,
              "entry_id": row.entry_id if row else None}
    chosen = common.int_arg(request.form, "unit")
    unit = chosen if chosen in units else units[0]
    try:
        return common.start(actor, PROCESS, fields, unit,
                            N_("The change has been started: fill in the entry and send it "
                               "for review."))
    except ValidationFailedError as err:
        return render_template("lists/propose.html", values=values, errors=err.fields,
                               form_key=request.form.get("form_key", ""), **context), 422
    except NotAllowedError as err:
        return render_template("lists/propose.html", values=values,
                               errors={"title": [str(err)]},
                               form_key=request.form.get("form_key", ""), **context), 403


# ------------------------------------------------------------------ panels on case pages


def lists_panel(case: Case) -> dict[str, Any] | None:
    """What the task and case pages of a list change, plaque change or work assignment show
    (None for other processes)."""
    if case.case_type not in (PROCESS, str(ProcessId.PLAQUE_CHANGE),
                              str(ProcessId.WORK_ASSIGNMENT)):
        return None
    session = get_session()
    _case, state = cases.get_case(session, current_actor(), case.id)
    data = state.data
    check = data.get("duplicate_check") or data.get("list_match") or {}
    matches = list(check.get("matches") or [])
    current = data.get("current") if isinstance(data.get("current"), dict) else None
    changed = []
    if current is not None:
        changed = [(f, current.get(f), data.get(f)) for f in ENTRY_FIELDS
                   if f in data and data.get(f) != current.get(f)]
    names = unit_names(session, [m.get("unit_id") for m in matches]
                       + [data.get("paying_unit_id")])
    return {
        "process": case.case_type, "data": data, "checked": bool(check),
        "skipped": check.get("skipped"), "compared": check.get("compared", 0),
        "threshold": check.get("threshold"),
        "matches": [{**m, "unit": names.get(m.get("unit_id"), "")} for m in matches],
        "returns": list(data.get("returns") or []), "changes": changed,
        "payer": names.get(int(data.get("paying_unit_id") or 0), ""),
        "purchase": data.get("purchase_check") or {},
    }


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"lists_panel": lists_panel}
