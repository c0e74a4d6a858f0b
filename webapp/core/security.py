"""HTTP hardening: security headers on every response and the session cookie's Secure flag.

Cookie policy: HttpOnly, SameSite=Lax, a browser-session cookie (no "remember me"), and
Secure unless the app runs locally. `SESSION_COOKIE_SECURE` decides when set explicitly
(e.g. `JIANFU_SESSION_COOKIE_SECURE=false` to serve plain HTTP on a trusted network); when
left unset it is False under TESTING or DEBUG, or when `SERVER_NAME` is localhost /
127.0.0.1 / ::1, and True otherwise. Local runners (`jianfu run` on 127.0.0.1) should pass
`SESSION_COOKIE_SECURE=False`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # No page needs to tell another site where the user came from (complaint and case ids
    # are in our URLs); CSRF is checked by token and Origin instead of Referer.
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
SERVER = "Jianfu"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _host(server_name: str) -> str:
    if server_name.startswith("["):
        return server_name.split("]", 1)[0] + "]"
    return server_name.rsplit(":", 1)[0] if server_name.count(":") == 1 else server_name


def cookie_secure(config: Mapping[str, Any]) -> bool:
    """Resolve the Secure flag of the session cookie (see the module docstring)."""
    explicit = config.get("SESSION_COOKIE_SECURE")
    if explicit is not None:
        return bool(explicit)
    if config.get("TESTING") or config.get("DEBUG"):
        return False
    server_name = config.get("SERVER_NAME")
    return not (server_name and _host(str(server_name)) in LOCAL_HOSTS)


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        # Pages and API answers show case data: never keep them in any cache.
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Server"] = SERVER  # no version string (the dev server honours this)
    return response


def same_origin(origin: str, host_url: str) -> bool:
    """True when a browser's Origin header names this site (scheme, host and port)."""
    mine = urlsplit(host_url)
    theirs = urlsplit(origin)
    return (theirs.scheme, theirs.netloc) == (mine.scheme, mine.netloc)


def check_origin() -> None:
    """Refuse state-changing requests a browser sends from another site (T4.4): an Origin
    header naming another site, or `Sec-Fetch-Site: cross-site`. `Origin: null` is what
    browsers send for our own forms under `Referrer-Policy: no-referrer`, so it proves
    nothing either way and the CSRF token decides. API clients without a browser send
    neither header."""
    if request.method not in STATE_CHANGING:
        return
    origin = request.headers.get("Origin")
    if origin not in (None, "null") and not same_origin(str(origin), request.host_url):
        abort(403, description="cross-site request refused")
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        abort(403, description="cross-site request refused")


def init_app(app: Flask) -> None:
    if app.config.get("SESSION_COOKIE_SECURE") and not str(
            app.config.get("SESSION_COOKIE_NAME", "")).startswith("__Host-"):
        # A __Host- cookie is bound to this host, HTTPS and path / (no Domain attribute).
        app.config["SESSION_COOKIE_NAME"] = "__Host-" + str(app.config["SESSION_COOKIE_NAME"])
        app.config["SESSION_COOKIE_PATH"] = "/"
        app.config["SESSION_COOKIE_DOMAIN"] = None
    app.before_request(check_origin)
    app.after_request(add_headers)
