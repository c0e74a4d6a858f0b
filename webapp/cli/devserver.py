"""The development server of `jianfu run` and the tests: werkzeug's threaded server, with
request logs that never name the client (`jianfu serve` uses gunicorn: webapp/cli/production.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

request_log = logging.getLogger("werkzeug")

# An Open311 key in a query string (`api_key=...`): never written to the log.
SECRET_PARAM = re.compile(r"(api_key=)[^&\s\"]*", re.IGNORECASE)


def hide_secrets(line: str) -> str:
    """A request line with its Open311 key blanked."""
    return SECRET_PARAM.sub(r"\1[hidden]", line)


class AnonymousRequestHandler(WSGIRequestHandler):
    """werkzeug's request log without the client address: no IP is written anywhere
    (docs/complaints.md). The app still sees the address, for webapp/core/throttle.py only.
    Open311 keys in query strings are blanked, and the one `Server` header is the app's
    (no Werkzeug or Python version)."""

    def log(self, type: str, message: str, *args: Any) -> None:
        line = hide_secrets(message.rstrip() % args if args else message)
        getattr(request_log, type)("[%s] %s", self.log_date_time_string(), line.rstrip())

    def send_response(self, code: int, message: str | None = None) -> None:
        """As http.server's, without its `Server: Werkzeug/... Python/...` header."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())


class AnonymousWSGIServer(ThreadedWSGIServer):
    """The threaded development server; a request that crashes the handler is logged
    without the client address (socketserver prints it to stderr by default)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        request_log.exception("error while handling a request")


def make_anonymous_server(app: Any, host: str, port: int) -> AnonymousWSGIServer:
    """A development server (threaded) whose logs never name the client."""
    return AnonymousWSGIServer(host, port, app, handler=AnonymousRequestHandler)
