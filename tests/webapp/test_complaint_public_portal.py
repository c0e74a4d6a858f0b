"""Safeguards of the public complaint pages (webapp/complaints/public.py, webapp/core/throttle.py):
throttling of wrong codes and of filing, no client address read (outside the throttle) or
logged, private response headers, CSRF, upload sizes. The filing page:
test_complaint_public_filing.py; tracking: test_complaint_public_tracking.py."""

from __future__ import annotations

import logging
import re
import secrets
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.webapp.conftest import CSRF
from tests.webapp.portal_helpers import Public

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- T2.3: throttling


def test_wrong_codes_are_throttled_by_the_tenth_attempt(public: Public) -> None:
    code = public.file_ok()
    statuses = []
    for _attempt in range(40):
        guess = f"{secrets.randbelow(10**16):016d}"
        statuses.append(public.track(guess).status_code)
    assert 200 not in statuses
    assert 429 in statuses and statuses.index(429) + 1 <= 10, statuses
    assert set(statuses[statuses.index(429):]) == {429}
    # The page says what to do, in Chinese, with no stack trace.
    page = public.track("0" * 16)
    html = page.get_data(as_text=True)
    assert page.status_code == 429 and "请等待" in html and "Traceback" not in html
    assert int(page.headers["Retry-After"]) > 0
    # Throttled per client: even the right code waits; another client is not affected.
    assert public.track(code).status_code == 429
    assert public.track(code, REMOTE_ADDR="203.0.113.9").status_code == 200
    # Many guessers, many guesses: no success, each one stopped by its tenth wrong code.
    for client in range(20):
        address = f"192.0.2.{client + 1}"
        answers = [public.track(f"{secrets.randbelow(10**16):016d}",
                                REMOTE_ADDR=address).status_code for _ in range(12)]
        assert 200 not in answers and answers.index(429) + 1 <= 10, (address, answers)


def test_right_codes_do_not_count(public: Public) -> None:
    code = public.file_ok()
    assert {public.track(code).status_code for _ in range(15)} == {200}


TICKET = re.compile(r'name="ticket" value="([^"]+)"')


def _continue(public: Public, page: Any, address: str) -> Any:
    """Press Continue on the wait page, from the same address."""
    html = page.get_data(as_text=True)
    ticket, code = TICKET.search(html), re.search(r'name="code" value="(\d*)"', html)
    assert ticket and code, html
    data = {"code": code.group(1), "ticket": ticket.group(1), "csrf_token": public.token()}
    return public.client.post("/report/track", data=data, environ_base={"REMOTE_ADDR": address})


