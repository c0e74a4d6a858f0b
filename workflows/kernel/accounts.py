"""Staff accounts: argon2 password hashes, login, role assignments.

A failed login never locks the account (issue 17: anyone could lock a named official out
with five wrong passwords). Guessing is throttled per client and per client and account,
with a per-account guard that slows guessers down, in the web layer
(webapp/core/login_guard.py). `failed_logins` and `locked_until` are no longer written;
an administrator's unlock still clears what older versions left there."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import OrgUnit, RoleAssignment, User
from models.db import begin_write
from workflows.kernel.access import ALL_ROLES
from workflows.kernel.errors import ValidationFailedError

MIN_PASSWORD = 10

_hasher = PasswordHasher()
# Verified against when the user does not exist, so timing does not reveal who exists;
# computed at the first such login, not at import (every command and worker start paid it).
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("not-a-real-password-0")
    return _DUMMY_HASH


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailedError(
            {"password": [f"at least {MIN_PASSWORD} characters are required"]}
        )
    return _hasher.hash(password)


def create_user(
    session: Session,
    username: str,
    display_name: str,
    password: str,
    *,
    email: str | None = None,
    is_demo: bool = False,
    password_hash: str | None = None,
) -> User:
    """Create a staff account; `password_hash` lets bulk loaders reuse one argon2 hash."""
    username = username.strip().lower()
    if not username or len(username) > 80:
        raise ValidationFailedError({"username": ["1 to 80 characters"]})
    if session.scalar(select(User).where(func.lower(User.username) == username)):
        raise ValidationFailedError({"username": ["this username is taken"]})
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        password_hash=password_hash or hash_password(password),
        is_demo=is_demo,
    )
    session.add(user)
    session.flush()
    return user


def assign_role(session: Session, user: User, role: str, org_unit: OrgUnit) -> RoleAssignment:
    if role not in ALL_ROLES:
        raise ValidationFailedError({"role": [f"unknown role {role}"]})
    ra = RoleAssignment(user_id=user.id, role=role, org_unit_id=org_unit.id)
    session.add(ra)
    session.flush()
    session.refresh(user)
    return ra


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user for these credentials, or None; an unknown, deactivated or wrong login
    all look the same to callers (one password check each). Never locks the account."""
    begin_write(session)
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None or not user.active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password)
        session.rollback()
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        session.rollback()
        return None
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.commit()
    return user


def change_password(session: Session, user: User, old: str, new: str) -> None:
    begin_write(session)
    session.refresh(user)
    try:
        _hasher.verify(user.password_hash, old)
    except (VerificationError, InvalidHashError) as err:
        raise ValidationFailedError({"old_password": ["the current password is wrong"]}) from err
    user.password_hash = hash_password(new)
    session.commit()


def end_sessions(session: Session, user: User) -> None:
    """End every session of `user` (a logout): the session epoch moves on, and a session
    cookie made before no longer logs anyone in (webapp/core/auth.py)."""
    session.rollback()
    begin_write(session)
    session.refresh(user)
    user.session_epoch += 1
    session.commit()
