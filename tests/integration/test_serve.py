"""`jianfu serve` for real (issue 15, item 1): gunicorn in a child process on a free port,
on a database made by `jianfu init-db`; it answers the health check and a logged-in API call,
keeps serving (and the login keeps working) across a graceful restart (SIGHUP), and stops
cleanly on SIGTERM. Its logs never name the client, and it sends one `Server` header."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from models import OrgKind
from models.db import make_engine, make_sessionmaker
from webapp.cli.main import main
from workflows.kernel import access, accounts, orgs

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "serve-test-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(port: int, method: str, path: str, body: object | None = None,
         cookie: str = "") -> tuple[int, http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request(method, path, None if body is None else json.dumps(body), headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, resp, data


def wait_until(check: object, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if check():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("timed out")


def add_clerk(url: str) -> None:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        district = orgs.add_unit(s, "nanchuan", "南川区", OrgKind.DISTRICT)
        dept = orgs.add_unit(s, "qserve", "测试部门", OrgKind.DEPARTMENT, district)
        user = accounts.create_user(s, "serve_clerk", "测试", PASSWORD)
        accounts.assign_role(s, user, access.CLERK, dept)
        s.commit()
    engine.dispose()


def test_serve_answers_restarts_gracefully_and_stops(db_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init-db", "--database-url", db_url])
    assert result.exit_code == 0, result.output
    add_clerk(db_url)
    port, pidfile, log = free_port(), tmp_path / "serve.pid", tmp_path / "serve.log"
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}
    for key in ("JIANFU_SECRET_KEY", "JIANFU_VAULT_KEY", "JIANFU_RECEIPT_SALT"):
        env.pop(key, None)  # instance/ in the working directory keeps them (webapp/wsgi.py)
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", "from webapp.cli.main import main; main()", "serve",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--pid", str(pidfile)],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: call(port, "GET", "/healthz")[0] == 200)
        status, resp, _ = call(port, "GET", "/healthz?api_key=do-not-log-me")
        assert status == 200
        assert resp.headers.get_all("Server") == ["Jianfu"]
        status, resp, data = call(port, "POST", "/api/v1/login",
                                  {"username": "serve_clerk", "password": PASSWORD})
        assert status == 200, data
        cookie = resp.getheader("Set-Cookie", "").split(";", 1)[0]
        status, _, data = call(port, "GET", "/api/v1/me", cookie=cookie)
        assert status == 200 and json.loads(data)["user"]["username"] == "serve_clerk"
        assert int(pidfile.read_text()) == server.pid

        server.send_signal(signal.SIGHUP)
        wait_until(lambda: log.read_text().count("Booting worker") >= 2)
        status, _, data = call(port, "GET", "/api/v1/me", cookie=cookie)  # a new worker
        assert status == 200 and json.loads(data)["user"]["username"] == "serve_clerk"
        assert server.poll() is None

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    text = log.read_text()
    assert "Handling signal: hup" in text and "Shutting down: Master" in text
    assert "/healthz?api_key=[hidden]" in text and "do-not-log-me" not in text
    access_lines = [line for line in text.splitlines() if '"GET /' in line or '"POST /' in line]
    assert len(access_lines) >= 4
    assert not [line for line in access_lines if "127.0.0.1" in line]  # no client address
