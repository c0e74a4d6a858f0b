"""Staff login, logout and password change; the current user and actor for each request."""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from models import User
from webapp.core import throttle
from webapp.core.db import get_session
from webapp.core.lookups import unit_names
from workflows.kernel import access, accounts
from workflows.kernel.access import Actor
from workflows.kernel.errors import ValidationFailedError

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])
# What the session may carry across a login / logout.
KEPT_KEYS = ("lang",)
# Endpoints that never need the user (and must not touch the database for it).
SKIP_ENDPOINTS = frozenset({"static", "health.healthz"})
# What a person whose password was reset may open before choosing a new one.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "auth.login",
                                       "static", "health.healthz"})


def _fingerprint(user: User) -> str:
    """Changes when the password changes or the user logs out (the session epoch), which
    ends every other login of that user, copied cookies included."""
    text = f"{user.session_epoch}|{user.password_hash}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def logout_session() -> None:
    kept = {k: session[k] for k in KEPT_KEYS if k in session}
    session.clear()
    session.update(kept)
    session.permanent = False


def end_session() -> None:
    """Log out on the server too: the user's session epoch moves on, so this session's
    cookie (and any copy of it, and the user's other sessions) no longer logs anyone in."""
    user = g.get("user")
    if user is not None:
        accounts.end_sessions(get_session(), user)
    logout_session()


def log_in(user: User) -> None:
    logout_session()
    session["uid"] = user.id
    session["fp"] = _fingerprint(user)
    session["since"] = int(time.time())
    g.user, g.actor = user, access.load_actor(get_session(), user.id)


def load_current_user() -> None:
    """Set g.user and g.actor from the session (None when logged out or expired)."""
    g.user, g.actor = None, None
    uid = session.get("uid")
    if not isinstance(uid, int) or request.endpoint in SKIP_ENDPOINTS:
        return
    max_age = float(current_app.config["SESSION_MAX_AGE_HOURS"]) * 3600
    user = get_session().get(User, uid)
    fresh = time.time() - float(session.get("since", 0)) < max_age
    if (user is None or not user.active or user.admin_locked
            or session.get("fp") != _fingerprint(user) or not fresh):
        logout_session()
        return
    g.user, g.actor = user, access.load_actor(get_session(), user.id)


def require_new_password() -> Response | None:
    """After an administrator's reset, every page leads to the password change first."""
    user = g.get("user")
    if (user is None or not user.must_change_password
            or request.endpoint in PASSWORD_CHANGE_ENDPOINTS):
        return None
    if request.path.startswith("/api/"):
        abort(403)
    return redirect(url_for("auth.change_password"))


def _refusal(username: str, password: str) -> str | None:
    """Why a deactivated account cannot log in: said clearly only to whoever knows its
    password, everyone else gets the one message for every failed login (one password
    check either way, as for any other login)."""
    user = get_session().scalar(
        select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None or user.active:
        return None
    try:
        PasswordHasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return str(_failed())
    finally:
        get_session().rollback()
    return str(_("This account is deactivated. Ask the administrator if you need it again."))


def _failed() -> str:
    """The one message for every failed login."""
    return str(_("Wrong username or password, or the account is locked for a while."))


def current_actor() -> Actor:
    actor = g.get("actor")
    if actor is None:
        abort(401)
    return cast(Actor, actor)


# A same-site path: one "/" then no second "/" or "\\", and only printable ASCII (browsers
# drop tabs and newlines from a URL, so "/\t/evil.example" would be "//evil.example"; a
# control character in a Location header is a 500). Non-ASCII paths arrive percent-encoded.
_SAFE_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]*")


def _safe_next(target: str | None) -> str:
    """`target` when it is a path on this site, else the inbox (no open redirect)."""
    if target and _SAFE_PATH.fullmatch(target) and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("inbox.inbox")


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("actor") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return cast(F, wrapped)


@bp.route("/login", methods=["GET", "POST"])
@throttle.login
def login() -> Response | str | tuple[str, int]:
    if request.method == "GET":
        if g.get("actor") is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    refused = _refusal(username, password)
    user = None if refused else accounts.authenticate(get_session(), username, password)
    if user is not None and user.admin_locked:
        refused = _("This account is locked by the administrator. Ask them to unlock it.")
        user = None
    if user is None:
        # One message for an unknown user, a wrong password and a locked account; a
        # deactivated or administrator-locked one is named only with its right password.
        error = refused or _failed()
        return render_template("login.html", error=error, username=username,
                               next=request.form.get("next", "")), 401
    log_in(user)
    if user.must_change_password:
        flash(_("Your password was reset: choose a new one before you go on."), "info")
        return redirect(url_for("auth.change_password"))
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    end_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple[str, int]:
    if request.method == "GET":
        return render_template("password.html", errors={})
    form = request.form
    errors: dict[str, list[str]] = {}
    forced = bool(g.user.must_change_password)
    if form.get("new_password", "") != form.get("confirm_password", ""):
        errors["confirm_password"] = [_("The two new passwords differ.")]
    elif forced and form.get("new_password", "") == form.get("old_password", ""):
        errors["new_password"] = [_("Choose a password other than the one-time password.")]
    else:
        try:
            accounts.change_password(get_session(), g.user, form.get("old_password", ""),
                                     form.get("new_password", ""))
        except ValidationFailedError as err:
            errors = {("new_password" if k == "password" else k): v
                      for k, v in err.fields.items()}
    if errors:
        get_session().rollback()
        return render_template("password.html", errors=errors), 422
    if forced:
        g.user.must_change_password = False
        get_session().commit()
    log_in(g.user)
    flash(_("Your password has been changed."), "success")
    return redirect(url_for("inbox.inbox"))


def _user_context() -> dict[str, Any]:
    actor: Actor | None = g.get("actor")
    if actor is None or g.get("user") is None:
        return {"current_user": None}
    names = unit_names(get_session(), (unit for _r, unit, _p in actor.roles))
    roles = [(role, names.get(unit, "")) for role, unit, _p in actor.roles]
    return {"current_user": {"display_name": g.user.display_name,
                             "username": g.user.username, "roles": roles}}


def init_app(app: Flask) -> None:
    app.before_request(load_current_user)
    app.before_request(require_new_password)
    app.context_processor(_user_context)
