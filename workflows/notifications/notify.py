"""Notifications: who hears about what, in the app and in a daily-budgeted e-mail digest.

`notify_for_event` runs inside the command cycle (`commands.run_command`), after the
projections are written and in the same transaction as the event, so a notification exists
exactly when its event does. Notifications are a projection, not history: they are not part
of the hashed event and replay never produces them. They hold a text key and parameters
(task names, stages, statuses: never complainant data), translated when shown.

Who is told (nobody is told of their own action, only active users):
- a task becomes open -> every holder of its lane's role at or above the task's unit
  ("task_available"; "task_returned" with the stage and the reason when the same event sent
  the case back, i.e. appended to data["returns"]: a head's, check's, town's or approver's
  reason written by staff, never a complainant's words);
- a task is reassigned -> the colleague it now belongs to ("task_assigned");
- a complaint stage's warning is recorded (data["deadline_events"], kind "warning") or a
  report form's review reminder (data["reminder_sent_at"]) -> the task's assignees
  ("deadline_warning");
- a breach reminder is recorded (data["reminders"] grew) -> the unit heads of the unit it
  names ("deadline_breach");
- a comment -> the assignees of the case's open tasks ("comment");
- the case reaches a final status -> the staff member who started it ("case_closed");
- an inspection is approved (status "scheduled") or a meeting request joins the combined
  sessions or is approved as an urgent meeting ("queued", "urgent_approved") -> the cadres
  of each of its villages ("inspection_scheduled" with the window, "meeting_scheduled"
  with the urgent date if any): dates and the case, no one's words.
The assignees of an open task are its claimant, or its whole group while nobody claimed it.

`notification_mail.queue_digests` turns pending notifications into daily-budgeted digest
mails; `outbox.send_outbox` sends them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, aliased

from models import (
    Case,
    Notification,
    OrgUnit,
    RoleAssignment,
    User,
    utcnow,
)
from models.db import begin_write
from workflows.kernel import access
from workflows.kernel.history import canonical
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import (
    COMMENT_ADDED,
    TASK_DELEGATED,
    TASK_REASSIGNED,
    CaseState,
    EventDraft,
    TaskView,
)
from workflows.notifications.outbox import (
    MailSettings,
    SmtpSettings,
    send_outbox,
)

__all__ = [
    "MailSettings",
    "SmtpSettings",
    "mark_read",
    "notify_for_event",
    "recent",
    "send_outbox",
    "unread",
    "unread_count",
]

TASK_AVAILABLE = "task_available"
TASK_ASSIGNED = "task_assigned"
DEADLINE_WARNING = "deadline_warning"
DEADLINE_BREACH = "deadline_breach"
COMMENT = "comment"
CASE_CLOSED = "case_closed"
VILLAGE_SCHEDULE = "village_schedule"
KINDS = (TASK_AVAILABLE, TASK_ASSIGNED, DEADLINE_WARNING, DEADLINE_BREACH, COMMENT, CASE_CLOSED,
         VILLAGE_SCHEDULE)
# Statuses that put a request on its villages' calendars (inspections, meetings).
VILLAGE_STATUSES = {"scheduled": "inspection_scheduled", "queued": "meeting_scheduled",
                    "urgent_approved": "meeting_scheduled"}

FINAL_STATUSES = frozenset({"closed", "published", "rejected", "merged"})
COMPLAINT = str(ProcessId.BURDEN_COMPLAINT)

# ------------------------------------------------------------------ who is told


# Built once, run with bind parameters: building the query cost more than running it.
_HELD, _TASK_UNIT = aliased(OrgUnit, name="held_unit"), aliased(OrgUnit, name="task_unit")
_GROUP_Q = (
    select(RoleAssignment.user_id)
    .join(User, User.id == RoleAssignment.user_id)
    .join(_HELD, _HELD.id == RoleAssignment.org_unit_id)
    .join(_TASK_UNIT, _TASK_UNIT.id == bindparam("unit_id"))
    .where(
        RoleAssignment.role.in_(bindparam("roles", expanding=True)),
        _TASK_UNIT.path.startswith(_HELD.path, autoescape=False),
        User.active.is_(True),
    )
)
_USERS = User.__table__
_ACTIVE_Q = select(_USERS.c.active).where(_USERS.c.id == bindparam("id"))


def group_members(session: Session, role: str, unit_id: int | None) -> set[int]:
    """Active users who may take a task of lane `role` scoped to `unit_id`: holders of one
    of the lane's roles at that unit or above it (one query, as the inbox decides)."""
    if unit_id is None:
        return set()
    return set(
        session.scalars(_GROUP_Q, {"unit_id": unit_id, "roles": sorted(access.lane_roles(role))})
    )


