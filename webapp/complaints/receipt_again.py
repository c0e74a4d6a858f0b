"""A reloaded receipt page shows the same receipt again (issue 18, item 6).

Reloading the receipt page re-posts the filing form. Before, the second post was refused
(409, "already sent") and the code was lost for good, while villagers switch to the camera
to photograph the code and come back to a reloaded tab. Now:

- the receipt code of a web filing is derived from the form's one-time submission token:
  HMAC-SHA256 under the app's secret key, reduced to 16 digits (uniform to anyone without the
  key, like `receipts.new_code`); nothing about the code is stored anywhere new;
- the session (already holding the tokens filed, to refuse a double filing) records when each
  token was filed; a re-post of a token filed from this browser within RESHOW_SECONDS shows
  the receipt again, recomputed from the token, once the code is checked to open a complaint;
  later, or from another browser, the post is refused as before (409), never filed twice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from flask import current_app, session

RESHOW_SECONDS = 30 * 60
KEPT = 5
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
SESSION_KEY = "public_receipts"


def usable(token: str) -> bool:
    return bool(TOKEN.fullmatch(token or ""))


def code_for(token: str) -> str:
    """The receipt code of the filing posted with `token` (16 decimal digits)."""
    key = hashlib.sha256(b"jianfu receipt code|" + str(current_app.secret_key).encode()).digest()
    digest = hmac.new(key, token.encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest, 'big') % 10**16:016d}"


def remember(token: str) -> None:
    kept = {k: v for k, v in dict(session.get(SESSION_KEY, {})).items()
            if k != token and time.time() - float(v) < RESHOW_SECONDS}
    kept[token] = time.time()
    session[SESSION_KEY] = dict(sorted(kept.items(), key=lambda kv: kv[1])[-KEPT:])


def again(token: str) -> str | None:
    """The code to show again for a re-posted `token`, or None (not from this browser, or
    too late)."""
    filed_at = dict(session.get(SESSION_KEY, {})).get(token)
    if filed_at is None or time.time() - float(filed_at) >= RESHOW_SECONDS:
        return None
    return code_for(token)
