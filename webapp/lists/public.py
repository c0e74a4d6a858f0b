"""The lists in force for everybody (no login, no JavaScript, phone first): what a village may
be asked to do (the self-governance and assistance lists), the only certificates it may be
asked to issue, and the plaques its office may carry; searchable. Each page says what to do
when a demand is not on the list, and links to the complaint form with the matching category
chosen."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, render_template, request

from webapp.core.db import get_session
from webapp.lists.blueprint import public_bp
from workflows.kernel.calendar import WorkCalendar
from workflows.lists import registry
from workflows.lists.forms import LIST_KINDS

# The complaint category (workflows.complaints.forms.CATEGORIES) a demand off each list is.
COMPLAINT_CATEGORY = {"self_governance": "unfunded_work", "assistance": "unfunded_work",
                      "certificate": "certificates", "plaque": "plaques"}


def _today() -> date:
    return WorkCalendar.local_date(datetime.now().astimezone())


@public_bp.get("")
def index() -> str:
    q = request.args.get("q", "")[:registry.MAX_QUERY].strip()
    session = get_session()
    today = _today()
    found = registry.rows(session, None, q, on=today) if q else []
    return render_template("lists/public_index.html", kinds=LIST_KINDS, q=q, found=found,
                           counts=registry.counts(session, today),
                           categories=COMPLAINT_CATEGORY)


@public_bp.get("/<kind>")
def show(kind: str) -> str:
    if kind not in LIST_KINDS:
        abort(404)
    q = request.args.get("q", "")[:registry.MAX_QUERY].strip()
    rows = registry.rows(get_session(), kind, q, on=_today())
    return render_template("lists/public_list.html", kind=kind, q=q, rows=rows,
                           category=COMPLAINT_CATEGORY[kind])
