"""The administration home (`/admin`) and the administration record page (`/admin/record`):
every administrator's action with who, what, when, before and after."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l

from webapp.admin import (
    labels,
    people,  # noqa: F401  (the people and roles pages)
    units,  # noqa: F401  (the org unit pages)
    versions,  # noqa: F401  (the process version pages)
)
from webapp.admin.blueprint import bp
from webapp.core.auth import current_actor
from webapp.core.db import get_session
from webapp.core.paging import page_count, page_number
from workflows.admin import record

PER_PAGE = 50
# The administration sections, in the order the home page lists them: (endpoint, title,
# what it is for). A section whose page module is not installed is left out.
SECTIONS = (
    ("admin.units", _l("Organization units"),
     _l("The district's departments, towns and villages: search, edit, import a file.")),
    ("admin.people", _l("People and roles"),
     _l("Accounts, their roles at units, password resets, locks; import a file.")),
    ("admin.versions", _l("Process versions"),
     _l("Every deployed version of every process, its diagram; deploy a new one.")),
    ("admin.audit", _l("Administration record"),
     _l("Every administrator's action: who, what, when, before and after.")),
)




@bp.get("/")
def index() -> str:
    sections = [s for s in SECTIONS if s[0] in current_app.view_functions]
    return render_template("admin/index.html", sections=sections,
                           actions=record.count(get_session()))


@bp.get("/record")
def audit() -> str:
    number = page_number()
    action = request.args.get("action", "")[:40]
    rows, total = record.events(get_session(), current_actor(), action=action, page=number,
                                per_page=PER_PAGE)
    return render_template("admin/record.html", rows=rows, total=total, page=number,
                           pages=page_count(total, PER_PAGE), action=action,
                           action_codes=list(labels.ACTION_LABELS))
