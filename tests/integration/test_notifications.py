"""Issue 4 item 4 — notifications: in-app (a projection written in the command's own
transaction), and e-mail digests through the outbox, sent by the worker to a REAL SMTP
server (aiosmtpd in its own process, writing each message it accepts to a folder).

Checks: who is told what; 10 events -> one digest; the daily budget per local day; no
e-mail address -> in-app only; the server down -> pending with attempts and last_error,
then sent; two workers never send the same mail twice; notifications are not history
(not in the hashes, not produced by replay). The `sessions` fixture also replays and
audits every case after each test.
"""

from __future__ import annotations

import email
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import (
    CaseEvent,
    DueJob,
    Notification,
    OutboxMail,
    OutboxState,
    User,
    utcnow,
)
from tests.integration.harness import (
    PROCESS,
    actors,
    draft_fields,
    fresh_definition_cache,  # noqa: F401
    mp_context,
    new_case,
    open_task,
)
from tests.integration.harness.mail_procs import mail_worker
from workflows import audit, cases, complaints, notifications, orgs, replay, worker
from workflows.calendar import CHINA_TZ
from workflows.complaints import ComplaintSettings
from workflows.outbox import MAX_ATTEMPTS, MailSettings, SmtpSettings, claim_mail, send_outbox
from workflows.receipts import ReceiptHasher
from workflows.vault import Vault, generate_key

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


# ------------------------------------------------------------------ in-app: who is told


