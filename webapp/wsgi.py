"""The WSGI entry point for production servers: `gunicorn 'webapp.wsgi:app'`.

`jianfu serve` runs gunicorn on it (webapp/cli/production.py); any other WSGI server may use
`webapp.wsgi:app` or call `create()`. The app is built on first access of `app`, in the
serving process, from `JIANFU_*` and `DATABASE_URL` in the environment. A secret the
environment does not set (`JIANFU_SECRET_KEY`, `JIANFU_VAULT_KEY`, `JIANFU_RECEIPT_SALT`) is
kept in instance/ under the working directory, so that every web process of one machine
shares it and logins survive a restart (production sets the variables: README).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

_app: Flask | None = None


def _local_secret(name: str, make: Any = None) -> str:
    """instance/NAME, made once: web processes starting together all read the first one
    written (the new value is linked into place only if no other process was first; a
    second key would seal data no other process can open)."""
    path = Path("instance") / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        value = make() if make else secrets.token_hex(32)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(value)  # mkstemp's file is 0600
            os.link(tmp, path)  # atomic; fails if another process made it meanwhile
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text(encoding="utf-8").strip()


def local_config(url: str | None) -> dict[str, object]:
    """instance/ secrets for whatever the environment does not set, and the database URL
    when one is given."""
    from models.db import database_url
    from workflows.kernel import vault

    config: dict[str, object] = {}
    if url is not None:
        config["DATABASE_URL"] = database_url(url)
    for key, name, make in (
        ("SECRET_KEY", "secret_key", None),
        ("VAULT_KEY", "vault_key", vault.generate_key),
        ("RECEIPT_SALT", "receipt_salt", None),
    ):
        if not os.environ.get(f"JIANFU_{key}"):
            config[key] = _local_secret(name, make)
    return config


def create(database_url: str | None = None, *, secure_cookies: bool | None = None) -> Flask:
    """The web application on DATABASE_URL (default: the environment's); secure_cookies None
    lets the app decide (webapp/core/security.py)."""
    from models.db import database_url as resolve
    from webapp import create_app

    config = local_config(database_url)
    config["DATABASE_URL"] = resolve(database_url)
    config["PRODUCTION"] = True  # refuse debug mode and weak secrets (core/startup_checks.py)
    if secure_cookies is not None:
        config["SESSION_COOKIE_SECURE"] = secure_cookies
    return create_app(config)


def __getattr__(name: str) -> Any:
    """`webapp.wsgi.app`: the application, built once per process on first access."""
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        _app = create()
    return _app
