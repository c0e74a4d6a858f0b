"""`jianfu serve`'s production server: gunicorn (a pre-fork WSGI server, Flask's deployment
docs) running `webapp.wsgi`, configured in code.

The master process imports neither the app nor the engine: each worker process builds the app
after it is forked, so `kill -HUP <master pid>` (a graceful restart) starts workers on the
code and settings now on disk and lets the old ones finish their requests. Logs never name
the client (docs/complaints.md): the access log has no address, Open311 keys in query strings
are blanked, and the one `Server` header is the app's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from webapp.cli.devserver import hide_secrets

# When, what, the answer, its size and milliseconds: no address, no referrer, no user agent.
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
_ATOMS = ("t", "r", "s", "b", "M", "m", "U", "q", "H", "B", "T", "D", "L", "p")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# gunicorn names the client in some error lines ("Invalid request from ip=...").
_CLIENT = re.compile(r"\bip=\S+")


class _Scrub(logging.Filter):
    """Blanks client addresses and Open311 keys in gunicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _CLIENT.sub("ip=[hidden]", hide_secrets(record.getMessage()))
        record.args = ()
        return True


_SCRUB = _Scrub()  # one instance: a reload's setup() does not add it twice


class AnonymousLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger; an access-log line gets only the atoms above, never the client's
    address or headers, with Open311 keys blanked; so do error lines."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(_SCRUB)

    def atoms(self, resp: Any, req: Any, environ: Mapping[str, Any],
              request_time: Any) -> dict[str, Any]:
        full = super().atoms(resp, req, environ, request_time)
        atoms = {key: full[key] for key in _ATOMS if key in full}
        for key in ("r", "q"):
            if isinstance(atoms.get(key), str):
                atoms[key] = hide_secrets(atoms[key])
        return atoms


def one_server_header(app: WSGIApp, name: str) -> WSGIApp:
    """Gunicorn writes `Server: <name>` itself; the app's own header is dropped so that
    there is exactly one."""
    import gunicorn.http.wsgi

    gunicorn.http.wsgi.SERVER = name  # read by each response (the default is "gunicorn")

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(k, v) for k, v in headers if k.lower() != "server"]
            return start_response(status, kept, exc_info)

        return app(environ, start)

    return wrapped


def build_app(database_url: str | None, secure_cookies: bool) -> WSGIApp:
    """Called in each worker process after the fork: the Jianfu app."""
    from webapp import wsgi
    from webapp.core.security import SERVER

    return one_server_header(wsgi.create(database_url, secure_cookies=secure_cookies), SERVER)


class Server(BaseApplication):  # type: ignore[misc]
    """A gunicorn application whose workers call `load_app` once each."""

    def __init__(self, options: Mapping[str, Any], load_app: Callable[[], WSGIApp]) -> None:
        self.options = dict(options)
        self.load_app = load_app
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return self.load_app()


def options(binds: Iterable[str], workers: int, threads: int, timeout: int,
            access_log: str | None, pidfile: str | None) -> dict[str, Any]:
    """gunicorn settings: sync workers, or threaded ones when threads > 1."""
    return {
        "bind": list(binds),
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": timeout,
        "graceful_timeout": 30,
        "accesslog": access_log,
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "logger_class": AnonymousLogger,
        "pidfile": pidfile,
        "proc_name": "jianfu",
        "preload_app": False,  # the app is built in each worker (HUP loads new code)
        "control_socket_disable": True,  # signals manage the server; no socket in $HOME
    }


def is_local(bind: str) -> bool:
    """Whether a bind address only listens on this machine (then cookies need no HTTPS)."""
    host = bind.rsplit(":", 1)[0] if not bind.startswith("unix:") else "unix"
    return host in ("127.0.0.1", "localhost", "[::1]", "unix")


def run(database_url: str | None, binds: list[str], workers: int, threads: int = 1,
        timeout: int = 60, access_log: str | None = "-", pidfile: str | None = None,
        load_app: Callable[[], WSGIApp] | None = None) -> None:
    """Serve until SIGTERM (graceful stop) or SIGINT/SIGQUIT (quick stop); HUP restarts the
    workers gracefully."""
    secure = not all(is_local(b) for b in binds)
    Server(options(binds, workers, threads, timeout, access_log, pidfile),
           load_app or (lambda: build_app(database_url, secure))).run()
