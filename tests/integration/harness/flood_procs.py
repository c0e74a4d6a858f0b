"""The clients of the flood test (tests/integration/test_flood.py), in a child process: many
villagers filing complaints through the public form, each from its own address (sent as
X-Forwarded-For to a server that trusts one proxy), while staff work in their inboxes."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from typing import Any
from urllib.parse import urlencode

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission" value="([^"]*)"')


def _request(port: int, method: str, path: str, headers: dict[str, str],
             body: bytes | None = None) -> tuple[int, dict[str, str], bytes, float]:
    began = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body, headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, dict(resp.getheaders()), data, time.monotonic() - began
    finally:
        conn.close()


def _cookie(headers: dict[str, str], jar: dict[str, str]) -> None:
    raw = headers.get("Set-Cookie", "")
    if raw:
        name, _, rest = raw.partition("=")
        jar[name] = rest.split(";", 1)[0]


def villager(port: int, number: int, fields: dict[str, str], until: float,
             log: list[tuple[str, int, float]]) -> None:
    address = f"10.77.{number // 250}.{number % 250 + 1}"
    jar: dict[str, str] = {}
    while time.monotonic() < until:
        base = {"X-Forwarded-For": address}
        if jar:
            base["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        status, headers, page, took = _request(port, "GET", "/report", base)
        _cookie(headers, jar)
        log.append(("page", status, took))
        token, submission = TOKEN.search(page.decode()), SUBMISSION.search(page.decode())
        if status != 200 or token is None or submission is None:
            time.sleep(0.2)
            continue
        body = urlencode({**fields, "csrf_token": token.group(1),
                          "submission": submission.group(1),
                          "description": f"洪水测试：第{number}位村民反映每周被要求填三张表。"})
        headers = {**base, "Content-Type": "application/x-www-form-urlencoded",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
        status, _h, _d, took = _request(port, "POST", "/report", headers, body.encode())
        log.append(("file", status, took))


def staff(port: int, username: str, password: str, until: float,
          log: list[tuple[str, int, float]]) -> None:
    status, headers, _d, _t = _request(
        port, "POST", "/api/v1/login", {"Content-Type": "application/json"},
        json.dumps({"username": username, "password": password}).encode())
    if status != 200:
        log.append(("staff-login", status, 0.0))
        return
    cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
    while time.monotonic() < until:
        for path in ("/api/v1/inbox", "/inbox"):
            status, _h, _d, took = _request(port, "GET", path, {"Cookie": cookie,
                                                                "Accept": "application/json"})
            log.append(("staff", status, took))
        time.sleep(0.05)


def run(port: int, users: int, seconds: float, fields: dict[str, str],
        staff_users: list[tuple[str, str]], out: Any) -> None:
    until = time.monotonic() + seconds
    log: list[tuple[str, int, float]] = []
    threads = [threading.Thread(target=villager, args=(port, n, fields, until, log))
               for n in range(users)]
    threads += [threading.Thread(target=staff, args=(port, u, p, until, log))
                for u, p in staff_users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(log)