def test_who_is_told_in_app(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        who = actors(s, "mz_clerk", "mz_clerk2", "mz_head", "nb_staff", "nb_head")
        case_id = start(s, "通知测试报表")
        draft = [("task_available", {"task": "填写报表申请", "task_id": "draft_form"})]
        # The group at the task's unit is told; the clerk who started it is not.
        assert mine(s, "mz_clerk2", case_id) == draft
        assert mine(s, "mz_clerk", case_id) == []
        for other in ("mz_head", "tj_clerk", "nb_staff", "auditor"):
            assert mine(s, other, case_id) == []

        cases.complete_task(s, who["mz_clerk"], case_id, open_task(s, case_id, "draft_form"),
                            draft_fields("通知测试报表"))
        assert mine(s, "mz_head", case_id) == [
            ("task_available", {"task": "部门负责人签批", "task_id": "sign_off"})]
        cases.complete_task(s, who["mz_head"], case_id, open_task(s, case_id, "sign_off"),
                            {"head_decision": "approve"})
        review = ("task_available", {"task": "区委农办审核", "task_id": "review_form"})
        assert mine(s, "nb_staff", case_id) == [review]
        assert mine(s, "nb_head", case_id) == [review]

        # Reassign: the colleague it now belongs to; a comment: the task's assignee.
        task = open_task(s, case_id, "review_form")
        cases.reassign_task(s, who["nb_head"], case_id, task, who["nb_staff"].user_id or 0)
        assigned = ("task_assigned", {"task": "区委农办审核", "task_id": "review_form"})
        assert mine(s, "nb_staff", case_id) == [assigned, review]
        cases.add_comment(s, who["mz_clerk"], case_id, "请尽快审核，月底前要下发")
        assert ("comment", {}) in mine(s, "nb_staff", case_id)
        assert ("comment", {}) not in mine(s, "nb_head", case_id)  # the task is nb_staff's
        assert ("comment", {}) not in mine(s, "mz_clerk", case_id)  # their own comment

        # Finished: the clerk who started it is told.
        cases.complete_task(s, who["nb_staff"], case_id, task, {"review_decision": "approve"})
        assert mine(s, "mz_clerk", case_id) == [("case_closed", {"status": "published"})]

        # Reading: unread count, mark some, mark all.
        me = who["nb_staff"].user_id or 0
        count = notifications.unread_count(s, me)
        first = notifications.unread(s, me)[0]
        assert notifications.mark_read(s, me, [first.id]) == 1
        assert notifications.unread_count(s, me) == count - 1
        # Another user's ids are not theirs to mark.
        other = notifications.unread(s, uid(s, "nb_head"))[0]
        assert notifications.mark_read(s, me, [other.id]) == 0
        assert notifications.mark_read(s, me) == count - 1
        assert notifications.unread_count(s, me) == 0
        assert notifications.unread_count(s, uid(s, "nb_head")) > 0


def test_review_reminder_warns_the_group(demo_world: sessionmaker[Session]) -> None:
    past = utcnow() - timedelta(days=30)
    with demo_world() as s:
        case_id, _ = new_case(s, "review_form", "提醒测试", settings={"review_reminder_days": 1},
                              now=past)
    assert worker.run_once(demo_world, mail=None) >= 1
    with demo_world() as s:
        warning = ("deadline_warning", {"task": "区委农办审核", "task_id": "review_form"})
        for head in ("nb_staff", "nb_head"):
            assert warning in mine(s, head, case_id)
        assert all(kind != "deadline_warning" for kind, _ in mine(s, "mz_head", case_id))


def complaint_settings() -> ComplaintSettings:
    return ComplaintSettings(hasher=ReceiptHasher.for_tests(b"notification-tests"),
                             vault=Vault.from_config(generate_key()))


def test_deadlines_reach_the_unit_head_and_no_complainant_data(
        demo_world: sessionmaker[Session], smtp: SmtpServer) -> None:
    description = "镇里要求每个村每周上报三张内容重复的统计表格，占用大量时间。联系人张三"
    with demo_world() as s:
        settle(s, T0)
        village = orgs.by_code(s, "dgz-v2")
        assert village is not None
        filing = {"category": "too_many_forms", "town_id": village.parent_id,
                  "village_id": village.id, "description": description,
                  "anonymous": False, "name": "张三", "phone": "13800138000"}
        filed = complaints.file_complaint(s, filing, [], settings=complaint_settings(), now=T0)
        case_id = filed.case_id
        intake = ("task_available", {"task": "受理审核", "task_id": "intake"})
        assert mine(s, "nb_staff", case_id) == [intake]
        s.commit()
    # The worker fires the warning and breach timers of intake (2 working days).
    fired = worker.run_once(demo_world, clock=lambda: T0 + timedelta(days=5), mail=None)
    assert fired >= 1  # one firing records both the warning and the breach
    with demo_world() as s:
        warning = ("deadline_warning", {"task": "受理审核", "task_id": "intake"})
        breach = ("deadline_breach", {"stage": "intake"})
        assert mine(s, "nb_head", case_id) == [breach, warning, intake]  # head of 区委农办
        assert mine(s, "nb_staff", case_id) == [warning, intake]
        assert mine(s, "mz_head", case_id) == [] and mine(s, "tj_head", case_id) == []
        stored = json.dumps([n.params for n in s.scalars(
            select(Notification).where(Notification.case_id == case_id))], ensure_ascii=False)
        assert "张三" not in stored and "13800138000" not in stored and "重复" not in stored
        assert notifications.queue_digests(s, T0 + timedelta(days=6), base_url=BASE_URL) >= 2
        send_outbox(s, smtp.settings, T0 + timedelta(days=6), "w1")
    sent = {m["To"]: body(m) for m in smtp.wait_for(2)}
    head = sent["nb_head@demo.jianfu.invalid"]
    assert "受理环节已超过办理时限" in head and f"投诉 #{case_id}" in head
    assert f"{BASE_URL}/cases/{case_id}" in head
    for text in sent.values():  # titles of complaints are the complainant's words
        assert "张三" not in text and "13800138000" not in text and "重复" not in text


# ------------------------------------------------------------------ digests and budget


def test_ten_events_make_one_digest(demo_world: sessionmaker[Session], smtp: SmtpServer) -> None:
    base = utcnow()
    with demo_world() as s:
        settle(s, base)
        ids = [start(s, f"摘要测试 {i}", base + timedelta(minutes=i)) for i in range(10)]
        me = uid(s, "mz_clerk2")
        assert notifications.unread_count(s, me) >= 10
        # Not yet: the oldest is younger than 30 minutes.
        assert notifications.queue_digests(s, base + timedelta(minutes=29),
                                           base_url=BASE_URL) == 0
        assert notifications.queue_digests(s, base + timedelta(minutes=31),
                                           base_url=BASE_URL) == 1
        assert notifications.queue_digests(s, base + timedelta(minutes=32),
                                           base_url=BASE_URL) == 0
        mail = s.scalars(select(OutboxMail)).one()
        assert (mail.user_id, mail.to_address) == (me, "mz_clerk2@demo.jianfu.invalid")
        pending = s.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == me, Notification.emailed_at.is_(None)))
        assert pending == 0
        result = send_outbox(s, smtp.settings, base + timedelta(minutes=31), "w1")
        assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
    messages = smtp.wait_for(1)
    time.sleep(0.3)
    assert len(smtp.messages()) == 1
    msg = messages[0]
    assert msg["To"] == "mz_clerk2@demo.jianfu.invalid" and msg["From"] == FROM
    assert msg["Subject"] == "【减负】您有 10 条新通知"
    assert msg["Message-ID"] == f"<jianfu-outbox-{mail.id}@test.invalid>"
    text = body(msg)
    assert text.count("新的待办任务可以领取：填写报表申请") == 10
    for i, case_id in enumerate(ids):
        assert f"《摘要测试 {i}（演示）》" in text or f"《摘要测试 {i}》" in text
        assert f"{BASE_URL}/cases/{case_id}\n" in text
    assert f"{BASE_URL}/notifications" in text


