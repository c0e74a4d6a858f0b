"""What the lists' staff pages share: who may do what, and starting a case from a page."""

from __future__ import annotations

import secrets
from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from models import OrgKind, OrgUnit
from webapp.core.db import get_session
from workflows.kernel import access, cases
from workflows.kernel.access import Actor
from workflows.kernel.commands import Idempotency

MAX_FORM_KEY = 100


def clerk_units(actor: Actor, kind: OrgKind) -> list[int]:
    """The units of `kind` where the actor is a clerk."""
    session = get_session()
    ids = sorted({uid for role, uid, _ in actor.roles if role == access.CLERK})
    return [uid for uid in ids
            if (u := session.get(OrgUnit, uid)) is not None and u.kind == kind]


def departments() -> list[tuple[int, str]]:
    rows = get_session().execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.kind == OrgKind.DEPARTMENT).order_by(OrgUnit.id))
    return [(uid, name) for uid, name in rows]


def int_arg(source: Any, name: str) -> int | None:
    raw = str(source.get(name, "")).strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def new_form_key() -> str:
    return secrets.token_urlsafe(16)


def start(actor: Actor, process: str, fields: dict[str, Any], unit: int, message: str
          ) -> Response:
    """Start a case for `unit` (a ValidationFailedError propagates to the page) and go on to
    its first open task, or its case page."""
    form_key = request.form.get("form_key", "")[:MAX_FORM_KEY]
    idem = (Idempotency(f"user:{actor.user_id}", f"form:{form_key}",
                        {"process_id": process, "fields": fields}) if form_key else None)
    result = cases.start_case(get_session(), actor, process, fields, org_unit_id=unit,
                              idempotency=idem)
    _case, state = cases.get_case(get_session(), actor, result.case_id)
    task = next((t for t in state.tasks.values() if t.state == "open"), None)
    flash(_(message), "success")
    if task is not None and task.role == access.CLERK:
        return redirect(url_for("staff.task_page", case_id=result.case_id,
                                task_uuid=task.task_uuid))
    return redirect(url_for("staff.case_page", case_id=result.case_id))
