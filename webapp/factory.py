"""The Flask application factory (flaskr style), called through `webapp.create_app`.

`create_app` reads defaults, then `JIANFU_*` environment variables, then the mapping it is
given. Everything the app needs (database, Babel, CSRF, blueprints) is wired here.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from models.db import database_url
from webapp.admin import views as admin_views  # noqa: F401  (adds the home and record pages)
from webapp.admin.blueprint import bp as admin_bp
from webapp.apps import views as app_views
from webapp.burden import views as burden_views
from webapp.cases import api, views
from webapp.catalog import views as catalog_views
from webapp.complaints import open311, public
from webapp.complaints import settings as complaint_settings
from webapp.complaints import views as complaint_views
from webapp.core import (
    auth,
    db,
    errors,
    health,
    i18n,
    login_guard,
    navigation,
    security,
    startup_checks,
    throttle,
)
from webapp.inbox import api as inbox_api  # noqa: F401  (adds /inbox and /delegate to api.bp)
from webapp.inbox import delegation as delegation_views
from webapp.inbox import views as inbox_views
from webapp.inspections import views as inspection_views
from webapp.lists import routes as list_routes
from webapp.notifications import views as notification_views
from webapp.pilots import views as pilot_views
from webapp.report_forms import data_views as report_form_data  # noqa: F401  (adds /data)
from webapp.report_forms import views as report_form_views
from webapp.report_forms import village_views as report_form_villages  # noqa: F401
from webapp.supervision import (
    apps_aspect_views,
    audit_views,
    dashboard_views,
    forms_aspect_views,
    sampling_views,
    scorecard_views,
    verification_views,
)
from workflows import features

logger = logging.getLogger(__name__)

# The repository root: the folder that holds the `webapp` package and `bpmn/`.
REPO_ROOT = Path(__file__).resolve().parent.parent


def _defaults() -> dict[str, Any]:
    return {
        "DATABASE_URL": database_url(),
        "BPMN_DIR": str(REPO_ROOT / "bpmn"),
        "WORKER_IN_PROCESS": False,
        "BABEL_DEFAULT_LOCALE": i18n.DEFAULT_LOCALE,
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        # Each feature package's own catalog, then the app's, which wins where both have a
        # message (relative to webapp/).
        "BABEL_TRANSLATION_DIRECTORIES": (
            "admin/translations/core;admin/translations/units;admin/translations/people;"
            "apps/translations;"
            "supervision/translations;inspections/translations;pilots/translations;"
            "report_forms/translations;"
            "lists/translations;"
            "translations"),
        "SESSION_COOKIE_NAME": "jianfu_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # None = decide in create_app (see security.cookie_secure).
        "SESSION_COOKIE_SECURE": None,
        # Hours a login stays valid even in an open browser (the cookie itself is a session
        # cookie: there is no "remember me").
        "SESSION_MAX_AGE_HOURS": 12,
        # CSRF tokens live as long as the login session.
        "WTF_CSRF_TIME_LIMIT": None,
        # Over HTTPS Flask-WTF would also demand a same-site Referer, which our no-referrer
        # pages never send; the token plus security.check_origin replace that check.
        "WTF_CSRF_SSL_STRICT": False,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # The public filing and reply pages only: phone photos of up to 20 MiB, made smaller
        # on the server (webapp/complaints/public.py, workflows/complaints/photos.py).
        "PUBLIC_MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    }


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Jianfu web application."""
    app = Flask(__name__)
    app.config.from_mapping(_defaults())
    app.config.from_prefixed_env("JIANFU")
    if config:
        app.config.from_mapping(config)
    if app.config.get("PRODUCTION"):
        startup_checks.refuse_unsafe(app.config)
    if not app.config.get("SECRET_KEY"):
        logger.warning(
            "JIANFU_SECRET_KEY is not set: using a random key for this process only; logins "
            "end when it restarts and do not work across several processes")
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.config["SECRET_KEY"] = str(app.config["SECRET_KEY"])
    app.config["SESSION_COOKIE_SECURE"] = security.cookie_secure(app.config)

    features.install()
    db.init_app(app)
    csrf = CSRFProtect(app)
    csrf.exempt(api.bp)
    csrf.exempt(open311.bp)
    csrf.exempt(public.bp)  # checks its tokens itself (no Referer with no-referrer)
    i18n.init_app(app)
    security.init_app(app)
    throttle.trust_proxies(app)
    errors.init_app(app)
    auth.init_app(app)
    app.context_processor(lambda: {"feature_menu": navigation.menu_items})
    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(inbox_views.bp)
    app.register_blueprint(delegation_views.bp)
    app.register_blueprint(notification_views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(complaint_views.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(verification_views.bp)  # /audit: the last verification
    app.register_blueprint(dashboard_views.bp)
    app.register_blueprint(sampling_views.bp)
    app.register_blueprint(scorecard_views.bp)
    app.register_blueprint(apps_aspect_views.bp)
    app.register_blueprint(catalog_views.bp)
    app.register_blueprint(app_views.bp)
    app.register_blueprint(burden_views.bp)
    app.register_blueprint(report_form_views.bp)
    app.register_blueprint(forms_aspect_views.bp)  # /audit/dashboard/forms
    app.register_blueprint(inspection_views.bp)
    app.register_blueprint(list_routes.bp)
    app.register_blueprint(list_routes.public_bp)  # /village-lists: no login
    app.register_blueprint(pilot_views.bp)
    app.register_blueprint(admin_bp)
    complaint_settings.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(open311.bp)
    throttle.init_app(app)
    login_guard.init_app(app)
    return app
