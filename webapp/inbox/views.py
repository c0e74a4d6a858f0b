"""The inbox page (tabs, filters, search, pages, saved filters, bulk actions) and where an
official lands after a decision: the next task of the same tab and filters.

`views.inbox` (endpoint `inbox.inbox`) renders `page()`; this blueprint holds the inbox's
own writes. Delegation, substitutes and following are in `webapp.inbox.delegation`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from webapp.core import i18n, lookups, navigation, pickers
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.lookups import unit_names, user_names
from webapp.core.schema_form import UNIT, FieldSpec, decision_field, field_specs
from webapp.inbox.delegation import role_holders
from workflows.complaints import staff as complaint_staff
from workflows.inbox import bulk, saved_filters
from workflows.inbox import done as done_tasks
from workflows.inbox import search as inbox_search
from workflows.inbox.filters import (
    DONE,
    OVERDUE,
    TABS,
    TEAM,
    TODAY,
    WEEK,
    InboxFilter,
    parse_filter,
)
from workflows.inbox.options import filter_options
from workflows.inbox.search import InboxItem
from workflows.kernel import access, forms
from workflows.kernel.errors import ValidationFailedError

bp = Blueprint("inbox", __name__, template_folder="templates")

MAX_PAGE = 100_000


def _page_number(raw: str | None) -> int:
    text = (raw or "1").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or int(text) < 1:
        raise ValidationFailedError({"page": ["Not a valid integer."]})
    return min(int(text), MAX_PAGE)


def page_size() -> int:
    return int(current_app.config.get("INBOX_PAGE_SIZE", inbox_search.PAGE_SIZE))


def inbox_url(flt: InboxFilter, page: int = 1, **extra: str) -> str:
    params = {**flt.params(), **extra}
    if page > 1:
        params["page"] = str(page)
    query = urlencode(params)
    return url_for("inbox.inbox") + (f"?{query}" if query else "")


def _decisions(rows: list[InboxItem]) -> dict[str, tuple[FieldSpec, bool, FieldSpec | None]]:
    """The one-click decision of each workable row whose form is a single choice, whether
    it has a comment, and its unit field (受理: the unit that corrects, pre-chosen from what
    the complainant named), drawn beside the buttons."""
    out: dict[str, tuple[FieldSpec, bool, FieldSpec | None]] = {}
    for row in rows:
        schema = forms.form_schema(row.case_type, row.task_id) if row.workable else None
        specs = field_specs(schema) if schema else []
        decision = decision_field(specs)
        if decision is not None:
            unit = next((s for s in specs if s.kind == UNIT), None)
            out[row.task_uuid] = (decision, any(s.name == "comment" for s in specs), unit)
    return out


def _unit_pickers(session: Session, rows: list[InboxItem],
                  decisions: dict[str, tuple[FieldSpec, bool, FieldSpec | None]]
                  ) -> dict[str, pickers.UnitPicker]:
    """The unit picker of each quick decision that has a unit field."""
    out: dict[str, pickers.UnitPicker] = {}
    choices: dict[str, lookups.UnitChoices] = {}
    for row in rows:
        unit = decisions.get(row.task_uuid, (None, False, None))[2]
        if unit is None:
            continue
        if unit.role not in choices:
            choices[unit.role] = lookups.units_with_role(session, unit.role)
        found = choices[unit.role]
        chosen = "" if row.responsible_unit_id is None else str(row.responsible_unit_id)
        out[row.task_uuid] = pickers.UnitPicker(found.departments, found.towns, chosen)
    return out


def _bulk_choices(rows: list[InboxItem]) -> list[str]:
    choices: dict[str, None] = {}
    for row in rows:
        schema = forms.form_schema(row.case_type, row.task_id) if row.workable else None
        name = bulk.decision_field(schema) if schema else None
        if schema is not None and name is not None:
            spec = next(s for s in field_specs(schema) if s.name == name)
            choices.update(dict.fromkeys(spec.choices))
    return list(choices)


SHOWN_VILLAGES = 3  # villages named in the inbox column; more are counted


def _place(row: InboxItem, names: dict[int, str]) -> str:
    """Village (or town) and unit: where the case is and who answers for it."""
    parts = []
    where = row.village_id or row.town_id
    if where:
        parts.append(names.get(where, ""))
    elif row.village_ids:
        shown = "、".join(names.get(v, "") for v in row.village_ids[:SHOWN_VILLAGES])
        more = len(row.village_ids) - SHOWN_VILLAGES
        parts.append(shown if more <= 0 else str(_("%(villages)s and %(count)s more",
                                                    villages=shown, count=more)))
    unit = row.responsible_unit_id or row.case_unit_id
    if unit and unit != where:
        parts.append(names.get(unit, ""))
    return " · ".join(p for p in parts if p)


def _task_choices(tasks: list[tuple[str, str]],
                  processes: dict[str, str]) -> list[tuple[Any, str]]:
    """Each task once; a name shared by tasks of two processes (区委农办审核 of the report
    forms and of the catalog) says which process it belongs to."""
    names = [name for _id, name in tasks]
    return [(task_id, name if names.count(name) == 1 else
             f"{name}（{i18n.process_label(processes.get(task_id, ''))}）")
            for task_id, name in tasks]


def _reassignees(session: Session, rows: list[InboxItem]) -> dict[str, list[tuple[int, str]]]:
    """Whom the unit head may give each row's task to, where the actor heads its unit (the
    team tab's inline reassignment: issue 18, item 4)."""
    actor, out = current_actor(), {}
    for row in rows:
        path = access.unit_path(session, row.scope_org_unit_id)
        if actor.holds(access.UNIT_HEAD, path):
            people = role_holders(row.role, row.claimant_id, path)
            if people:
                out[row.task_uuid] = people
    return out


