"""What a production start refuses (T4.8): debug or testing mode, and a missing, short,
well-known or low-entropy secret key. A development run (`jianfu run`, `make run`, tests)
never sets PRODUCTION; the WSGI entry point (`webapp.wsgi`, `jianfu serve`) always does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 10
# Values copied from tutorials, examples and our own tests (compared case-insensitively,
# and also as the start of a longer key: "changeme" padded to 32 characters is no secret).
KNOWN_SECRETS = (
    "dev", "development", "test", "testing", "secret", "secret-key", "secret_key",
    "secretkey", "changeme", "change-me", "change_me", "please-change", "default",
    "jianfu", "password", "flask", "your-secret-key", "your_secret_key", "super-secret",
    "supersecret", "insecure", "jianfu-demo-2026",
)


class UnsafeProductionError(RuntimeError):
    """The configuration must not serve real users; the message names the setting."""


def problems(config: Mapping[str, Any]) -> list[str]:
    """Every reason this configuration must not run in production (empty: it may)."""
    found: list[str] = []
    if config.get("DEBUG"):
        found.append("JIANFU_DEBUG is on: the debugger would let anyone run code on the "
                     "server; unset it")
    if config.get("TESTING"):
        found.append("JIANFU_TESTING is on: it switches off protections; unset it")
    secret = str(config.get("SECRET_KEY") or "")
    if not secret:
        found.append("JIANFU_SECRET_KEY is not set: set one random value of at least "
                     f"{MIN_SECRET_LENGTH} characters shared by every web process")
        return found
    lowered = secret.lower()
    if any(lowered == known or lowered.startswith(known) for known in KNOWN_SECRETS):
        found.append("JIANFU_SECRET_KEY is a well-known value: anyone could forge a login; "
                     "generate one, e.g. python -c 'import secrets; print(secrets.token_hex(32))'")
    elif len(secret) < MIN_SECRET_LENGTH:
        found.append(f"JIANFU_SECRET_KEY has {len(secret)} characters: at least "
                     f"{MIN_SECRET_LENGTH} are needed")
    elif len(set(secret)) < MIN_DISTINCT_CHARACTERS:
        found.append("JIANFU_SECRET_KEY repeats a few characters: it is not random")
    return found


def refuse_unsafe(config: Mapping[str, Any]) -> None:
    """Raise UnsafeProductionError naming every problem, when there are any."""
    found = problems(config)
    if found:
        raise UnsafeProductionError("Jianfu will not start in production: " + "; ".join(found))
