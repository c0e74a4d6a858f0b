"""Failed staff logins: throttle the guesser, never the account (issue 17).

Five wrong passwords used to lock an account for 15 minutes, so anyone could lock a named
official out. Now nothing refuses the right password from a client that has not been
guessing at that account. Counters live in the throttle's storage (webapp/core/throttle.py),
keyed by HMACs with the day's key, and count only FAILED logins (401), pages and API alike:

- `LOGIN_FAIL_LIMIT` (throttle.py, "10 per 15 minutes"): failures per client, whatever the
  username.
- `LOGIN_ACCOUNT_FAIL_LIMIT` ("5 per 15 minutes"): failures per client for one username;
  the 6th attempt from that client for that username is a 429, right password or not.
- `LOGIN_ACCOUNT_GUARD_LIMIT` ("5 per 15 minutes"): failures for one username from all
  clients together. Over it the account is under guard (the per-account slow-down): each
  client then gets only `LOGIN_GUARDED_FAIL_LIMIT` ("2 per hour") failures for it. A
  client without failures for it is never refused, so its owner still logs in.

Unknown usernames are counted exactly like real ones (nothing tells who exists).
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from webapp.core import throttle

DEFAULTS = {
    "LOGIN_ACCOUNT_FAIL_LIMIT": "5 per 15 minutes",
    "LOGIN_ACCOUNT_GUARD_LIMIT": "5 per 15 minutes",
    "LOGIN_GUARDED_FAIL_LIMIT": "2 per hour",
}
MAX_NAME = 200  # longer usernames do not exist; the key needs no more


def _item(name: str) -> RateLimitItem:
    return parse(str(current_app.config[name]))


def _username() -> str:
    """The username this login tries (the form's field, or the API's JSON body)."""
    name = request.form.get("username")
    if name is None and request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    return name.strip().lower()[:MAX_NAME] if isinstance(name, str) else ""


def _is_login_post() -> bool:
    return request.method == "POST" and throttle.marked(throttle.LOGIN)


def _keys() -> tuple[str, str]:
    """(the account's key, the client-and-account key), both pseudonyms."""
    name = _username()
    return (throttle.pseudonym(f"login-account|{name}"),
            throttle.pseudonym(f"login-pair|{throttle.client()}|{name}"))


def _gate() -> None:
    """Refuse (429) a client that spent its failures for this account."""
    if not _is_login_post():
        return
    account, pair = _keys()
    strategy = throttle.strategy()
    items = [_item("LOGIN_ACCOUNT_FAIL_LIMIT")]
    if not strategy.test(_item("LOGIN_ACCOUNT_GUARD_LIMIT"), "login-account", account):
        items.append(_item("LOGIN_GUARDED_FAIL_LIMIT"))
    for item in items:
        if not strategy.test(item, "login-pair", pair):
            stats = strategy.get_window_stats(item, "login-pair", pair)
            refusal = TooManyRequests()
            refusal.wait = max(1, int(stats.reset_time - time.time()))  # type: ignore[attr-defined]
            raise refusal
    g.jianfu_login_keys = (account, pair)


def _count(response: Response) -> Response:
    keys = g.get("jianfu_login_keys")
    if keys is not None and response.status_code == 401:
        account, pair = keys
        strategy = throttle.strategy()
        strategy.hit(_item("LOGIN_ACCOUNT_GUARD_LIMIT"), "login-account", account)
        strategy.hit(_item("LOGIN_ACCOUNT_FAIL_LIMIT"), "login-pair", pair)
        strategy.hit(_item("LOGIN_GUARDED_FAIL_LIMIT"), "login-pair", pair)
    return response


def init_app(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.before_request(_gate)
    app.after_request(_count)
