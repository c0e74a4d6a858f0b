"""Auditor pages (区委督查办 and auditors only): every case, searchable, leading to its audit
views; a case's full history with filters, the case as of any event (time travel), and the
replay certificate with a printable version."""

from __future__ import annotations

import json

from flask import Blueprint, make_response, render_template, request
from werkzeug.wrappers import Response

from webapp.cases import diagram_svg
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.lookups import unit_names
from webapp.core.paging import page_count, page_number
from webapp.supervision.verification_views import public_key
from workflows.kernel.history import canonical
from workflows.supervision import audit_cases, audit_trail, certificate_doc

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/audit")




@bp.get("/cases")
@login_required
def cases() -> str:
    session, actor = get_session(), current_actor()
    q = request.args.get("q", "")[:100]
    case_type = request.args.get("type", "")[:80]
    status = request.args.get("status", "")[:40]
    page = page_number()
    rows, total = audit_cases.search(session, actor, q=q, case_type=case_type, status=status,
                                     page=page)
    types, statuses = audit_cases.filters(session, actor)
    return render_template("audit/cases.html", rows=rows, total=total, q=q,
                           case_type=case_type, status=status, types=types, statuses=statuses,
                           page=page, pages=page_count(total, audit_cases.PER_PAGE))


@bp.get("/cases/<int:case_id>")
@login_required
def history(case_id: int) -> str:
    event_type = request.args.get("type") or None
    raw_actor = request.args.get("actor", "")
    actor_id = int(raw_actor) if raw_actor.isdigit() else None
    session = get_session()
    case, rows, related = audit_trail.history(session, current_actor(), case_id,
                                              event_type=event_type, actor_id=actor_id)
    _, all_rows, _ = audit_trail.history(session, current_actor(), case_id)
    types = sorted({r.type for r in all_rows})
    return render_template("audit/history.html", case=case, rows=rows, related=related,
                           types=types, event_type=event_type or "", actor_id=actor_id,
                           total=len(all_rows))


@bp.get("/cases/<int:case_id>/at/<int:seq>")
@login_required
def at(case_id: int, seq: int) -> str:
    session = get_session()
    case, state, count = audit_trail.state_at(session, current_actor(), case_id, seq)
    seq = max(1, min(seq, count))
    _, rows, _ = audit_trail.history(session, current_actor(), case_id)
    event = rows[seq - 1]
    tasks = sorted((t for t in state.tasks.values() if t.state == "open"),
                   key=lambda t: (t.created_at, t.task_uuid))
    diagram = diagram_svg.case_diagram(session, case, upto_seq=seq)
    return render_template(
        "audit/at.html", case=case, state=state, seq=seq, count=count, event=event,
        tasks=tasks, units=unit_names(session, [t.scope_org_unit_id for t in tasks]),
        data_json=canonical(state.data), diagram=diagram)


@bp.get("/cases/<int:case_id>/certificate")
@login_required
def certificate(case_id: int) -> Response:
    """The certificate as a document; `?print=1` alone on the page, ready to print."""
    doc = certificate_doc.document(get_session(), current_actor(), case_id, public_key())
    template = ("audit/certificate_print.html" if request.args.get("print") == "1"
                else "audit/certificate.html")
    response = make_response(render_template(template, doc=doc))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cases/<int:case_id>/certificate.json")
@login_required
def certificate_file(case_id: int) -> Response:
    """The certificate file, checked offline by `jianfu audit verify-case`."""
    doc = certificate_doc.document(get_session(), current_actor(), case_id, public_key())
    body = json.dumps(doc.as_json(), ensure_ascii=False, indent=1)
    response = make_response(body)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificate-{case_id}.json"')
    response.headers["Cache-Control"] = "no-store"
    return response