def _filter_fields(session: Session) -> list[tuple[str, str, list[tuple[Any, str]]]]:
    """(parameter, label, [(value, text)]) of every filter select."""
    o = filter_options(session)
    return [
        ("process", _("Process"), [(p, i18n.process_label(p)) for p in o.processes]),
        ("task", _("Task"), _task_choices(o.tasks, o.task_processes)),
        ("status", _("Status"), [(s, i18n.status_label(s)) for s in o.statuses]),
        ("due", _("Due"), [(OVERDUE, _("Overdue")), (TODAY, _("Due today")),
                           (WEEK, _("Due this week"))]),
        ("town", _("Town"), list(o.towns)),
        ("village", _("Village"), list(o.villages)),
        ("unit", _("Unit"), list(o.units)),
        ("category", _("Category"), [(c, i18n.choice_label(c)) for c in o.categories]),
    ]


@bp.get("/")
def index() -> Response:
    return redirect(url_for("inbox.inbox"))


# Roles that hold no tasks and read the history instead: landing on an empty inbox told an
# auditor nothing, so their landing page shows the cases to audit (issue 18, item 9), drawn
# by the supervision pages' own view (no import: the inbox knows only its endpoint).
READERS_ONLY = frozenset({access.AUDITOR})
READERS_LANDING = "audit.cases"


@bp.get("/inbox")
@login_required
def inbox() -> str:
    roles = current_actor().role_names()
    if roles and roles <= READERS_ONLY and READERS_LANDING in current_app.view_functions:
        return str(current_app.view_functions[READERS_LANDING]())
    return page()


def page() -> str:
    """The inbox: the tab and filters of the query string, one page of tasks."""
    session, actor = get_session(), current_actor()
    flt = parse_filter(request.args)
    number = _page_number(request.args.get("page"))
    result = inbox_search.search(session, actor, flt, page=number, per_page=page_size())
    rows = result.rows
    done = done_tasks.done_by(session, actor) if flt.tab == DONE else []
    ids = {i for r in rows for i in (r.village_id, r.town_id, r.responsible_unit_id,
                                     r.case_unit_id, *r.village_ids[:SHOWN_VILLAGES])}
    names = unit_names(session, ids)
    decisions = _decisions(rows)
    startable = (sorted(set(forms.START_FORMS) - forms.PUBLIC_STARTS)
                 if access.CLERK in actor.role_names() else [])
    return render_template(
        "inbox.html", rows=rows, result=result, flt=flt, tabs=TABS, done=done,
        places={r.task_uuid: _place(r, names) for r in rows},
        holders=user_names(session, (r.claimant_id for r in rows)),
        decisions=decisions, unit_pickers=_unit_pickers(session, rows, decisions),
        reassignees=_reassignees(session, rows) if flt.tab == TEAM else {},
        heads=access.UNIT_HEAD in actor.role_names(),
        bulk_choices=_bulk_choices(rows),
        saved=saved_filters.visible_filters(session, actor),
        my_units=unit_names(session, (u for _, u, _ in actor.roles)),
        startable=startable, reminders=complaint_staff.reminders_for(session, actor),
        exact_times=complaint_staff.sees_exact_times(actor),
        here=inbox_url(flt, number), here_query=urlencode(flt.params()),
        filter_fields=_filter_fields(session), clear_url=inbox_url(InboxFilter(tab=flt.tab)),
        url_for_page=lambda n: inbox_url(flt, n),
        url_for_tab=lambda t: inbox_url(replace(flt, tab=t)))


