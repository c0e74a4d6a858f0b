"""The e-mail outbox: SMTP settings and the sender the worker runs.

Mails are rows (`OutboxMail`) written in the transaction that decided to send them
(`notification_mail.queue_digests`). A worker claims pending rows with a lease (PostgreSQL
`FOR UPDATE SKIP LOCKED`, SQLite a conditional UPDATE), renews its lease just before
handing each mail to the SMTP server, and then marks it sent, so two workers never send
the same mail. A failed attempt is recorded (attempts, last_error) and retried with
exponential back-off; after MAX_ATTEMPTS the mail is `failed`. SMTP gives no exactly-once:
a worker that dies between the server's "250 OK" and the commit would send the mail again
after its lease expires, so every mail carries a stable Message-ID for receivers to dedupe.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from models import OutboxMail, OutboxState
from models.db import begin_write

logger = logging.getLogger(__name__)

MAIL_LEASE = timedelta(minutes=2)  # well above the SMTP timeout of one mail
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)
BATCH = 20

DIGEST_AFTER = timedelta(minutes=30)
BUDGET_PER_DAY = 3
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    ssl: bool = False  # SMTP over TLS from the first byte (usually port 465)
    starttls: bool = False  # upgrade a plain connection (usually port 587)
    from_address: str = "jianfu-noreply@localhost"
    timeout: float = 20.0


@dataclass(frozen=True)
class MailSettings:
    """Everything the worker needs for e-mail: the server, the links, the budget."""

    smtp: SmtpSettings
    base_url: str = DEFAULT_BASE_URL
    budget_per_day: int = BUDGET_PER_DAY
    digest_after: timedelta = DIGEST_AFTER

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> MailSettings | None:
        """From JIANFU_SMTP_HOST, _PORT, _USER, _PASSWORD, _SSL, _STARTTLS, _FROM,
        _TIMEOUT, JIANFU_BASE_URL and JIANFU_MAIL_BUDGET; None when no host is set (then
        people get in-app notifications only)."""
        host = environ.get("JIANFU_SMTP_HOST", "").strip()
        if not host:
            return None
        use_ssl = environ.get("JIANFU_SMTP_SSL", "").strip().lower() in TRUE
        starttls = environ.get("JIANFU_SMTP_STARTTLS", "").strip().lower() in TRUE
        port = environ.get("JIANFU_SMTP_PORT", "").strip()
        smtp = SmtpSettings(
            host=host,
            port=int(port) if port else (465 if use_ssl else 587 if starttls else 25),
            user=environ.get("JIANFU_SMTP_USER") or None,
            password=environ.get("JIANFU_SMTP_PASSWORD") or None,
            ssl=use_ssl,
            starttls=starttls and not use_ssl,
            from_address=environ.get("JIANFU_SMTP_FROM") or SmtpSettings.from_address,
            timeout=float(environ.get("JIANFU_SMTP_TIMEOUT") or SmtpSettings.timeout),
        )
        budget = environ.get("JIANFU_MAIL_BUDGET", "").strip()
        return cls(
            smtp=smtp,
            base_url=environ.get("JIANFU_BASE_URL") or DEFAULT_BASE_URL,
            budget_per_day=int(budget) if budget else BUDGET_PER_DAY,
        )


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the n-th failed attempt: 1, 2, 4, 8 ... minutes, at most an hour."""
    delay: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_RETRY)


