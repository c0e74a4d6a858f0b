"""People and roles (issue 20): accounts, roles at units, password resets, locks.

Each change and its `admin_action` event commit together (`workflows.admin.record`); the
event names the person (`{"user": username}`) and the fields before and after, roles as
"role@unitcode", never a password or its hash. Administrators act from the pages, the
`jianfu` command as the system actor. Reads: `workflows.admin.people_read`; file imports:
`workflows.admin.people_import`; the rules: `workflows.admin.people_rules`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgUnit, RoleAssignment, User, utcnow
from workflows.admin import people_rules as rules
from workflows.admin import people_tasks
from workflows.admin.people_tasks import HeldTask
from workflows.admin.record import record
from workflows.kernel import accounts
from workflows.kernel.access import ADMIN, Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ValidationFailedError

# One-time passwords: no 0/O, 1/l/I, easy to read out over the phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ONE_TIME_LENGTH = 14


def one_time_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(ONE_TIME_LENGTH))


@dataclass(frozen=True)
class Added:
    user_id: int
    username: str
    # Shown once: the person logs in with it and must choose their own.
    password: str


def _at(now: datetime | None) -> datetime:
    return now or utcnow()


def add_person(session: Session, actor: Actor, username: str, display_name: str, *,
               email: str | None = None, roles: tuple[str, ...] = (),
               password: str | None = None, now: datetime | None = None) -> Added:
    """A new active account with `roles` ("role@unitcode"). Without `password` it gets a
    one-time password and must choose a new one at first login."""
    rules.require_people_admin(actor)
    at = _at(now)
    name = username.strip().lower()
    today = WorkCalendar.local_date(at)
    rules.check_all(lambda: rules.check_username(session, name),
                    lambda: rules.check_name(display_name), lambda: rules.check_email(email),
                    *[(lambda spec=spec: rules.parse_role(session, spec, today))
                      for spec in roles])
    after: dict[str, Any] = {}
    secret = password if password is not None else one_time_password()
    pw_hash = accounts.hash_password(secret)
    made: list[int] = []

    def change(s: Session) -> None:
        checked = rules.check_username(s, name)
        shown, mail = rules.check_name(display_name), rules.check_email(email)
        grants = [rules.parse_role(s, spec, today) for spec in roles]
        user = accounts.create_user(s, checked, shown, "", email=mail, password_hash=pw_hash)
        user.must_change_password = password is None
        for role, unit in dict.fromkeys(grants):
            s.add(RoleAssignment(user_id=user.id, role=role, org_unit_id=unit.id))
        s.flush()
        made.append(user.id)
        after.update(username=checked, display_name=shown, email=mail, active=True,
                     roles=sorted({rules.role_text(r, u.code) for r, u in grants}))

    record(session, actor, "user.add", {"user": name}, after=after, change=change, now=at)
    return Added(made[0], name, secret)


def edit_person(session: Session, actor: Actor, user_id: int, *, display_name: str,
                email: str | None, now: datetime | None = None) -> bool:
    """Change the name shown and the e-mail address; False when nothing changed."""
    rules.require_people_admin(actor)
    user = rules.person(session, user_id)
    rules.check_all(lambda: rules.check_name(display_name), lambda: rules.check_email(email))
    shown, mail = rules.check_name(display_name), rules.check_email(email)
    before = {k: v for k, v in (("display_name", user.display_name), ("email", user.email))
              if v != {"display_name": shown, "email": mail}[k]}
    if not before:
        session.rollback()
        return False
    after = {k: {"display_name": shown, "email": mail}[k] for k in before}

    def change(s: Session) -> None:
        target = rules.person(s, user_id)
        target.display_name, target.email = shown, mail

    record(session, actor, "user.edit", {"user": user.username}, before=before, after=after,
           change=change, now=now)
    return True


def _flag(session: Session, actor: Actor, user_id: int, action: str, field: str,
          value: bool, now: datetime | None, extra: Any = None) -> None:
    """Set one boolean field of the account, recorded as `action`."""
    rules.require_people_admin(actor)
    user = rules.person(session, user_id)
    stale_lockout = field == "admin_locked" and not value and user.locked_until is not None
    if getattr(user, field) == value and not stale_lockout:
        raise ValidationFailedError({field: [rules.ALREADY[(field, value)]]})
    username = user.username

    def change(s: Session) -> None:
        target = rules.person(s, user_id)
        if (field, value) in (("active", False), ("admin_locked", True)):
            rules.check_not_self_or_last(s, actor, target, field)
        setattr(target, field, value)
        if extra is not None:
            extra(s, target)

    record(session, actor, action, {"user": username}, before={field: not value},
           after={field: value}, change=change, now=now)


def deactivate(session: Session, actor: Actor, user_id: int, *,
               now: datetime | None = None) -> list[HeldTask]:
    """Deactivate the account (it can no longer log in); its claimed tasks go back to their
    groups and the unit heads are told. Returns the tasks released."""
    at = _at(now)
    user = rules.person(session, user_id)
    if not user.active:  # a repeat only finishes giving back what is still held
        session.rollback()
        return people_tasks.release(session, people_tasks.held_tasks(session, user_id), at)
    held = people_tasks.held_tasks(session, user_id)

    def tell(s: Session, target: User) -> None:
        people_tasks.tell_unit_heads(s, target, held, at, actor.user_id)

    _flag(session, actor, user_id, "user.disable", "active", False, at, tell)
    return people_tasks.release(session, people_tasks.held_tasks(session, user_id), at)


def reactivate(session: Session, actor: Actor, user_id: int, *,
               now: datetime | None = None) -> None:
    _flag(session, actor, user_id, "user.enable", "active", True, now)


def lock(session: Session, actor: Actor, user_id: int, *, now: datetime | None = None) -> None:
    """Lock the account until an administrator unlocks it (its sessions end at once)."""
    _flag(session, actor, user_id, "user.lock", "admin_locked", True, now)


def unlock(session: Session, actor: Actor, user_id: int, *, now: datetime | None = None) -> None:
    """Unlock; also lifts a lockout after failed logins."""
    def clear(s: Session, target: User) -> None:
        target.failed_logins, target.locked_until = 0, None

    _flag(session, actor, user_id, "user.unlock", "admin_locked", False, now, clear)


def reset_password(session: Session, actor: Actor, user_id: int, *,
                   now: datetime | None = None) -> str:
    """A new one-time password (returned, shown once); the person must choose their own at
    next login. Their other sessions end (the password changed). Never recorded."""
    rules.require_people_admin(actor)
    user = rules.person(session, user_id)
    secret = one_time_password()
    pw_hash = accounts.hash_password(secret)

    def change(s: Session) -> None:
        target = rules.person(s, user_id)
        target.password_hash, target.must_change_password = pw_hash, True
        target.failed_logins, target.locked_until = 0, None

    record(session, actor, "user.reset_password", {"user": user.username},
           before={}, after={"must_change_password": True}, change=change, now=now)
    return secret


def grant_role(session: Session, actor: Actor, user_id: int, role: str, unit_id: int, *,
               now: datetime | None = None) -> None:
    """Grant `role` at the unit: the person's inbox shows the unit's open tasks at once."""
    rules.require_people_admin(actor)
    at = _at(now)
    user = rules.person(session, user_id)
    unit = rules.check_grant(session, role, session.get(OrgUnit, unit_id),
                             WorkCalendar.local_date(at))
    username, text = user.username, rules.role_text(role, unit.code)
    before: list[str] = []
    after: list[str] = []

    def change(s: Session) -> None:
        if s.scalar(select(RoleAssignment.id).where(
                RoleAssignment.user_id == user_id, RoleAssignment.role == role,
                RoleAssignment.org_unit_id == unit_id)) is not None:
            raise ValidationFailedError({"role": [rules.MSG_HELD]})
        before[:] = rules.roles_of(s, user_id)
        s.add(RoleAssignment(user_id=user_id, role=role, org_unit_id=unit_id))
        after[:] = sorted({*before, text})

    record(session, actor, "role.grant", {"user": username}, before={"roles": before},
           after={"roles": after}, change=change, now=at)


def revoke_role(session: Session, actor: Actor, user_id: int, role: str, unit_id: int, *,
                now: datetime | None = None) -> list[HeldTask]:
    """Revoke one grant: the person can no longer act in it at once; tasks they had
    claimed and no longer hold the role for go back to their groups (returned)."""
    rules.require_people_admin(actor)
    at = _at(now)
    user = rules.person(session, user_id)
    unit = session.get(OrgUnit, unit_id)
    code = unit.code if unit is not None else str(unit_id)
    text, username = rules.role_text(role, code), user.username
    before: list[str] = []
    after: list[str] = []

    def change(s: Session) -> None:
        grant = s.scalar(select(RoleAssignment).where(
            RoleAssignment.user_id == user_id, RoleAssignment.role == role,
            RoleAssignment.org_unit_id == unit_id))
        if grant is None:
            raise ValidationFailedError({"role": [rules.MSG_NOT_HELD]})
        target = rules.person(s, user_id)
        if role == ADMIN and target.active and rules.other_admins(s, user_id) == 0:
            raise ValidationFailedError({"role": [rules.MSG_LAST_ADMIN]})
        before[:] = rules.roles_of(s, user_id)
        s.delete(grant)
        after[:] = [r for r in before if r != text]

    record(session, actor, "role.revoke", {"user": username}, before={"roles": before},
           after={"roles": after}, change=change, now=at)
    if not rules.person(session, user_id).active:
        return []
    return people_tasks.release(session, people_tasks.no_longer_held(session, user_id), at)
