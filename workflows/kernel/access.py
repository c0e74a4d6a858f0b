"""Who may do what: one role x scope check used by every use case.

A role held at org unit U covers objects scoped to U or anything below it. Objects the
actor cannot see at all are reported as missing (404), never as forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgUnit, RoleAssignment, User
from workflows.kernel.errors import NotFoundError

# Roles (BPMN lanes are roles).
CLERK = "clerk"
UNIT_HEAD = "unit_head"
BURDEN_OFFICE = "burden_office"
SUPERVISOR = "supervisor"
OFFICE_APPROVER = "office_approver"
TOWN_OFFICIAL = "town_official"
VILLAGE_CADRE = "village_cadre"
AUDITOR = "auditor"
ADMIN = "admin"
SYSTEM = "system"

ALL_ROLES = (
    CLERK,
    UNIT_HEAD,
    BURDEN_OFFICE,
    SUPERVISOR,
    OFFICE_APPROVER,
    TOWN_OFFICIAL,
    VILLAGE_CADRE,
    AUDITOR,
    ADMIN,
)
# Roles that read every case in their scope without holding a task role there.
READ_ALL_ROLES = frozenset({AUDITOR, SUPERVISOR, ADMIN, BURDEN_OFFICE})
# Roles that read cases and never write to them (no comments, no files).
READ_ONLY_ROLES = frozenset({AUDITOR, ADMIN})

# Lanes that are not grantable roles themselves (so not in ALL_ROLES).
# The complainant acts only through the receipt code, never through a staff grant.
COMPLAINANT = "complainant"
# 核查验收: done by 区委农办 or 区委督查办 (docs/complaints.md).
VERIFIER = "verifier"
# The joint sign-off of assessment items: office approvers of 区委办公室 and of 区政府办公室
# (two lanes, so that lane_scopes gives each its own office).
PARTY_OFFICE = "party_office"
GOVERNMENT_OFFICE = "government_office"
# A lane acted on by any of several roles; a lane missing here is the role of that name.
LANE_ROLES: dict[str, frozenset[str]] = {
    VERIFIER: frozenset({BURDEN_OFFICE, SUPERVISOR}),
    PARTY_OFFICE: frozenset({OFFICE_APPROVER}),
    GOVERNMENT_OFFICE: frozenset({OFFICE_APPROVER}),
}


def lane_roles(lane: str) -> frozenset[str]:
    """The roles that may act in `lane` (a plain role is its own lane)."""
    return LANE_ROLES.get(lane, frozenset({lane}))


@dataclass(frozen=True)
class Actor:
    """The person (or the system worker) a command runs for."""

    user_id: int | None
    username: str
    # (role, org unit id, org unit path)
    roles: tuple[tuple[str, int, str], ...] = field(default_factory=tuple)

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    def holds(self, role: str, scope_path: str | None) -> bool:
        """True when the actor has `role` (or, for a lane in LANE_ROLES, one of the roles
        that lane maps to) at the scope or above it."""
        if self.is_system:
            return True
        accepted = lane_roles(role)
        return any(
            r in accepted and scope_path is not None and scope_path.startswith(p)
            for r, _, p in self.roles
        )

    def covers(self, scope_path: str | None) -> bool:
        """True when any role of the actor reaches the scope."""
        if self.is_system:
            return True
        return scope_path is not None and any(scope_path.startswith(p) for _, _, p in self.roles)

    def reads_all(self, scope_path: str | None) -> bool:
        return self.is_system or any(
            r in READ_ALL_ROLES and scope_path is not None and scope_path.startswith(p)
            for r, _, p in self.roles
        )

    def writer(self) -> Actor:
        """The actor without its read-only roles (what it may write through)."""
        if self.is_system:
            return self
        kept = tuple(r for r in self.roles if r[0] not in READ_ONLY_ROLES)
        return Actor(self.user_id, self.username, kept)

    def role_names(self) -> set[str]:
        return {r for r, _, _ in self.roles}


SYSTEM_ACTOR = Actor(user_id=None, username="system")

# Who reads the audit pages (history, time travel, certificates, verifications).
AUDIT_ROLES = frozenset({AUDITOR, SUPERVISOR})


def require_auditor(actor: Actor) -> None:
    """Only auditors and the supervision office read audit pages (others get 404)."""
    if actor.is_system or not (actor.role_names() & AUDIT_ROLES):
        raise NotFoundError("no such page")


def load_actor(session: Session, user_id: int) -> Actor:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise LookupError(f"no active user {user_id}")
    grants = session.execute(
        select(RoleAssignment.role, RoleAssignment.org_unit_id, OrgUnit.path)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.user_id == user.id)
    )
    return Actor(user.id, user.username, tuple(sorted((r, u, p) for r, u, p in grants)))


def org_paths(session: Session) -> dict[int, str]:
    return {uid: path for uid, path in session.execute(select(OrgUnit.id, OrgUnit.path))}


def unit_path(session: Session, unit_id: int | None) -> str | None:
    """Path of one org unit (through the session's identity map: no table scan)."""
    if unit_id is None:
        return None
    unit = session.get(OrgUnit, unit_id)
    return unit.path if unit is not None else None