def claim_mail(
    session: Session, owner: str, now: datetime, limit: int = BATCH,
    lease: timedelta = MAIL_LEASE,
) -> list[int]:
    """Lease up to `limit` sendable mails to `owner`; returns their ids (committed)."""
    begin_write(session)
    free = or_(OutboxMail.lease_until.is_(None), OutboxMail.lease_until < now)
    ready = or_(OutboxMail.next_attempt_at.is_(None), OutboxMail.next_attempt_at <= now)
    query = (
        select(OutboxMail.id)
        .where(OutboxMail.state == OutboxState.PENDING, ready, free)
        .order_by(OutboxMail.created_at, OutboxMail.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(OutboxMail)
            .where(OutboxMail.id.in_(ids), OutboxMail.state == OutboxState.PENDING, free)
            .values(lease_owner=owner, lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return ids


def _renew(session: Session, mail_id: int, owner: str, now: datetime,
           lease: timedelta) -> OutboxMail | None:
    """Renew this worker's lease on a mail right before sending it; None when it is no
    longer ours (sent, or re-leased by another worker after ours ran out)."""
    begin_write(session)
    renewed = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.state == OutboxState.PENDING,
               OutboxMail.lease_owner == owner)
        .values(lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    if renewed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return None
    session.commit()
    return session.get(OutboxMail, mail_id, populate_existing=True)


def _finish(session: Session, mail_id: int, owner: str, now: datetime,
            error: str | None) -> str:
    """Record the outcome of one attempt; returns the mail's new state."""
    begin_write(session)
    mail = session.get(OutboxMail, mail_id, populate_existing=True)
    if mail is None or mail.lease_owner != owner or mail.state != OutboxState.PENDING:
        session.rollback()
        return ""
    mail.attempts += 1
    mail.lease_owner, mail.lease_until = None, None
    if error is None:
        mail.state, mail.sent_at, mail.last_error = OutboxState.SENT, now, None
    else:
        mail.last_error = error[:500]
        if mail.attempts >= MAX_ATTEMPTS:
            mail.state = OutboxState.FAILED
            logger.error("mail %s failed %s times, giving up: %s", mail_id, mail.attempts, error)
        else:
            mail.next_attempt_at = now + retry_delay(mail.attempts)
    state = mail.state
    session.commit()
    return state


def connect(smtp: SmtpSettings) -> smtplib.SMTP:
    """An open, authenticated SMTP connection (TLS as configured)."""
    conn: smtplib.SMTP
    if smtp.ssl:
        conn = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout,
                                context=ssl.create_default_context())
    else:
        conn = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.starttls:
            conn.starttls(context=ssl.create_default_context())
        if smtp.user:
            conn.login(smtp.user, smtp.password or "")
    except BaseException:
        conn.close()
        raise
    return conn


def message(mail: OutboxMail, smtp: SmtpSettings, now: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = smtp.from_address
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(now)
    domain = smtp.from_address.rpartition("@")[2] or "jianfu.invalid"
    msg["Message-ID"] = f"<jianfu-outbox-{mail.id}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.body)
    return msg


def _error(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def send_outbox(
    session: Session,
    smtp: SmtpSettings,
    now: datetime,
    owner: str,
    *,
    limit: int = BATCH,
    lease: timedelta = MAIL_LEASE,
) -> SendResult:
    """Claim and send one batch of pending mails over one SMTP connection."""
    result = SendResult()
    started = time.monotonic()

    def moment() -> datetime:  # `now` moved on by the time this batch has taken
        return now + timedelta(seconds=time.monotonic() - started)

    def record(mail_id: int, error: str | None) -> None:
        state = _finish(session, mail_id, owner, moment(), error)
        if state == OutboxState.SENT:
            result.sent += 1
        elif state == OutboxState.FAILED:
            result.failed += 1
        elif state == OutboxState.PENDING:
            result.retrying += 1

    conn: smtplib.SMTP | None = None
    ids = claim_mail(session, owner, now, limit, lease)
    try:
        for index, mail_id in enumerate(ids):
            mail = _renew(session, mail_id, owner, moment(), lease)
            if mail is None:
                continue
            msg = message(mail, smtp, moment())
            to = mail.to_address
            session.rollback()  # no transaction stays open while the server talks
            if conn is None:
                try:
                    conn = connect(smtp)
                except (OSError, smtplib.SMTPException) as err:
                    # The server is unreachable: this whole batch is one failed attempt each.
                    logger.warning("SMTP %s:%s unreachable: %s", smtp.host, smtp.port, err)
                    for rest in ids[index:]:
                        record(rest, _error(err))
                    return result
            try:
                conn.send_message(msg, from_addr=smtp.from_address, to_addrs=[to])
            except (OSError, smtplib.SMTPException) as err:
                record(mail_id, _error(err))
                lost = isinstance(err, smtplib.SMTPServerDisconnected)
                if lost or not isinstance(err, smtplib.SMTPException):  # a socket error
                    _close(conn)
                    conn = None
                continue
            record(mail_id, None)
    finally:
        if conn is not None:
            _close(conn)
    return result


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()