def unit_heads(session: Session, unit_id: Any) -> set[int]:
    """Active unit heads of exactly that unit."""
    if not isinstance(unit_id, int):
        return set()
    return set(
        session.scalars(
            select(RoleAssignment.user_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(
                RoleAssignment.role == access.UNIT_HEAD,
                RoleAssignment.org_unit_id == unit_id,
                User.active.is_(True),
            )
        )
    )


def village_cadres(session: Session, unit_id: Any) -> set[int]:
    """Active village cadres of exactly that village."""
    if not isinstance(unit_id, int):
        return set()
    return set(session.scalars(
        select(RoleAssignment.user_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role == access.VILLAGE_CADRE,
               RoleAssignment.org_unit_id == unit_id, User.active.is_(True))))


def _schedule_params(data: dict[str, Any]) -> dict[str, Any]:
    return {"start": str(data.get("window_start") or ""),
            "end": str(data.get("window_end") or ""),
            "date": str(data.get("urgent_date") or "") if data.get("urgent") else ""}


def _assignees(session: Session, task: TaskView) -> set[int]:
    if task.claimant_id is not None:
        return {task.claimant_id}
    return group_members(session, task.role, task.scope_org_unit_id)


def _open(state: CaseState) -> list[TaskView]:
    return [t for t in state.tasks.values() if t.state == "open"]


def _grown(old: CaseState | None, new: CaseState, key: str) -> list[dict[str, Any]]:
    """Entries appended to the list data[key] by this event."""
    before = (old.data.get(key) if old else None) or []
    after = new.data.get(key) or []
    if not isinstance(before, list) or not isinstance(after, list) or len(after) <= len(before):
        return []
    return [e for e in after[len(before):] if isinstance(e, dict)]


def _task_params(task: TaskView) -> dict[str, Any]:
    return {"task": task.name, "task_id": task.task_id}


REASON_CHARS = 200  # a return's reason in a notification (the case page has it whole)


def _returned_params(task: TaskView, back: dict[str, Any]) -> dict[str, Any]:
    reason = str(back.get("reason") or "")
    if len(reason) > REASON_CHARS:
        reason = reason[:REASON_CHARS - 1] + "…"
    return {**_task_params(task), "stage": str(back.get("stage") or ""), "reason": reason}


def notify_for_event(
    session: Session,
    case: Case,
    draft: EventDraft,
    old: CaseState | None,
    new: CaseState,
) -> list[Notification]:
    """Add the in-app notifications this event causes (flushed, not committed)."""
    wanted: dict[tuple[int, str, str], tuple[str, dict[str, Any]]] = {}

    def tell(users: Iterable[int], kind: str, params: dict[str, Any], key: str = "") -> None:
        for uid in users:
            if uid != draft.actor_id:
                wanted.setdefault((uid, kind, canonical(params)), (key or kind, params))

    old_tasks = old.tasks if old else {}
    returned = _grown(old, new, "returns")
    for uuid, task in sorted(new.tasks.items()):
        before = old_tasks.get(uuid)
        if task.state == "open" and (before is None or before.state != "open"):
            if returned:
                tell(group_members(session, task.role, task.scope_org_unit_id),
                     TASK_AVAILABLE, _returned_params(task, returned[-1]), "task_returned")
            else:
                tell(group_members(session, task.role, task.scope_org_unit_id),
                     TASK_AVAILABLE, _task_params(task))
    if draft.type in (TASK_REASSIGNED, TASK_DELEGATED):
        target, task_now = draft.inputs.get("user_id"), new.tasks.get(draft.task_uuid or "")
        if isinstance(target, int) and task_now is not None and _active(session, target):
            tell([target], TASK_ASSIGNED, _task_params(task_now))
    for reminder in _grown(old, new, "reminders"):
        tell(unit_heads(session, reminder.get("unit_id")), DEADLINE_BREACH,
             {"stage": str(reminder.get("stage", ""))})
    warned = [e for e in _grown(old, new, "deadline_events") if e.get("kind") == "warning"]
    for event in warned:
        for task in _open(new):
            if task.task_id == event.get("stage"):
                tell(_assignees(session, task), DEADLINE_WARNING, _task_params(task))
    reminded = new.data.get("reminder_sent_at")
    if reminded and reminded != (old.data.get("reminder_sent_at") if old else None):
        for task in _open(new):
            tell(_assignees(session, task), DEADLINE_WARNING, _task_params(task))
    if draft.type == COMMENT_ADDED:
        users: set[int] = set()
        for task in _open(new):
            users |= _assignees(session, task)
        tell(users, COMMENT, {}, "comment_added")
    key = VILLAGE_STATUSES.get(new.status)
    if key is not None and (old is None or old.status != new.status):
        params = _schedule_params(new.data)
        for village in new.data.get("villages") or []:
            if isinstance(village, dict):
                tell(village_cadres(session, village.get("unit_id")), VILLAGE_SCHEDULE,
                     params, key)
    finished = new.status in FINAL_STATUSES and (old is None or old.status != new.status)
    if finished and case.created_by is not None and _active(session, case.created_by):
        tell([case.created_by], CASE_CLOSED, {"status": new.status})
    rows = [
        Notification(user_id=uid, case_id=case.id, kind=kind, text_key=key, params=params,
                     created_at=draft.at)
        for (uid, kind, _), (key, params) in sorted(wanted.items())
    ]
    session.add_all(rows)
    if rows:
        session.flush()
    return rows


def _active(session: Session, user_id: int) -> bool:
    return bool(session.connection().execute(_ACTIVE_Q, {"id": user_id}).scalar())


# ------------------------------------------------------------------ in-app reading


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    text_key: str
    params: dict[str, Any]
    case_id: int | None
    # None for complaints: their titles are the complainant's words, never repeated here.
    case_title: str | None
    created_at: datetime
    read_at: datetime | None


def unread(session: Session, user_id: int, limit: int = 100) -> list[Notification]:
    """The user's unread notifications, newest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def _title(case_type: str | None, title: str | None) -> str | None:
    return None if case_type == COMPLAINT else (title or "")


def recent(session: Session, user_id: int, limit: int = 100) -> list[NotificationView]:
    """The user's latest notifications (read or not) with their case titles, newest first."""
    rows = session.execute(
        select(Notification, Case.case_type, Case.title)
        .outerjoin(Case, Case.id == Notification.case_id)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return [
        NotificationView(n.id, n.kind, n.text_key, dict(n.params or {}), n.case_id,
                         _title(case_type, title), n.created_at, n.read_at)
        for n, case_type, title in rows
    ]


def mark_read(
    session: Session, user_id: int, ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Mark the user's notifications `ids` (all unread ones when None) read; commits."""
    begin_write(session)
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    result = session.execute(
        query.values(read_at=now or utcnow()).execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
