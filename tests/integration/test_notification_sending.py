"""Issue 4 item 4 — the outbox's mail, sent by the worker to a REAL SMTP server (aiosmtpd
in its own process: notification_world.SmtpServer).

Checks: the server down -> pending with attempts and last_error, then sent; given up after
MAX_ATTEMPTS; a stale lease does not send; two workers never send the same mail twice; the
worker and run_forever mail the digests; the mail settings from the environment. The
`sessions` fixture also replays and audits every case after each test.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import CaseEvent, DueJob, Notification, OutboxMail, OutboxState, User, utcnow
from tests.integration.harness import (
    fresh_definition_cache,  # noqa: F401
    mp_context,
)
from tests.integration.harness.mail_procs import mail_worker
from tests.integration.notification_world import BASE_URL, FROM, SmtpServer, body, settle, start
from tests.integration.notification_world import smtp as smtp  # fixture
from workflows.kernel import worker
from workflows.notifications import mail as notification_mail
from workflows.notifications.outbox import (
    MAX_ATTEMPTS,
    MailSettings,
    SmtpSettings,
    claim_mail,
    send_outbox,
)

# ------------------------------------------------------------------ sending


def _one_mail(s: Session, base: datetime) -> OutboxMail:
    settle(s, base)
    start(s, "发送测试", base)
    assert notification_mail.queue_digests(s, base + timedelta(minutes=31)) == 1
    return s.scalars(select(OutboxMail)).one()


def test_server_down_then_back(demo_world: sessionmaker[Session], tmp_path: Path) -> None:
    server = SmtpServer(tmp_path / "mail")  # not started: its port refuses connections
    base = utcnow()
    try:
        with demo_world() as s:
            mail_id = _one_mail(s, base).id
            at = base + timedelta(minutes=31)
            result = send_outbox(s, server.settings, at, "w1")
            assert (result.sent, result.retrying) == (0, 1)
            mail = s.get(OutboxMail, mail_id, populate_existing=True)
            assert mail is not None and mail.state == OutboxState.PENDING
            assert mail.attempts == 1 and mail.last_error
            assert "Connection refused" in mail.last_error or "ConnectionRefused" in mail.last_error
            assert mail.lease_owner is None and mail.next_attempt_at is not None
            assert mail.next_attempt_at >= at + timedelta(minutes=1)
            # Backing off: not retried 30 s later, even with the server back.
            server.start()
            assert send_outbox(s, server.settings, at + timedelta(seconds=30), "w1").sent == 0
            result = send_outbox(s, server.settings, at + timedelta(minutes=2), "w2")
            assert result.sent == 1
            mail = s.get(OutboxMail, mail_id, populate_existing=True)
            assert mail is not None and mail.state == OutboxState.SENT
            assert mail.attempts == 2 and mail.last_error is None and mail.sent_at is not None
        assert len(server.wait_for(1)) == 1
    finally:
        server.stop()


def test_gives_up_after_max_attempts(demo_world: sessionmaker[Session], tmp_path: Path) -> None:
    down = SmtpServer(tmp_path / "mail")
    base = utcnow()
    with demo_world() as s:
        mail_id = _one_mail(s, base).id
        at = base + timedelta(minutes=31)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            send_outbox(s, down.settings, at, "w1")
            mail = s.get(OutboxMail, mail_id, populate_existing=True)
            assert mail is not None and mail.attempts == attempt
            at += timedelta(hours=2)
        assert mail.state == OutboxState.FAILED
        assert send_outbox(s, down.settings, at, "w1").failed == 0  # never claimed again


def test_a_stale_lease_does_not_send(demo_world: sessionmaker[Session],
                                     smtp: SmtpServer) -> None:
    """Worker A claims and stalls past its lease; B takes the mail over and sends it; A's
    renewal before sending then fails, so A does not send it again."""
    base = utcnow()
    with demo_world() as s:
        mail_id = _one_mail(s, base).id
        at = base + timedelta(minutes=31)
        assert claim_mail(s, "A", at, lease=timedelta(seconds=1)) == [mail_id]
        assert send_outbox(s, smtp.settings, at, "B").sent == 0  # A's lease holds
        assert send_outbox(s, smtp.settings, at + timedelta(seconds=2), "B").sent == 1
        from workflows.notifications.outbox import _renew

        assert _renew(s, mail_id, "A", at + timedelta(seconds=3), timedelta(minutes=2)) is None
    time.sleep(0.3)
    assert len(smtp.messages()) == 1


def test_two_workers_never_send_the_same_mail_twice(
        demo_world: sessionmaker[Session], db_url: str, smtp: SmtpServer) -> None:
    n, workers = 60, 3
    now = utcnow()
    with demo_world() as s:
        users = list(s.scalars(select(User.id).order_by(User.id)))
        s.add_all(OutboxMail(user_id=users[i % len(users)], to_address=f"u{i}@test.invalid",
                             subject=f"测试 {i}", body=f"第 {i} 封", created_at=now,
                             state=OutboxState.PENDING, attempts=0) for i in range(n))
        s.commit()
        ids = set(s.scalars(select(OutboxMail.id)))
    ctx = mp_context()
    barrier, out = ctx.Barrier(workers), ctx.Queue()
    procs = [ctx.Process(target=mail_worker, args=(db_url, smtp.port, f"w{i}", 4, barrier, out))
             for i in range(workers)]
    for p in procs:
        p.start()
    reports = [out.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(30)
    assert sum(r["sent"] for r in reports) == n, reports
    messages = smtp.wait_for(n)
    time.sleep(0.3)
    messages = smtp.messages()
    seen = Counter(str(m["Message-ID"]) for m in messages)
    assert len(messages) == n and max(seen.values()) == 1
    assert set(seen) == {f"<jianfu-outbox-{i}@test.invalid>" for i in ids}
    with demo_world() as s:
        rows = list(s.scalars(select(OutboxMail)))
        assert {(r.state, r.attempts, r.lease_owner) for r in rows} == {("sent", 1, None)}
    print(f"\noutbox race: {n} mails, {workers} workers, sent per worker "
          f"{sorted(r['sent'] for r in reports)}, rounds {sorted(r['rounds'] for r in reports)}")


# ------------------------------------------------------------------ the worker


def test_worker_sends_digests_when_smtp_is_configured(
        demo_world: sessionmaker[Session], smtp: SmtpServer) -> None:
    settings = MailSettings(smtp=smtp.settings, base_url=BASE_URL, budget_per_day=3)
    later = utcnow() + timedelta(days=60)
    with demo_world() as s:
        due = s.scalar(select(func.count()).select_from(DueJob).where(
            DueJob.state == "pending", DueJob.due_at < later))
        before = s.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.type == "timer_fired"))
        waiting = set(s.scalars(
            select(Notification.user_id).join(User, User.id == Notification.user_id)
            .where(Notification.emailed_at.is_(None), User.email.is_not(None))))
    assert due and waiting
    # run_once still returns the number of timers it fired, mail or not.
    fired = worker.run_once(demo_world, clock=lambda: later, jobs={"mail": settings})
    with demo_world() as s:
        assert fired >= 1 and fired == s.scalar(select(func.count()).select_from(CaseEvent)
                                                .where(CaseEvent.type == "timer_fired")) - before
        mails = list(s.scalars(select(OutboxMail)))
        assert {m.state for m in mails} == {"sent"}
        assert sorted(m.user_id for m in mails) == sorted(waiting)  # one digest per person
    assert len(smtp.wait_for(len(mails))) == len(mails)


def test_run_forever_mails_from_the_environment(
        demo_world: sessionmaker[Session], smtp: SmtpServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIANFU_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JIANFU_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("JIANFU_SMTP_FROM", FROM)
    monkeypatch.setenv("JIANFU_BASE_URL", BASE_URL)
    monkeypatch.setenv("JIANFU_MAIL_BUDGET", "1")
    settings = MailSettings.from_env(os.environ)
    assert settings is not None and settings.budget_per_day == 1
    assert settings.smtp == SmtpSettings(host="127.0.0.1", port=smtp.port, from_address=FROM)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(demo_world,),
                              kwargs={"poll": 0.05, "stop": stop, "job_every": {"mail": 0.1}})
    thread.start()
    try:
        assert smtp.wait_for(1, timeout=20), "run_forever sent no mail"
    finally:
        stop.set()
        thread.join(20)
    assert not thread.is_alive()
    assert all(BASE_URL in body(m) for m in smtp.messages())


def test_mail_settings_from_env() -> None:
    assert MailSettings.from_env({}) is None
    tls = MailSettings.from_env({"JIANFU_SMTP_HOST": "smtp.example.cn", "JIANFU_SMTP_SSL": "1",
                                 "JIANFU_SMTP_USER": "u", "JIANFU_SMTP_PASSWORD": "p"})
    assert tls is not None and (tls.smtp.port, tls.smtp.ssl, tls.smtp.starttls) == (465, True,
                                                                                    False)
    assert (tls.smtp.user, tls.smtp.password, tls.budget_per_day) == ("u", "p", 3)
    starttls = MailSettings.from_env({"JIANFU_SMTP_HOST": "h", "JIANFU_SMTP_STARTTLS": "true"})
    assert starttls is not None and (starttls.smtp.port, starttls.smtp.starttls) == (587, True)
