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

from flask import Flask, Response

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


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
    if response.mimetype == "text/html":
        # Pages show personal data: never keep them in shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
