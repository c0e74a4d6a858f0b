"""Who is told that a request joined an overlapping inspection (issue 19, item 3): a projection
written in the command's transaction, like the other features' notices (the catalog's).

- the clerks and the head of the host department ("inspection_joined": which department
  joins, with how many people, on which inspection and dates);
- the cadres of each village both requests share ("inspection_joined_village", kind
  `village_schedule` like the other notices of the village's calendar: the budgeted digest
  counts it with them).

Only dates, names and counts: no one's words."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, Notification, RoleAssignment, User
from workflows.kernel import access
from workflows.kernel.ids import InspectionTask, ProcessId
from workflows.kernel.state import TASK_COMPLETED, CaseState, EventDraft

PROCESS = str(ProcessId.INSPECTION_REQUEST)
HOST_KEY = "inspection_joined"
VILLAGE_KEY = "inspection_joined_village"
VILLAGE_KIND = "village_schedule"  # workflows.notifications.notify.VILLAGE_SCHEDULE
HOST_ROLES = (access.CLERK, access.UNIT_HEAD)


def _holders(session: Session, roles: tuple[str, ...], unit_id: Any) -> set[int]:
    if not isinstance(unit_id, int):
        return set()
    return set(session.scalars(
        select(RoleAssignment.user_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role.in_(roles), RoleAssignment.org_unit_id == unit_id,
               User.active.is_(True))))


def project(session: Session, case: Case, draft: EventDraft, old: CaseState | None,
            new: CaseState) -> None:
    if (case.case_type != PROCESS or draft.type != TASK_COMPLETED
            or draft.task_id != InspectionTask.RESOLVE_OVERLAP or new.status != "merged"):
        return
    join = new.data.get("join")
    if not isinstance(join, dict):
        return
    params = {"name": str(join.get("by_unit_name") or ""), "title": str(join.get("title")),
              "start": str(join.get("window_start")), "end": str(join.get("window_end")),
              "people": str(join.get("people")), "case": str(join.get("case_id"))}
    rows: list[Notification] = []
    for uid in sorted(_holders(session, HOST_ROLES, join.get("unit_id"))):
        rows.append(Notification(user_id=uid, case_id=int(join["case_id"]), kind=HOST_KEY,
                                 text_key=HOST_KEY, params=params, created_at=draft.at))
    cadres: set[int] = set()
    for village in join.get("villages") or []:
        cadres |= _holders(session, (access.VILLAGE_CADRE,), village.get("unit_id"))
    for uid in sorted(cadres):
        rows.append(Notification(user_id=uid, case_id=int(join["case_id"]), kind=VILLAGE_KIND,
                                 text_key=VILLAGE_KEY, params=params, created_at=draft.at))
    session.add_all(r for r in rows if r.user_id != draft.actor_id)
    session.flush()
