"""Rate limits on the public complaint pages, keyed without keeping the client's address.

This is the ONLY module that reads the client address (`request.remote_addr`;
tests/webapp/test_complaint_public_portal.py checks the source tree for other reads). The address is
turned at once into HMAC-SHA256(daily random key, address): the key lives in memory only
and is replaced every day (UTC), so yesterday's counters cannot be linked to today's and
nothing written anywhere can be turned back into an address. Counters live in the
Flask-Limiter storage given by `RATELIMIT_STORAGE_URI` (default "memory://"; use a shared
store such as "redis://..." when several processes serve the site). The address, and the
HMAC, are never logged: Flask-Limiter's own breach log line is silenced.

Behind a reverse proxy, `remote_addr` is the proxy's address unless the app is wrapped in
werkzeug's `ProxyFix` with the number of trusted proxies; without it every client shares
one counter (safe, but throttles everybody together).

Limits (configuration; limit strings in the `limits` syntax, "N per M minutes"):
- `PUBLIC_LOOKUP_LIMIT` (default "9 per 15 minutes"): receipt lookups with a WRONG code per
  client; only failed lookups (404) count, so the 10th wrong code in 15 minutes is refused.
- `PUBLIC_LOOKUP_GLOBAL_LIMIT` ("1000 per hour"): wrong codes from all clients together
  (a guesser with many addresses). Spending it never locks anyone out (issue 17): it turns
  on the slow path for every lookup (`slow_mode`): each one needs a wait ticket
  (`issue_ticket`, `redeem_ticket`: bound to the client, usable once, only after
  `PUBLIC_SLOW_WAIT_SECONDS` and for 10 minutes), and a client gets only
  `PUBLIC_LOOKUP_SLOW_LIMIT` ("3 per hour") wrong codes more. A client within its own limits
  always gets its answer, one wait later.
- `PUBLIC_FILING_LIMIT` ("5 per 10 minutes"): complaints filed per client.
- `PUBLIC_FILING_GLOBAL_LIMIT` ("300 per hour"): complaints filed in total.
- `PUBLIC_POST_LIMIT` ("30 per 10 minutes"): any POST to the public complaint pages
  (`lookup`, `filing`, `action`) per client, whatever its outcome (bounds the hashing and
  image work spent on refused submissions). Staff logins and Open311 have their own
  budgets and never spend this one (issue 17: the 31st correct login from an office was a
  429, and so was the villagers' tracking from that address).
- `OPEN311_FILING_LIMIT` ("600 per hour"): requests filed per Open311 channel key;
  `OPEN311_POST_LIMIT` ("1200 per hour"): Open311 POSTs per client, whatever their outcome;
  `OPEN311_BAD_KEY_LIMIT` ("20 per 10 minutes"): wrong keys per client.
- `LOGIN_FAIL_LIMIT` ("10 per 15 minutes"): FAILED staff logins per client (pages and
  API); a successful login costs nothing. Failures per account and client, and the guard
  of an account many clients guess at, are in webapp/core/login_guard.py.
- `RATELIMIT_STRATEGY` ("moving-window"): exact sliding windows, so no double burst at a
  window boundary.

Views opt in with the decorators `lookup`, `filing` and `action` (they only mark the view;
the limits are checked before the view runs). Over a limit the request ends in 429
(`flask_limiter.RateLimitExceeded`); the public blueprint renders it as a page.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from flask_limiter import ApplicationLimit, Limiter
from limits import RateLimitItem, parse
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

EXTENSION = "jianfu.throttle"
DAILY = "jianfu.throttle.daily"
TICKET_SECONDS = 600  # a wait ticket is good for 10 minutes after its wait
MARK = "_jianfu_throttle"
LOOKUP = "lookup"  # reads a receipt code: failed lookups count
FILING = "filing"  # files a complaint
ACTION = "action"  # any other public POST (reply, rate, appeal also look up a code)

DEFAULTS: dict[str, str] = {
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_STRATEGY": "moving-window",
    "PUBLIC_LOOKUP_LIMIT": "9 per 15 minutes",
    "PUBLIC_LOOKUP_GLOBAL_LIMIT": "1000 per hour",
    "PUBLIC_LOOKUP_SLOW_LIMIT": "3 per hour",
    "PUBLIC_SLOW_WAIT_SECONDS": "10",
    "PUBLIC_FILING_LIMIT": "5 per 10 minutes",
    "PUBLIC_FILING_GLOBAL_LIMIT": "300 per hour",
    "PUBLIC_POST_LIMIT": "30 per 10 minutes",
    # Open311: filings per channel key, and wrong keys per client (key guessing).
    "OPEN311_FILING_LIMIT": "600 per hour",
    "OPEN311_POST_LIMIT": "1200 per hour",
    "OPEN311_BAD_KEY_LIMIT": "20 per 10 minutes",
    # Staff logins: failed attempts per client, whatever the username (login_guard.py).
    "LOGIN_FAIL_LIMIT": "10 per 15 minutes",
}

F = TypeVar("F", bound=Callable[..., Any])


class DailyKey:
    """A random HMAC key per UTC day, in memory only."""

    def __init__(self, today: Callable[[], date] | None = None) -> None:
        self._today = today or (lambda: datetime.now(UTC).date())
        self._lock = threading.Lock()
        self._day: date | None = None
        self._key = b""

    def key(self) -> bytes:
        day = self._today()
        with self._lock:
            if day != self._day:
                self._day, self._key = day, secrets.token_bytes(32)
            return self._key

    def pseudonym(self, address: str) -> str:
        """HMAC-SHA256(today's key, address), hex: the only form an address is kept in."""
        return hmac.new(self.key(), address.encode("utf-8"), hashlib.sha256).hexdigest()


def _marks(kind: str) -> Callable[[F], F]:
    def mark(view: F) -> F:
        kinds: set[str] = set(getattr(view, MARK, set()))
        kinds.add(kind)
        setattr(view, MARK, frozenset(kinds))
        return view

    return mark


OPEN311 = "open311"
open311 = _marks(OPEN311)
LOGIN = "login"
login = _marks(LOGIN)
lookup = _marks(LOOKUP)
filing = _marks(FILING)
action = _marks(ACTION)


def _kinds() -> frozenset[str]:
    view = current_app.view_functions.get(request.endpoint or "")
    kinds: frozenset[str] = getattr(view, MARK, frozenset())
    return kinds


def marked(kind: str) -> bool:
    """True when this request's view carries the mark `kind` (e.g. LOGIN)."""
    return kind in _kinds()


def _not(kind: str) -> Callable[[], bool]:
    """exempt_when for limits of one kind: exempt unless the view carries the mark."""

    def exempt() -> bool:
        return kind not in _kinds()

    return exempt


PUBLIC_KINDS = frozenset({LOOKUP, FILING, ACTION})


def _not_public_post() -> bool:
    """exempt_when of PUBLIC_POST_LIMIT: only POSTs to the public complaint pages count."""
    return request.method != "POST" or not _kinds() & PUBLIC_KINDS


def _failed_lookup(response: Response) -> bool:
    return response.status_code == 404


def _filed(response: Response) -> bool:
    return response.status_code == 200


def _channel_key() -> str:
    """The presented Open311 key, hashed (the key itself is a secret)."""
    key = request.headers.get("X-Api-Key") or request.values.get("api_key", "")
    return hashlib.sha256(key.strip().encode("utf-8")).hexdigest()


def _created(response: Response) -> bool:
    return response.status_code == 201


def _bad_key(response: Response) -> bool:
    return response.status_code == 403


def _failed_login(response: Response) -> bool:
    return response.status_code == 401


def _everyone() -> str:
    return "all"


def client() -> str:
    """The client's pseudonym for today: HMAC(daily key, address)."""
    daily: DailyKey = current_app.extensions[DAILY]
    # The one read of the client address in the project; it is never kept as is.
    return daily.pseudonym(request.remote_addr or "")


def _config(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


FILING_LOCK = "jianfu.filing_lock"


def _hold_filing_lock() -> None:
    """A filing's limits are checked before the view and counted after it (only filings
    that succeed count). Two filings at once would both pass the check before either is
    counted, and a flood of them went past the global cap (tests/integration/test_flood.py):
    so a process files one complaint at a time, from the check to the count. With several
    processes on a shared store the overshoot is at most one filing per process."""
    if request.method == "POST" and marked(FILING):
        lock: threading.Lock = current_app.extensions[FILING_LOCK]
        lock.acquire()
        g.jianfu_filing_lock = lock


def _release_filing_lock(_error: BaseException | None) -> None:
    lock = g.pop("jianfu_filing_lock", None)
    if lock is not None:
        lock.release()


def init_app(app: Flask) -> Limiter:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    daily = DailyKey()
    app.extensions[DAILY] = daily
    app.extensions[FILING_LOCK] = threading.Lock()
    app.before_request(_hold_filing_lock)  # before the limiter's own check (registered next)
    app.teardown_request(_release_filing_lock)  # after its count (in after_request)

    limits: list[str | Callable[[], str] | ApplicationLimit] = [
        ApplicationLimit(_config("PUBLIC_LOOKUP_LIMIT"), key_function=client,
                         scope="public-lookup", methods=["POST"],
                         exempt_when=_not(LOOKUP), deduct_when=_failed_lookup),
        ApplicationLimit(_config("PUBLIC_FILING_LIMIT"), key_function=client,
                         scope="public-filing", methods=["POST"],
                         exempt_when=_not(FILING), deduct_when=_filed),
        ApplicationLimit(_config("PUBLIC_FILING_GLOBAL_LIMIT"), key_function=_everyone,
                         scope="public-filing-all", methods=["POST"],
                         exempt_when=_not(FILING), deduct_when=_filed),
        ApplicationLimit(_config("PUBLIC_POST_LIMIT"), key_function=client,
                         scope="public-post", methods=["POST"],
                         exempt_when=_not_public_post),
        ApplicationLimit(_config("OPEN311_POST_LIMIT"), key_function=client,
                         scope="open311-post", methods=["POST"], exempt_when=_not(OPEN311)),
        ApplicationLimit(_config("OPEN311_FILING_LIMIT"), key_function=_channel_key,
                         scope="open311-filing", methods=["POST"],
                         exempt_when=_not(OPEN311), deduct_when=_created),
        ApplicationLimit(_config("OPEN311_BAD_KEY_LIMIT"), key_function=client,
                         scope="open311-bad-key", exempt_when=_not(OPEN311),
                         deduct_when=_bad_key),
        ApplicationLimit(_config("LOGIN_FAIL_LIMIT"), key_function=client,
                         scope="login-fail", methods=["POST"], exempt_when=_not(LOGIN),
                         deduct_when=_failed_login),
    ]
    limiter = Limiter(
        key_func=client,
        application_limits=limits,
        storage_uri=str(app.config["RATELIMIT_STORAGE_URI"]),
        strategy=str(app.config["RATELIMIT_STRATEGY"]),
        headers_enabled=False,
    )
    limiter.init_app(app)
    app.before_request(_slow_gate)
    app.after_request(_count_wrong_code)
    # Its breach line names the counter key (our HMAC): nothing about clients goes to logs.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    app.extensions[EXTENSION] = limiter
    return limiter


def retry_after(err: Exception) -> int:
    """Seconds until the breached window has room again (at most its length)."""
    if isinstance(err, TooManyRequests) and isinstance(getattr(err, "wait", None), int):
        return int(err.wait)  # type: ignore[attr-defined]
    limit = getattr(err, "limit", None)
    item = getattr(limit, "limit", None)
    return int(item.get_expiry()) if item is not None else 60


def reset(app: Flask) -> None:
    """Forget every counter (tests and the `jianfu` CLI)."""
    limiter: Limiter = app.extensions[EXTENSION]
    limiter.reset()


# ------------------------------------------------------------------ the slow path (issue 17)


def _item(name: str) -> RateLimitItem:
    return parse(str(current_app.config[name]))


def _strategy() -> Any:
    limiter: Limiter = current_app.extensions[EXTENSION]
    return limiter.limiter


def strategy() -> Any:
    """The limiter's rate-limiting strategy (test, hit, get_window_stats) on its storage."""
    return _strategy()


def pseudonym(text: str) -> str:
    """HMAC(today's key, text): how a counter key naming a client or account is kept."""
    daily: DailyKey = current_app.extensions[DAILY]
    return daily.pseudonym(text)


def slow_mode() -> bool:
    """True while the wrong codes of all clients together are over their budget."""
    return not _strategy().test(_item("PUBLIC_LOOKUP_GLOBAL_LIMIT"), "public-lookup-all")


def wait_seconds() -> int:
    return int(current_app.config["PUBLIC_SLOW_WAIT_SECONDS"])


def _is_lookup_post() -> bool:
    return request.method == "POST" and LOOKUP in _kinds()


def _slow_gate() -> None:
    """In slow mode, a client over its own slow budget waits (429); nobody else does."""
    if not _is_lookup_post():
        return
    g.jianfu_slow = slow_mode()
    if not g.jianfu_slow:
        return
    item = _item("PUBLIC_LOOKUP_SLOW_LIMIT")
    if not _strategy().test(item, "public-lookup-slow", client()):
        stats = _strategy().get_window_stats(item, "public-lookup-slow", client())
        refusal = TooManyRequests()
        refusal.wait = max(1, int(stats.reset_time - time.time()))  # type: ignore[attr-defined]
        raise refusal


def _count_wrong_code(response: Response) -> Response:
    if _is_lookup_post() and _failed_lookup(response):
        _strategy().hit(_item("PUBLIC_LOOKUP_GLOBAL_LIMIT"), "public-lookup-all")
        if g.get("jianfu_slow", False):
            _strategy().hit(_item("PUBLIC_LOOKUP_SLOW_LIMIT"), "public-lookup-slow", client())
    return response


def _ticket_mac(issued: int, nonce: str) -> str:
    daily: DailyKey = current_app.extensions[DAILY]
    text = f"ticket|{client()}|{issued}|{nonce}"
    return hmac.new(daily.key(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def issue_ticket() -> str:
    """A wait ticket for this client: usable once, after `wait_seconds()`."""
    issued, nonce = int(time.time()), secrets.token_hex(12)
    return f"{issued}.{nonce}.{_ticket_mac(issued, nonce)}"


def redeem_ticket(ticket: str) -> bool:
    """True (once) for a ticket issued to this client at least `wait_seconds()` ago and at
    most `TICKET_SECONDS` after that."""
    parts = ticket.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[1]) != 24:
        return False
    issued, nonce, mac = int(parts[0]), parts[1], parts[2]
    if not hmac.compare_digest(mac, _ticket_mac(issued, nonce)):
        return False
    age = time.time() - issued
    if not wait_seconds() <= age <= wait_seconds() + TICKET_SECONDS:
        return False
    limiter: Limiter = current_app.extensions[EXTENSION]
    used = limiter.storage.incr(f"jianfu-ticket/{nonce}", wait_seconds() + TICKET_SECONDS)
    return bool(used == 1)


def wrong_codes_left() -> int | None:
    """How many more wrong codes this client may try before it has to wait, once the wrong
    code of this request has counted (issue 18, item 8: the page says so); None when no
    lookup limit applies to this request."""
    if not _is_lookup_post():
        return None
    left: list[int] = [int(_strategy().get_window_stats(_item("PUBLIC_LOOKUP_LIMIT"), client(),
                                                        "public-lookup").remaining)]
    if g.get("jianfu_slow", False):
        item = _item("PUBLIC_LOOKUP_SLOW_LIMIT")
        left.append(int(_strategy().get_window_stats(item, "public-lookup-slow",
                                                     client()).remaining))
    return max(0, min(left) - 1)


def trust_proxies(app: Flask) -> None:
    """`TRUSTED_PROXIES` = N (`JIANFU_TRUSTED_PROXIES`, default 0): N reverse proxies in
    front of the app set X-Forwarded-For and X-Forwarded-Proto, and the client address (for
    throttling only: it is never stored) is the one the outermost trusted proxy saw. Left at
    0 the headers are ignored, so no client can choose its own address."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
