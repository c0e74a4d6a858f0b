"""The audit page (auditors and 区委督查办 only): the last verification of the history and
every break found, the latest runs, and a "verify now" button (POST, CSRF-protected)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.lookups import user_names
from workflows.kernel import audit_runs
from workflows.kernel.access import require_auditor
from workflows.kernel.audit_export import Signer

bp = Blueprint("verification", __name__, template_folder="templates")


def public_key() -> str | None:
    """AUDIT_PUBLIC_KEY (hex), else the public half of AUDIT_KEY (JIANFU_AUDIT_KEY)."""
    public = str(current_app.config.get("AUDIT_PUBLIC_KEY") or "").strip()
    if public:
        return public
    seed = str(current_app.config.get("AUDIT_KEY") or "").strip()
    if not seed:
        return None
    try:
        return Signer(seed).public_hex
    except ValueError:
        return None


@bp.get("/audit")
@login_required
def page() -> str:
    session = get_session()
    actor = current_actor()
    runs = audit_runs.latest(session, actor)
    broken = audit_runs.last_break(session, actor)
    names = user_names(session, [r.triggered_by for r in runs]
                       + [broken.triggered_by if broken else None])
    roles = actor.role_names()
    return render_template("audit/index.html", runs=runs, last=runs[0] if runs else None,
                           broken=broken, people=names, key=public_key(),
                           dashboard="supervisor" in roles, sampling="supervisor" in roles)


@bp.post("/audit/verify")
@login_required
def verify_now() -> Response:
    actor = current_actor()
    require_auditor(actor)
    run = audit_runs.verify_now(get_session(), actor, public_key())
    if run.ok:
        flash(_("The history verifies: every chain, checkpoint and signature is intact."),
              "info")
    else:
        flash(_("Verification found %(n)s problem(s).", n=len(run.problems)), "error")
    return redirect(url_for("verification.page"))
