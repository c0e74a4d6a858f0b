"""What a person's account and roles must look like (docs/administration.md, "People and
roles"): the username pattern, names and e-mail addresses, which roles people may hold and at
which kind of unit, and who may act on people (administrators; the CLI as the system).

Every refusal is a `ValidationFailedError` naming the field at fault; its English messages
are translated by the web pages (webapp/admin/people.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import OrgKind, OrgUnit, RoleAssignment, User
from workflows.admin.record import require_admin
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError, ValidationFailedError

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,79}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 120
MAX_EMAIL = 200

_DEPT, _TOWN = OrgKind.DEPARTMENT.value, OrgKind.TOWN.value
_DISTRICT, _VILLAGE = OrgKind.DISTRICT.value, OrgKind.VILLAGE.value
# The roles people may hold, and the kinds of unit each is granted at (as the demo grants
# them, workflows/demo/loader.py): system, complainant and the lanes are never granted.
ROLE_KINDS: dict[str, frozenset[str]] = {
    access.CLERK: frozenset({_DEPT, _TOWN}),
    access.UNIT_HEAD: frozenset({_DEPT, _TOWN}),
    access.BURDEN_OFFICE: frozenset({_DEPT}),
    access.SUPERVISOR: frozenset({_DISTRICT, _DEPT}),
    access.OFFICE_APPROVER: frozenset({_DEPT}),
    access.TOWN_OFFICIAL: frozenset({_TOWN}),
    access.VILLAGE_CADRE: frozenset({_VILLAGE}),
    access.AUDITOR: frozenset({_DISTRICT}),
    access.ADMIN: frozenset({_DISTRICT}),
}
GRANTABLE = tuple(r for r in access.ALL_ROLES if r in ROLE_KINDS)

# The messages below are matched by the web pages' translations: keep them in step.
MSG_USERNAME = ("2 to 80 characters: lowercase letters, digits, '_', '.' or '-', "
                "starting with a letter or digit")
MSG_TAKEN = "this username is taken"
MSG_NAME = "a name of 1 to 120 characters is required"
MSG_EMAIL = "not a valid e-mail address"
MSG_ROLE = "not a role people can hold"
MSG_UNIT = "no such unit"
MSG_UNIT_INACTIVE = "this unit is no longer in force"
MSG_KIND = "this role is not held at this kind of unit"
MSG_HELD = "this person already holds this role at this unit"
MSG_NOT_HELD = "this person does not hold this role at this unit"
MSG_LAST_ADMIN = "the last administrator cannot lose the role"
MSG_SELF = "administrators cannot deactivate or lock themselves"
MSG_ROLE_SPEC = "write a role as role@unitcode"
MSG_NO_PERSON = "no such person"
ALREADY = {
    ("active", False): "this person is already deactivated",
    ("active", True): "this person is already active",
    ("admin_locked", True): "this account is already locked",
    ("admin_locked", False): "this account is not locked",
}


def require_people_admin(actor: Actor) -> None:
    """Administrators, and the system (the `jianfu` command); everyone else gets 404."""
    if not actor.is_system:
        require_admin(actor)


def check_all(*checks: Callable[[], object]) -> None:
    """Run every check and report all the fields at fault together."""
    fields: dict[str, list[str]] = {}
    for check in checks:
        try:
            check()
        except ValidationFailedError as err:
            for name, messages in err.fields.items():
                fields.setdefault(name, []).extend(messages)
    if fields:
        raise ValidationFailedError(fields)


def check_username(session: Session, username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise ValidationFailedError({"username": [MSG_USERNAME]})
    if session.scalar(select(User.id).where(func.lower(User.username) == name)) is not None:
        raise ValidationFailedError({"username": [MSG_TAKEN]})
    return name


def check_name(display_name: str) -> str:
    name = " ".join(display_name.split())
    if not name or len(name) > MAX_NAME:
        raise ValidationFailedError({"display_name": [MSG_NAME]})
    return name


def check_email(email: str | None) -> str | None:
    value = (email or "").strip()
    if not value:
        return None
    if len(value) > MAX_EMAIL or not EMAIL.match(value):
        raise ValidationFailedError({"email": [MSG_EMAIL]})
    return value


def check_grant(session: Session, role: str, unit: OrgUnit | None, today: date) -> OrgUnit:
    """The unit, when `role` may be held there (else the error names role or unit)."""
    if role not in ROLE_KINDS:
        raise ValidationFailedError({"role": [MSG_ROLE]})
    if unit is None:
        raise ValidationFailedError({"unit": [MSG_UNIT]})
    if not unit.active_on(today):
        raise ValidationFailedError({"unit": [MSG_UNIT_INACTIVE]})
    if unit.kind not in ROLE_KINDS[role]:
        raise ValidationFailedError({"unit": [MSG_KIND]})
    return unit


def parse_role(session: Session, spec: str, today: date) -> tuple[str, OrgUnit]:
    """"clerk@qmzj" -> (role, unit), checked."""
    role, sep, code = spec.strip().partition("@")
    if not sep or not role.strip() or not code.strip():
        raise ValidationFailedError({"roles": [MSG_ROLE_SPEC]})
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code.strip()))
    return role.strip(), check_grant(session, role.strip(), unit, today)


def person(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise NotFoundError(MSG_NO_PERSON)
    return user


def other_admins(session: Session, user_id: int) -> int:
    """Active, unlocked people other than `user_id` who hold the administrator role."""
    return int(session.scalar(
        select(func.count(func.distinct(User.id))).join(
            RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == access.ADMIN, User.id != user_id,
               User.active.is_(True), User.admin_locked.is_(False))) or 0)


def holds_admin(user: User) -> bool:
    return any(r.role == access.ADMIN for r in user.roles)


def check_not_self_or_last(session: Session, actor: Actor, user: User, field: str) -> None:
    """Refuse to deactivate or lock oneself, or the last administrator."""
    if actor.user_id == user.id:
        raise ValidationFailedError({field: [MSG_SELF]})
    if holds_admin(user) and other_admins(session, user.id) == 0:
        raise ValidationFailedError({field: [MSG_LAST_ADMIN]})


def role_text(role: str, unit_code: str) -> str:
    """How the record names a grant: "role@unitcode"."""
    return f"{role}@{unit_code}"


def roles_of(session: Session, user_id: int) -> list[str]:
    rows = session.execute(
        select(RoleAssignment.role, OrgUnit.code)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.user_id == user_id))
    return sorted(role_text(r, c) for r, c in rows)
