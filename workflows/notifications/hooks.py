"""What notifications plug into the kernel: who is told of each event (in the command's
transaction, after the other projections) and the worker's mail job (digests, then a batch
of the outbox) when SMTP is configured."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from workflows.kernel import registry
from workflows.notifications import notify
from workflows.notifications.mail import queue_digests
from workflows.notifications.outbox import MailSettings, send_outbox

MAIL_EVERY = 15.0  # seconds between mail passes of a long-running worker


def run_mail(
    make_session: sessionmaker[Session], settings: MailSettings, owner: str, now: datetime
) -> None:
    """Queue the digests that are due, then send one batch of the outbox."""
    with make_session() as session:
        queue_digests(session, now, budget_per_day=settings.budget_per_day,
                      digest_after=settings.digest_after, base_url=settings.base_url)
        send_outbox(session, settings.smtp, now, owner)


def register() -> None:
    # Last: who is told reads the state every other projection has written.
    registry.add_projection("notifications", notify.notify_for_event, order=90)
    registry.add_batch_job(registry.BatchJob(
        "mail", settings=MailSettings.from_env, run=run_mail, every=MAIL_EVERY))
