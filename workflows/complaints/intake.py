"""What the complaint's tasks compute from the database when they complete (task-input
hooks, recorded in the event so replay needs no database):

- 受理审核: the unit named to correct must be a department or a town where somebody
  holds the clerk role (the correction lane); a village, an unknown id or a unit with
  nobody to act is refused on the field, so no case is left stuck with nobody able to act
  (issue 18, item 1);
- each step's remarks stay its own: the form's `comment` is recorded as the step's own
  field (`intake_comment`, `extension_comment`, `visit_comment`), so a later step no longer
  overwrites an earlier step's remarks (issue 18, item 3).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, OrgKind, OrgUnit, RoleAssignment, User, utcnow
from workflows.kernel import access
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.ids import ComplaintTask
from workflows.kernel.registry import command_now
from workflows.kernel.state import CaseState

# The form field each step's remarks are recorded as.
OWN_REMARKS: dict[str, str] = {
    ComplaintTask.INTAKE: "intake_comment",
    ComplaintTask.REVIEW_EXTENSION: "extension_comment",
    ComplaintTask.RETURN_VISIT: "visit_comment",
}
CORRECTING_KINDS = (OrgKind.DEPARTMENT.value, OrgKind.TOWN.value)
CORRECTING_ROLE = access.CLERK
NOT_A_CORRECTING_UNIT = "choose a department or a town from the list"
NOBODY_TO_ACT = ("nobody in this unit holds the clerk role: choose another unit or ask an "
                 "administrator")


def own_remarks(task_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with the step's `comment` recorded under the step's own name."""
    name = OWN_REMARKS.get(task_id)
    if name is None or "comment" not in data:
        return data
    out = {k: v for k, v in data.items() if k != "comment"}
    out[name] = data["comment"]
    return out


def correcting_unit_ids(session: Session) -> set[int]:
    """Active departments and towns where an active person holds the clerk role there or
    above (the correction lane's scope)."""
    today = WorkCalendar.local_date(command_now() or utcnow())
    holders = {path for (path,) in session.execute(
        select(OrgUnit.path).join(RoleAssignment, RoleAssignment.org_unit_id == OrgUnit.id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role.in_(access.lane_roles(CORRECTING_ROLE)),
               User.active.is_(True)))}
    units = session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(CORRECTING_KINDS)))
    return {u.id for u in units
            if u.active_on(today) and any(u.path.startswith(p) for p in holders)}


def check_responsible_unit(session: Session, unit_id: Any) -> None:
    """Refuse, on the field, a unit that cannot correct: not a department or town, or
    nobody there to act."""
    unit = session.get(OrgUnit, unit_id) if isinstance(unit_id, int) else None
    if unit is None or unit.kind not in CORRECTING_KINDS:
        raise ValidationFailedError({"responsible_unit_id": [NOT_A_CORRECTING_UNIT]})
    if unit.id not in correcting_unit_ids(session):
        raise ValidationFailedError({"responsible_unit_id": [NOBODY_TO_ACT]})


def intake_inputs(session: Session, case: Case, state: CaseState,
                  data: dict[str, Any]) -> dict[str, Any]:
    if data.get("intake_decision") == "accept":
        check_responsible_unit(session, data.get("responsible_unit_id"))
    return own_remarks(ComplaintTask.INTAKE, data)


def extension_inputs(session: Session, case: Case, state: CaseState,
                     data: dict[str, Any]) -> dict[str, Any]:
    return own_remarks(ComplaintTask.REVIEW_EXTENSION, data)


def visit_inputs(session: Session, case: Case, state: CaseState,
                 data: dict[str, Any]) -> dict[str, Any]:
    return own_remarks(ComplaintTask.RETURN_VISIT, data)


HOOKS = {
    ComplaintTask.INTAKE: intake_inputs,
    ComplaintTask.REVIEW_EXTENSION: extension_inputs,
    ComplaintTask.RETURN_VISIT: visit_inputs,
}
