"""Reading the app and work group registry, and rebuilding it from the events.

- `apps`: the registry rows (any status), each with its current version and villages.
- `village_apps`: the legitimate (active) apps and groups demanded of one village.
- `snapshot`: the registry as plain data (what the rebuild test compares).
- `rebuild`: recompute every row from the request cases' events, in publication order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from models import AppStatus, Case, GovApp, GovAppVersion, GovAppVillage, OrgUnit
from workflows.apps.forms import DEMANDS, PROCESS
from workflows.apps.projection import publishes, write_publication
from workflows.kernel import processes
from workflows.kernel.state import CaseState, apply_event
from workflows.kernel.store import case_events, draft_of, load_calendar


@dataclass(frozen=True)
class AppRow:
    id: int
    code: str
    kind: str
    name: str
    owner_unit_id: int
    owner: str
    status: str
    version: int
    purpose: str
    demands: list[str]
    checkins_per_week: int
    minutes_per_checkin: int
    village_ids: list[int]
    merged_into: str
    published_at: datetime

    @property
    def checkin_hours_per_year(self) -> float:
        """Cadre-hours a year one village spends on its check-ins (52 weeks)."""
        return round(self.checkins_per_week * self.minutes_per_checkin * 52 / 60, 1)


def apps(session: Session, status: str | None = None) -> list[AppRow]:
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    codes = dict(session.execute(select(GovApp.id, GovApp.code)).all())
    query = (select(GovApp, GovAppVersion)
             .join(GovAppVersion, (GovAppVersion.app_id == GovApp.id)
                   & (GovAppVersion.version == GovApp.current_version))
             .order_by(GovApp.code))
    if status is not None:
        query = query.where(GovApp.status == status)
    villages: dict[int, list[int]] = {}
    for app_id, village_id in session.execute(
            select(GovAppVillage.app_id, GovAppVillage.village_id)
            .order_by(GovAppVillage.village_id)):
        villages.setdefault(app_id, []).append(village_id)
    return [
        AppRow(app.id, app.code, app.kind, app.name, app.owner_unit_id,
               names.get(app.owner_unit_id, ""), app.status, app.current_version, v.purpose,
               [d for d in json.loads(v.demands) if d in DEMANDS], v.checkins_per_week,
               v.minutes_per_checkin,
               villages.get(app.id, []) if app.status == AppStatus.ACTIVE
               else json.loads(v.village_ids),
               codes.get(app.merged_into_id, "") if app.merged_into_id else "",
               v.published_at)
        for app, v in session.execute(query)
    ]


def village_apps(session: Session, village_id: int) -> list[AppRow]:
    """The legitimate apps and groups demanded of one village (active, naming it)."""
    return [a for a in apps(session, AppStatus.ACTIVE) if village_id in a.village_ids]


def history(session: Session, app_id: int) -> list[GovAppVersion]:
    return list(session.scalars(select(GovAppVersion).where(GovAppVersion.app_id == app_id)
                                .order_by(GovAppVersion.version)))


def snapshot(session: Session) -> dict[str, Any]:
    """The whole registry as plain data (ids, fields, versions, villages)."""
    out: dict[str, Any] = {"apps": [], "versions": [], "villages": []}
    for app in session.scalars(select(GovApp).order_by(GovApp.id)):
        out["apps"].append((app.id, app.code, app.kind, app.name, app.owner_unit_id,
                            app.status, app.current_version, app.merged_into_id))
    for v in session.scalars(select(GovAppVersion).order_by(GovAppVersion.app_id,
                                                            GovAppVersion.version)):
        out["versions"].append((v.app_id, v.version, v.change_kind, v.name, v.purpose,
                                v.demands, v.checkins_per_week, v.minutes_per_checkin,
                                v.village_ids, v.change_note, v.published_at, v.case_id,
                                v.published_by))
    out["villages"] = sorted((a, v) for a, v in session.execute(
        select(GovAppVillage.app_id, GovAppVillage.village_id)))
    return out


def rebuild(session: Session) -> int:
    """Recompute the registry from the request cases' events (in the order they were
    published) and commit; returns the number of publications. Nobody is notified again."""
    found: list[tuple[int, int, dict[str, Any], datetime, int | None]] = []
    for case in session.scalars(select(Case).where(Case.case_type == PROCESS)
                                .order_by(Case.id)):
        defn = processes.definition(session, case.process_version_id)
        state: CaseState | None = None
        for ev in case_events(session, case.id):
            new, _ = apply_event(defn, case.id, ev.seq, state, draft_of(ev),
                                 load_calendar(session, ev.at))
            if publishes(state, new):
                found.append((ev.global_seq, case.id, new.data, ev.at, ev.actor_id))
            state = new
    session.execute(delete(GovAppVillage))
    session.execute(delete(GovAppVersion))
    session.execute(update(GovApp).values(merged_into_id=None))
    session.execute(delete(GovApp))
    for _, case_id, data, at, actor_id in sorted(found, key=lambda f: f[0]):
        write_publication(session, case_id, data, at, actor_id)
    session.commit()
    return len(found)
