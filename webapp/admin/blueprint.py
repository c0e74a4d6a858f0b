"""The administration pages' blueprint (`/admin`, administrators only: 404 for everyone
else). Each page module (views.py, and the units, people and process-version pages) adds its
routes to this one blueprint; their texts live in this package's own catalogs
(webapp/admin/translations/README.md)."""

from __future__ import annotations

from flask import Blueprint
from werkzeug.wrappers import Response

from webapp.core.auth import current_actor, login_required
from workflows.admin.record import require_admin

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")


@bp.before_request
@login_required
def admins_only() -> Response | None:
    """Anyone not logged in is sent to the login page; anyone not an administrator gets 404
    (`require_admin` raises NotFoundError, which the app answers with 404)."""
    require_admin(current_actor())
    return None
