"""Subprocess entry point for the outbox race test: a mail worker that sends until the
outbox is empty and reports what it sent."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from models import OutboxMail, OutboxState, utcnow
from tests.integration.harness import open_sessions
from workflows.notifications.outbox import SmtpSettings, send_outbox

BARRIER_TIMEOUT = 120


def mail_worker(url: str, port: int, owner: str, limit: int, barrier: Any, out: Any) -> None:
    sessions = open_sessions(url)
    smtp = SmtpSettings(host="127.0.0.1", port=port, from_address="jianfu@test.invalid",
                        timeout=10)
    sent = retrying = rounds = 0
    barrier.wait(BARRIER_TIMEOUT)
    deadline = time.monotonic() + 120
    with sessions() as session:
        while time.monotonic() < deadline:
            result = send_outbox(session, smtp, utcnow(), owner, limit=limit)
            sent, retrying, rounds = sent + result.sent, retrying + result.retrying, rounds + 1
            left = session.scalar(select(func.count()).select_from(OutboxMail)
                                  .where(OutboxMail.state == OutboxState.PENDING))
            session.rollback()
            if not left:
                break
            if not result.sent:
                time.sleep(0.02)
    out.put({"owner": owner, "sent": sent, "retrying": retrying, "rounds": rounds})
