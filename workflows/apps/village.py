"""What a village is demanded (issue 13, items 5 and 6): the legitimate apps and groups of the
villages an actor may see, their weekly check-ins, and who may ask for or flag one.

A village cadre sees their own village, a town official the town's villages, the district
offices (区委农办, 区委督查办) and auditors every village; others none (a 404)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AppStatus, OrgKind, OrgUnit
from workflows.apps import registry
from workflows.apps.approval import OWNER_KINDS
from workflows.kernel import access
from workflows.kernel.access import Actor

DISTRICT_ROLES = frozenset({access.BURDEN_OFFICE, access.SUPERVISOR, access.AUDITOR,
                            access.ADMIN})
VILLAGE_ROLES = frozenset({access.VILLAGE_CADRE, access.TOWN_OFFICIAL})


@dataclass(frozen=True)
class VillageApps:
    village: OrgUnit
    apps: list[registry.AppRow]

    @property
    def checkins_per_week(self) -> int:
        return sum(a.checkins_per_week for a in self.apps)

    @property
    def hours_per_year(self) -> float:
        return round(sum(a.checkin_hours_per_year for a in self.apps), 1)


def visible_villages(session: Session, actor: Actor) -> list[OrgUnit]:
    """The villages whose apps page the actor may open (see the module docstring)."""
    if actor.is_system:
        return []
    villages = list(session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.VILLAGE)
                                    .order_by(OrgUnit.path)))
    if actor.role_names() & DISTRICT_ROLES:
        return villages
    paths = [p for r, _, p in actor.roles if r in VILLAGE_ROLES]
    return [v for v in villages if any(v.path.startswith(p) for p in paths)]


def of_village(session: Session, village: OrgUnit) -> VillageApps:
    return VillageApps(village, registry.village_apps(session, village.id))


def may_flag(actor: Actor, village: OrgUnit) -> bool:
    """A cadre of the village flags an app or group demanded of it that is not registered."""
    return any(r == access.VILLAGE_CADRE and village.path.startswith(p)
               for r, _, p in actor.roles)


def requesting_units(session: Session, actor: Actor) -> list[int]:
    """The departments and towns where the actor is a clerk (they ask for apps and groups)."""
    held = sorted({u for r, u, _ in actor.roles if r == access.CLERK})
    if not held:
        return []
    return list(session.scalars(select(OrgUnit.id).where(
        OrgUnit.id.in_(held), OrgUnit.kind.in_([str(k) for k in OWNER_KINDS]))
        .order_by(OrgUnit.id)))


def may_browse(actor: Actor) -> bool:
    """Every staff member with a role reads the registry (what is legitimate is no secret)."""
    return not actor.is_system and bool(actor.roles)


ACTIVE = AppStatus.ACTIVE