def test_many_guessers_slow_everyone_down_but_lock_nobody_out(public_for: Any) -> None:
    """Issue 17: wrong codes from many addresses spent the global budget, and then the right
    code from a fresh address answered 429 for an hour. Now the global budget turns on the
    slow path: one wait, then the answer."""
    public = public_for(PUBLIC_LOOKUP_GLOBAL_LIMIT="12 per hour", PUBLIC_SLOW_WAIT_SECONDS="0",
                        PUBLIC_LOOKUP_SLOW_LIMIT="2 per hour")
    code = public.file_ok()
    statuses = [public.track(f"{secrets.randbelow(10**16):016d}",
                             REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(12)]
    assert statuses == [404] * 12
    fresh = "203.0.113.77"
    first = public.track(code, REMOTE_ADDR=fresh)
    assert first.status_code == 202, first.status_code  # the wait page, not a lock-out
    html = first.get_data(as_text=True)
    assert "请等待" in html and "Retry-After" not in first.headers
    assert _continue(public, first, fresh).status_code == 200
    # A ticket is used once, and only by the client it was given to.
    again = public.track(code, REMOTE_ADDR=fresh)
    assert _continue(public, again, "203.0.113.78").status_code == 202
    # A guesser in slow mode: each wrong code costs a wait, and two more are its last.
    guesser = "198.51.100.200"
    answers = []
    for _attempt in range(3):
        page = public.track(f"{secrets.randbelow(10**16):016d}", REMOTE_ADDR=guesser)
        answers.append(page.status_code)
        if page.status_code == 202:
            answers.append(_continue(public, page, guesser).status_code)
    assert answers[:4] == [202, 404, 202, 404] and answers[4] == 429, answers
    # ... while everybody else still gets their answer, one wait later.
    other = public.track(code, REMOTE_ADDR="192.0.2.250")
    assert other.status_code == 202
    assert _continue(public, other, "192.0.2.250").status_code == 200


def test_a_ticket_works_only_after_its_wait(public_for: Any) -> None:
    public = public_for(PUBLIC_LOOKUP_GLOBAL_LIMIT="1 per hour", PUBLIC_SLOW_WAIT_SECONDS="3600")
    code = public.file_ok()
    assert public.track("0" * 16, REMOTE_ADDR="198.51.100.1").status_code == 404
    page = public.track(code, REMOTE_ADDR="198.51.100.2")
    assert page.status_code == 202 and "3600" in page.get_data(as_text=True)
    assert _continue(public, page, "198.51.100.2").status_code == 202  # too early


def test_filing_is_throttled_per_client(public_for: Any) -> None:
    public = public_for(PUBLIC_FILING_LIMIT="2 per 10 minutes")
    statuses = [public.file().status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "请等待" in public.file().get_data(as_text=True)


def test_only_the_throttle_reads_the_client_address() -> None:
    reads = re.compile(r"remote_addr|access_route|\.user_agent\b|HTTP_USER_AGENT|REMOTE_ADDR"
                       r"|X-Forwarded-For|X-Real-IP|headers\.get\([\"']User-Agent", re.I)
    found = []
    for package in ("webapp", "workflows", "models"):
        for path in sorted((REPO / package).rglob("*.py")):
            if path.name == "throttle.py" and path.parent.name == "core":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if reads.search(line):
                    found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not found, found


def test_the_daily_key_changes_the_pseudonym() -> None:
    from datetime import date

    from webapp.core.throttle import DailyKey

    days = iter([date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 2)])
    key = DailyKey(today=lambda: next(days))
    first, same_day, next_day = (key.pseudonym("192.0.2.1") for _ in range(3))
    assert first == same_day != next_day
    assert "192.0.2.1" not in first and len(first) == 64


def test_the_request_log_has_no_client_address(public_app: Flask,
                                               caplog: pytest.LogCaptureFixture) -> None:
    from webapp.cli.main import make_anonymous_server

    server = make_anonymous_server(public_app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.port}/report"
        with caplog.at_level(logging.INFO, logger="werkzeug"), urllib.request.urlopen(url) as got:
            assert got.status == 200
    finally:
        server.shutdown()
        thread.join(5)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /report" in line for line in lines), lines
    assert not any("127.0.0.1" in line for line in lines), lines


# ---------------------------------------------------------------- headers, CSRF, sizes


def test_public_responses_are_private(public: Public) -> None:
    code = public.file_ok()
    responses = [public.client.get("/report"), public.client.get("/report/track"),
                 public.file(), public.track(code), public.track("1" * 16),
                 public.client.post("/report/track", data={})]
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "camera=()" in response.headers["Permissions-Policy"]
        html = response.get_data(as_text=True)
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "third-party asset"
        assert "<script>" not in html and "style=" not in html


def test_public_posts_need_the_csrf_token(public: Public) -> None:
    filed = public.client.post("/report", data=public.filing())
    assert filed.status_code == 400 and "表单已过期" in filed.get_data(as_text=True)
    tracked = public.client.post("/report/track", data={"code": "1" * 16})
    assert tracked.status_code == 400
    wrong = public.client.post("/report/track", data={"code": "1" * 16, "csrf_token": "x"})
    assert wrong.status_code == 400
    code = public.file_ok()
    for action in ("reply", "rate", "appeal"):
        answer = public.client.post(f"/report/track/{action}", data={
            "code": code, "text": "x", "rating": "satisfied", "appeal_reason": "xx"})
        assert answer.status_code == 400, action
        assert "表单已过期" in answer.get_data(as_text=True)


def test_https_posts_work_without_a_referer(public_app: Flask) -> None:
    """no-referrer means no Referer header: Flask-WTF's strict HTTPS check would refuse."""
    client = public_app.test_client()
    page = client.get("/report/track", base_url="https://complaints.example")
    match = CSRF.search(page.get_data(as_text=True))
    assert match
    answer = client.post("/report/track", base_url="https://complaints.example",
                         data={"code": "1" * 16, "csrf_token": match.group(1)})
    assert answer.status_code == 404


def test_uploads_may_be_large_on_the_filing_page_only(public: Public) -> None:
    big = b"\xff\xd8\xff" + bytes(3 * 1024 * 1024)  # 3 MiB: over the app's 1 MiB default
    filed = public.file(files=[(big, "big.jpg")], category="nonsense")
    assert filed.status_code == 422  # read and validated, not refused for its size
    huge = public.file(files=[(bytes(66 * 1024 * 1024), "huge.jpg")])  # over 64 MiB
    assert huge.status_code == 413
    assert "文件过大" in huge.get_data(as_text=True)
    tracked = public.client.post("/report/track", data={
        "code": "1" * 16, "csrf_token": public.token(), "pad": "x" * (2 * 1024 * 1024)})
    assert tracked.status_code == 413


def test_the_login_page_links_to_the_public_pages(public: Public) -> None:
    assert 'href="/report"' in public.client.get("/login").get_data(as_text=True)


def test_the_server_hides_keys_and_versions(public_app: Flask,
                                            caplog: pytest.LogCaptureFixture) -> None:
    """Issue 17: the Open311 key was written to the request log, and every answer had two
    Server headers, one naming Werkzeug's and Python's versions."""
    from webapp.cli.main import make_anonymous_server

    server = make_anonymous_server(public_app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = "k3y-Th4t-mUst-n0t-b3-l0gg3d"
    try:
        base = f"http://127.0.0.1:{server.port}"
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            with urllib.request.urlopen(f"{base}/report") as got:
                servers = got.headers.get_all("Server")
            try:
                urllib.request.urlopen(f"{base}/open311/v2/requests.json?x=1&api_key={secret}")
            except urllib.error.HTTPError as err:
                assert err.code == 403
    finally:
        server.shutdown()
        thread.join(5)
    assert servers == ["Jianfu"], servers
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/open311/v2/requests.json?x=1&api_key=" in line for line in lines), lines
    assert not any(secret in line for line in lines), lines