def _local(target: str) -> str | None:
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else None


NEXT = "next"  # the flash category of the next task offered after a decision


@navigation.after_decision_is
def after_decision() -> str:
    """Where to go after a task form is sent: the `next` page when the form came from the
    inbox, else the inbox view it was opened from (`inbox`, a query string), which offers
    the next task of that view (a link above the list: issue 18, item 4, jumping into
    another case's form disoriented)."""
    target = _local(request.form.get("next", ""))
    if target:
        return target
    raw = request.form.get("inbox", "")[:2000]
    try:
        flt = parse_filter(dict(parse_qsl(raw)))
    except ValidationFailedError:
        flt = InboxFilter()
    following = inbox_search.next_task(get_session(), current_actor(), flt)
    if following is not None:  # offered, not jumped to (issue 18, item 4)
        url = url_for("staff.task_page", case_id=following.case_id,
                      task_uuid=following.task_uuid)
        if flt.params():
            url = f"{url}?{urlencode({'inbox': urlencode(flt.params())})}"
        offer = {"url": url, "label": f"{following.case_title} · {following.name}"}
        flash(offer, NEXT)  # type: ignore[arg-type]  # drawn as a link by base.html
    return inbox_url(flt)


def _items(values: list[str]) -> list[bulk.BulkItem]:
    items = []
    for value in values:
        case, _sep, uuid = value.partition(":")
        if not (case.isascii() and case.isdigit() and len(case) <= 9 and uuid
                and len(uuid) <= 64):
            raise ValidationFailedError({"tasks": ["invalid input"]})
        items.append(bulk.BulkItem(int(case), uuid))
    return items


@bp.post("/inbox/bulk")
@login_required
def bulk_action() -> Response:
    """Claim, or decide, every selected task: one command each, every outcome reported."""
    items = _items(request.form.getlist("task"))
    results = bulk.run_bulk(get_session(), current_actor(), request.form.get("action", ""),
                            items, decision=request.form.get("decision", "").strip(),
                            comment=request.form.get("comment", "").strip()[:2000])
    done = sum(r.ok for r in results)
    flash(_("%(done)s of %(total)s selected tasks done.", done=done, total=len(results)),
          "success" if done == len(results) else "info")
    for r in results:
        if not r.ok:
            reasons = [i18n.message(m) for ms in r.fields.values() for m in ms]
            flash(_("Case %(case)s: %(reason)s", case=r.case_id,
                    reason=" ".join(reasons) or i18n.message(r.message)), "error")
    return redirect(_local(request.form.get("next", "")) or url_for("inbox.inbox"))


@bp.post("/inbox/filters")
@login_required
def save_filter() -> Response:
    flt = parse_filter(dict(parse_qsl(request.form.get("query", "")[:2000])))
    unit = request.form.get("org_unit_id", "").strip()
    if unit and not (unit.isascii() and unit.isdigit() and len(unit) <= 9):
        raise ValidationFailedError({"org_unit_id": ["choose one of your own units"]})
    saved_filters.save_filter(get_session(), current_actor(), request.form.get("filter_name", ""),
                              flt, shared=request.form.get("shared") == "1",
                              org_unit_id=int(unit) if unit else None)
    flash(_("The filter has been saved."), "success")
    return redirect(inbox_url(flt))


@bp.post("/inbox/filters/<int:filter_id>/delete")
@login_required
def delete_filter(filter_id: int) -> Response:
    saved_filters.delete_filter(get_session(), current_actor(), filter_id)
    flash(_("The filter has been deleted."), "success")
    return redirect(url_for("inbox.inbox"))


@bp.app_template_global("saved_filter_url")
def saved_filter_url(params: dict[str, Any]) -> str:
    try:
        return inbox_url(parse_filter({str(k): str(v) for k, v in params.items()}))
    except ValidationFailedError:
        return url_for("inbox.inbox")
