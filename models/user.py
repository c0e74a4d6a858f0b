"""Users and their role assignments (role x org unit). Passwords are argon2 hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Set by an administrator's password reset: the person chooses a new one at next login.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Locked by an administrator until unlocked (failed logins lock with `locked_until`).
    admin_locked: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Bumped by a logout: every session of the user that carries an older value ends, so a
    # copied cookie dies with the logout (issue 17), not 12 hours later.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )


class RoleAssignment(Base):
    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role", "org_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)

    user: Mapped[User] = relationship(back_populates="roles")
