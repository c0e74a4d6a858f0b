"""E-mail digests of notifications: `queue_digests` turns pending notifications into at
most `budget_per_day` digest mails per person per local (Asia/Shanghai) day, in Chinese;
`outbox.send_outbox` sends them. Split from `workflows.notifications.notify` (who is told).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import Case, Notification, OutboxMail, OutboxState, User
from models.db import begin_write
from workflows.kernel.calendar import CHINA_TZ
from workflows.notifications.notify import COMPLAINT
from workflows.notifications.outbox import BUDGET_PER_DAY, DEFAULT_BASE_URL, DIGEST_AFTER

# ------------------------------------------------------------------ e-mail digests

MAIL_TEXTS = {
    "task_available": "新的待办任务可以领取：{task}",
    "task_returned": "已退回修改：{task}。原因：{reason}",
    "inspection_scheduled": "已批准的检查将到本村：{start} 至 {end}",
    "meeting_scheduled": "本村需参加会议{date}，详见合并会议安排",
    # workflows.inspections.join_notices
    "inspection_joined": "{name}（{people}人）加入本部门的检查“{title}”：{start} 至 {end}",
    "inspection_joined_village": ("{name}（{people}人）随已批准的检查“{title}”到本村："
                                  "{start} 至 {end}"),
    "task_assigned": "有一项任务指派给您：{task}",
    "deadline_warning": "任务即将超过办理时限：{task}",
    "deadline_breach": "{stage}环节已超过办理时限，请督促办理",
    "comment_added": "案件有新的意见",
    "case_closed": "案件已办结（{status}）",
    "catalog_published": "考核事项目录已更新：{code} {name}",  # workflows.catalog.projection
    "app_registered": "本村政务应用和工作群目录新增：{code} {name}",  # workflows.apps
    "app_merged": "{code} {name} 已并入 {target}，请改用后者",  # workflows.apps
    "app_retired": "{code} {name} 已停用，本村不再使用",  # workflows.apps
    "person_deactivated": "{person} 已停用，退回岗位的任务：{tasks}",  # workflows.admin
}
STAGES_ZH = {"intake": "受理", "correction": "整改", "verification": "核查验收",
             "return_visit": "回访"}
STATUSES_ZH = {"closed": "已办结", "published": "已发布", "rejected": "未通过",
               "merged": "已合并"}


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def mail_text(text_key: str, params: dict[str, Any]) -> str:
    """The Chinese line of one notification in a digest."""
    shown = _Params(params)
    if "stage" in params:
        shown["stage"] = STAGES_ZH.get(str(params["stage"]), str(params["stage"]))
    if "status" in params:
        shown["status"] = STATUSES_ZH.get(str(params["status"]), str(params["status"]))
    return MAIL_TEXTS.get(text_key, text_key).format_map(shown)


def local_day(moment: datetime) -> tuple[datetime, datetime]:
    """The local (Asia/Shanghai) day holding `moment`, as [start, end) in UTC."""
    local = moment.astimezone(CHINA_TZ)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)  # no daylight saving time in China


def _case_label(case_id: int | None, case_type: str | None, title: str | None) -> str:
    if case_id is None:
        return ""
    if case_type == COMPLAINT:
        return f"投诉 #{case_id}"
    return f"《{title}》（#{case_id}）" if title else f"案件 #{case_id}"


def digest(user: User, rows: Sequence[tuple[Notification, str | None, str | None]],
           base_url: str, budget: int) -> tuple[str, str]:
    """(subject, body) of one digest mail, in Chinese."""
    base = base_url.rstrip("/")
    lines = [f"{user.display_name}，您好：", "",
             f"您在减负平台有 {len(rows)} 条新通知：", ""]
    for i, (n, case_type, title) in enumerate(rows, 1):
        when = n.created_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        label = _case_label(n.case_id, case_type, title)
        lines.append(f"{i}. [{when}] {mail_text(n.text_key, n.params or {})}"
                     + (f" — {label}" if label else ""))
        if n.case_id is not None:
            lines.append(f"   {base}/cases/{n.case_id}")
    lines += ["", f"查看全部通知：{base}/notifications", "",
              f"本邮件由系统自动发送，请勿回复。为免打扰，每人每天最多收到 {budget} 封通知摘要。"]
    return f"【减负】您有 {len(rows)} 条新通知", "\n".join(lines) + "\n"


def queue_digests(
    session: Session,
    now: datetime,
    *,
    budget_per_day: int = BUDGET_PER_DAY,
    digest_after: timedelta = DIGEST_AFTER,
    base_url: str = DEFAULT_BASE_URL,
) -> int:
    """Queue one digest mail per person whose oldest pending notification is older than
    `digest_after`, unless they already had `budget_per_day` mails this local day (then the
    notifications wait for tomorrow's first digest). A notification is pending while it is
    neither e-mailed nor read in the app. People without an e-mail address are skipped.
    One transaction per person; returns the number of mails queued."""
    session.rollback()
    due = list(
        session.execute(
            select(Notification.user_id)
            .join(User, User.id == Notification.user_id)
            .where(
                Notification.emailed_at.is_(None),
                Notification.read_at.is_(None),
                User.active.is_(True),
                User.email.is_not(None),
                User.email != "",
            )
            .group_by(Notification.user_id)
            .having(func.min(Notification.created_at) <= now - digest_after)
            .order_by(Notification.user_id)
        ).scalars()
    )
    session.rollback()
    start, end = local_day(now)
    queued = 0
    for user_id in due:
        begin_write(session)
        sent_today = session.scalar(
            select(func.count())
            .select_from(OutboxMail)
            .where(OutboxMail.user_id == user_id, OutboxMail.created_at >= start,
                   OutboxMail.created_at < end)
        )
        user = session.get(User, user_id, populate_existing=True)
        if (sent_today or 0) >= budget_per_day or user is None or not user.email:
            session.rollback()
            continue
        rows = [
            (n, case_type, title)
            for n, case_type, title in session.execute(
                select(Notification, Case.case_type, Case.title)
                .outerjoin(Case, Case.id == Notification.case_id)
                .where(Notification.user_id == user_id, Notification.emailed_at.is_(None),
                       Notification.read_at.is_(None))
                .order_by(Notification.created_at, Notification.id)
            )
        ]
        if not rows:
            session.rollback()
            continue
        ids = [n.id for n, _, _ in rows]
        marked = session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
            .values(emailed_at=now)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != len(ids):  # type: ignore[attr-defined]
            session.rollback()  # another worker mailed some of them first
            continue
        subject, body = digest(user, rows, base_url, budget_per_day)
        session.add(OutboxMail(user_id=user_id, to_address=user.email, subject=subject,
                               body=body, created_at=now, state=OutboxState.PENDING,
                               attempts=0))
        session.commit()
        queued += 1
    return queued