def test_daily_budget_per_local_day(demo_world: sessionmaker[Session],
                                    smtp: SmtpServer) -> None:
    """Budget 2: the third digest of a local (Asia/Shanghai) day waits for the next day's
    first. The first two fall on different UTC days (07:31 and 08:31 in China are 23:31
    and 00:31 UTC), so counting UTC days would let the third one through."""
    day = utcnow() + timedelta(days=1)
    with demo_world() as s:
        settle(s, utcnow())
        me = uid(s, "mz_clerk2")

        def digest_at(moment: datetime) -> int:
            return notifications.queue_digests(s, moment, budget_per_day=2, base_url=BASE_URL)

        first = start(s, "预算一", local(day, 7, 0))
        assert digest_at(local(day, 7, 31)) == 1
        second = start(s, "预算二", local(day, 7, 40))
        assert digest_at(local(day, 8, 31)) == 1
        third = start(s, "预算三", local(day, 8, 40))
        assert digest_at(local(day, 9, 31)) == 0
        assert digest_at(local(day, 23, 59, 59)) == 0
        assert notifications.unread_count(s, me) >= 3  # in-app does not wait
        assert digest_at(local(day, 24, 0, 30)) == 1  # the next local day
        mails = list(s.scalars(select(OutboxMail).order_by(OutboxMail.id)))
        assert [m.user_id for m in mails] == [me, me, me]
        assert [f"/cases/{c}" in m.body for m, c in zip(mails, (first, second, third),
                                                        strict=True)] == [True] * 3
        assert f"/cases/{third}" not in mails[1].body
        result = send_outbox(s, smtp.settings, local(day, 24, 1), "w1")
        assert result.sent == 3
    assert len(smtp.wait_for(3)) == 3


def test_no_email_address_means_in_app_only(demo_world: sessionmaker[Session],
                                            smtp: SmtpServer) -> None:
    base = utcnow()
    with demo_world() as s:
        settle(s, base)
        s.execute(update(User).where(User.username == "mz_clerk2").values(email=None))
        s.execute(update(User).where(User.username == "mz_head").values(email=""))
        s.commit()
        case_id = start(s, "无邮箱", base)
        cases.complete_task(s, actors(s, "mz_clerk")["mz_clerk"], case_id,
                            open_task(s, case_id, "draft_form"), draft_fields("无邮箱"),
                            now=base + timedelta(minutes=1))
        assert mine(s, "mz_clerk2", case_id) and mine(s, "mz_head", case_id)
        assert notifications.queue_digests(s, base + timedelta(hours=2)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxMail)) == 0
        assert send_outbox(s, smtp.settings, base + timedelta(hours=2), "w1").sent == 0
    time.sleep(0.3)
    assert smtp.messages() == []


# ------------------------------------------------------------------ sending


def _one_mail(s: Session, base: datetime) -> OutboxMail:
    settle(s, base)
    start(s, "发送测试", base)
    assert notifications.queue_digests(s, base + timedelta(minutes=31)) == 1
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
        from workflows.outbox import _renew

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


# ------------------------------------------------------------------ not history; the worker


def test_notifications_are_not_history(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        who = actors(s, "mz_clerk", "mz_head")
        case_id = start(s, "不是历史")
        cases.complete_task(s, who["mz_clerk"], case_id, open_task(s, case_id, "draft_form"),
                            draft_fields("不是历史"))
        cases.add_comment(s, who["mz_head"], case_id, "看过了")
        made = s.scalar(select(func.count()).select_from(Notification))
        assert made and mine(s, "mz_head", case_id)
        for ev in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)):
            recorded = json.dumps([ev.inputs, ev.diff], ensure_ascii=False)
            assert "notification" not in recorded and "task_available" not in recorded
        report = replay.replay_case(s, case_id)
        assert report.ok and report.events == 3
        s.rollback()
        assert s.scalar(select(func.count()).select_from(Notification)) == made
        # Not hashed: deleting every notification leaves the audit and replay clean.
        s.execute(delete(Notification))
        s.commit()
        assert [str(p) for p in audit.verify(s)] == []
        assert replay.replay_case(s, case_id).ok


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
    fired = worker.run_once(demo_world, clock=lambda: later, mail=settings)
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
                              kwargs={"poll": 0.05, "stop": stop, "mail_every": 0.1})
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
