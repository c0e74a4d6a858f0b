"""Issue 4 item 4 — e-mail digests of the notifications, queued in the outbox and sent to a
REAL SMTP server (aiosmtpd in its own process: notification_world.SmtpServer).

Checks: 10 events -> one digest; the daily budget per local day; no e-mail address ->
in-app only. The `sessions` fixture also replays and audits every case after each test.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import Notification, OutboxMail, User, utcnow
from tests.integration.harness import (
    actors,
    draft_fields,
    fresh_definition_cache,  # noqa: F401
    open_task,
)
from tests.integration.notification_world import (
    BASE_URL,
    FROM,
    SmtpServer,
    body,
    local,
    mine,
    settle,
    start,
    uid,
)
from tests.integration.notification_world import smtp as smtp  # fixture
from workflows.kernel import cases
from workflows.notifications import mail as notification_mail
from workflows.notifications import notify as notifications
from workflows.notifications.outbox import send_outbox

# ------------------------------------------------------------------ digests and budget


def test_ten_events_make_one_digest(demo_world: sessionmaker[Session], smtp: SmtpServer) -> None:
    base = utcnow()
    with demo_world() as s:
        settle(s, base)
        ids = [start(s, f"摘要测试 {i}", base + timedelta(minutes=i)) for i in range(10)]
        me = uid(s, "mz_clerk2")
        assert notifications.unread_count(s, me) >= 10
        # Not yet: the oldest is younger than 30 minutes.
        assert notification_mail.queue_digests(s, base + timedelta(minutes=29),
                                           base_url=BASE_URL) == 0
        assert notification_mail.queue_digests(s, base + timedelta(minutes=31),
                                           base_url=BASE_URL) == 1
        assert notification_mail.queue_digests(s, base + timedelta(minutes=32),
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
            return notification_mail.queue_digests(s, moment, budget_per_day=2, base_url=BASE_URL)

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
        assert notification_mail.queue_digests(s, base + timedelta(hours=2)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxMail)) == 0
        assert send_outbox(s, smtp.settings, base + timedelta(hours=2), "w1").sent == 0
    time.sleep(0.3)
    assert smtp.messages() == []
