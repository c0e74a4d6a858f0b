"""The world of the notification tests: a REAL SMTP server (aiosmtpd in its own process,
writing each message it accepts to a folder) as the `smtp` fixture, and helpers to start
cases and read who was told what."""

from __future__ import annotations

import email
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Notification, User
from tests.integration.harness import PROCESS, actors
from workflows.kernel import cases
from workflows.kernel.calendar import CHINA_TZ
from workflows.notifications import notify as notifications
from workflows.notifications.outbox import SmtpSettings

HARNESS = Path(__file__).resolve().parent / "harness"
BASE_URL = "https://jianfu.example.cn"
FROM = "jianfu@test.invalid"
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in China


# ------------------------------------------------------------------ the SMTP server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """`python -m aiosmtpd` with harness/smtp_sink.FolderSink, as a child process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def settings(self) -> SmtpSettings:
        return SmtpSettings(host="127.0.0.1", port=self.port, from_address=FROM, timeout=5)

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(HARNESS)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "smtp_sink.FolderSink", str(self.folder)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"aiosmtpd exited: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.recv(100)  # the 220 greeting: the server is serving
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("aiosmtpd did not start")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None

    def messages(self) -> list[EmailMessage]:
        if not self.folder.exists():
            return []
        parse = email.parser.BytesParser(policy=policy.default)
        return [parse.parsebytes(p.read_bytes())  # type: ignore[misc]
                for p in sorted(self.folder.glob("*.eml"))]

    def wait_for(self, n: int, timeout: float = 10) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(found := self.messages()) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return found


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path / "mail")
    server.start()
    yield server
    server.stop()


# ------------------------------------------------------------------ helpers


def uid(session: Session, username: str) -> int:
    user_id = session.scalar(select(User.id).where(User.username == username))
    assert user_id is not None
    return user_id


def mine(session: Session, username: str, case_id: int) -> list[tuple[str, dict[str, Any]]]:
    rows = notifications.unread(session, uid(session, username))
    found = [(n.kind, n.params) for n in rows if n.case_id == case_id]
    return sorted(found, key=lambda kp: (kp[0], json.dumps(kp[1], sort_keys=True)))


def settle(session: Session, at: datetime) -> None:
    """Count the demo world's notifications as mailed: tests look at their own only."""
    session.execute(update(Notification).where(Notification.emailed_at.is_(None))
                    .values(emailed_at=at))
    session.commit()


def start(session: Session, title: str, at: datetime | None = None) -> int:
    clerk = actors(session, "mz_clerk")["mz_clerk"]
    return cases.start_case(session, clerk, PROCESS, {"title": title}, now=at).case_id


def body(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def local(day: datetime, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """`hour:minute` on `day`'s local date in China, as UTC (hour 24 = the next day)."""
    moment = datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)
    return (moment + timedelta(hours=hour, minutes=minute, seconds=second)).astimezone(UTC)
