"""`jianfu serve`'s logs never name the client (docs/complaints.md): gunicorn's access-log
atoms lose the address and headers, and its error lines their `ip=`; Open311 keys are
blanked in both."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from webapp.cli.production import ACCESS_LOG_FORMAT, AnonymousLogger


def logger() -> AnonymousLogger:
    cfg = Config()
    cfg.set("errorlog", "-")
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", ACCESS_LOG_FORMAT)
    return AnonymousLogger(cfg)


def test_access_log_atoms_hold_no_client_and_no_key() -> None:
    environ = {"REMOTE_ADDR": "203.0.113.7", "REQUEST_METHOD": "GET",
               "RAW_URI": "/open311/v2/requests.json?api_key=SECRETKEY&x=1",
               "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/open311/v2/requests.json",
               "QUERY_STRING": "api_key=SECRETKEY&x=1", "HTTP_USER_AGENT": "phone",
               "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    req = SimpleNamespace(headers=[("X-FORWARDED-FOR", "198.51.100.9")])
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[("Server", "Jianfu")])
    atoms = logger().atoms(resp, req, environ, timedelta(milliseconds=3))
    text = repr(atoms)
    assert "203.0.113.7" not in text and "198.51.100.9" not in text and "phone" not in text
    assert "SECRETKEY" not in text and "api_key=[hidden]" in atoms["r"]
    line = ACCESS_LOG_FORMAT % atoms
    assert '"GET /open311/v2/requests.json?api_key=[hidden]&x=1 HTTP/1.1" 200 10 3ms' in line


def test_error_lines_lose_the_client_address_and_keys() -> None:
    log = logger()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    log.error_log.addHandler(handler)
    log.error_log.setLevel(logging.DEBUG)
    log.error("Invalid request from ip=%s: %s", "203.0.113.7", "bad line")
    log.error("Error handling request %s", "/x?api_key=SECRETKEY")
    log.setup(log.cfg)  # a reload sets up again: the filter is not stacked
    assert log.error_log.filters.count(log.error_log.filters[0]) == 1
    text = out.getvalue()
    assert "203.0.113.7" not in text and "ip=[hidden]" in text
    assert "SECRETKEY" not in text and "api_key=[hidden]" in text
