"""The inbox and delegation in the JSON API (`/api/v1`, blueprint `webapp.cases.api.bp`).

GET /inbox takes the inbox page's parameters (tab, filters, q, page; `mine=1` is the older
spelling of `tab=mine`) and answers one page of tasks with the totals. POST .../delegate
hands a task you hold to a colleague of your unit who holds its role.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from webapp.cases import api_schemas as schemas
from webapp.cases import presenters
from webapp.cases.api import CASE, bp, idempotency, json_body
from webapp.core.auth import current_actor
from webapp.core.db import get_session
from workflows.complaints import staff as complaint_staff
from workflows.inbox import delegation
from workflows.inbox import search as inbox_search
from workflows.inbox.filters import MINE, parse_filter
from workflows.inbox.search import InboxItem
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.history import iso

LEGACY_MINE = {"1": True, "true": True, "0": False, "false": False}
MAX_PAGE = 100_000


def inbox_row(row: InboxItem, exact: bool) -> dict[str, Any]:
    out = {
        "case_id": row.case_id, "case_title": row.case_title, "case_type": row.case_type,
        "case_status": row.case_status, "case_version": row.case_version,
        "task_uuid": row.task_uuid, "task_id": row.task_id, "name": row.name,
        "role": row.role, "scope_org_unit_id": row.scope_org_unit_id,
        "claimant_id": row.claimant_id, "on_behalf_of": row.on_behalf_of,
        "due_at": iso(row.due_at) if row.due_at else None,
        "working_days_left": row.days_left, "due_level": row.level,
        "priority": row.priority, "workable": row.workable,
        "town_id": row.town_id, "village_id": row.village_id,
        "responsible_unit_id": row.responsible_unit_id, "category": row.category or None,
    }
    return out if exact else dict(presenters.coarsen(out))


def _page() -> int:
    raw = request.args.get("page", "1").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not 1 <= int(raw) <= MAX_PAGE:
        raise ValidationFailedError({"page": [f"Must be greater than or equal to 1 and less "
                                              f"than or equal to {MAX_PAGE}."]})
    return int(raw)


ID_PARAMS = frozenset({"town", "village", "unit"})
# Parameters with a fixed set of values or ids; free text (q, process, task, status,
# category) is taken as given.
CHOICE_PARAMS = ID_PARAMS | {"tab", "due"}


@bp.get("/inbox")
def inbox() -> Response:
    params = dict(request.args.items())
    mine = LEGACY_MINE.get(params.pop("mine", "0"))
    if mine is None:
        raise BadRequest(_("The query parameter mine must be 1, true, 0 or false."))
    if mine:
        params["tab"] = MINE
    # The API is strict where the HTML form is lenient: an empty or padded value is an
    # error naming the parameter, as the OpenAPI document says (the page's filter form
    # sends empty fields for "any").
    padded = [k for k, v in params.items() if k in CHOICE_PARAMS and v != v.strip()]
    if padded:
        raise ValidationFailedError({k: ["no spaces around the value"] for k in padded})
    schemas.load(schemas.InboxQuery, {
        k: int(v) if k in ID_PARAMS and v.isascii() and v.isdigit() and len(v) < 12 else v
        for k, v in params.items() if k != "page"})
    flt = parse_filter(params)
    per_page = int(current_app.config.get("INBOX_PAGE_SIZE", inbox_search.PAGE_SIZE))
    actor = current_actor()
    result = inbox_search.search(get_session(), actor, flt, page=_page(), per_page=per_page)
    return jsonify(
        tasks=[inbox_row(r, complaint_staff.exact_times(actor, r.case_type))
               for r in result.rows],
        total=result.total, page=result.page, pages=result.pages, per_page=result.per_page)


@bp.post(f"/cases/{CASE}/tasks/<task_uuid>/delegate")
def delegate(case_id: int, task_uuid: str) -> Response:
    raw = json_body()
    body = schemas.load(schemas.DelegateBody, raw)
    result = delegation.delegate_task(get_session(), current_actor(), case_id, task_uuid,
                                      body["to_user_id"], idempotency=idempotency(raw))
    return jsonify(result.as_dict())
