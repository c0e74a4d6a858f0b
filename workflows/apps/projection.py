"""The registry as a projection of the app request cases (docs/apps.md).

`project` runs in the command cycle, in the transaction of the event that publishes a
request (its case status becomes "published"), and writes the registry rows from the case
data of that event. `write_publication` is the part `workflows.apps.registry.rebuild`
replays from the events; the villages' notifications are only written by the live command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models import (
    AppStatus,
    Case,
    GovApp,
    GovAppVersion,
    GovAppVillage,
    Notification,
    OrgUnit,
    RoleAssignment,
    User,
)
from workflows.apps.forms import DEMANDS, PROCESS
from workflows.kernel import access
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ConflictError, InvalidTransitionError
from workflows.kernel.state import CaseState, EventDraft

PUBLISHED = "published"
# The notification kinds a village cadre gets (webapp/notifications TEXTS).
NOTICES = {"new": "app_registered", "merge": "app_merged", "retire": "app_retired"}


@dataclass(frozen=True)
class Publication:
    """What one publication did: the app it names and the villages concerned."""

    app: GovApp
    villages: list[int]
    target: GovApp | None = None


def publishes(old: CaseState | None, new: CaseState) -> bool:
    return new.status == PUBLISHED and (old is None or old.status != PUBLISHED)


def _code(session: Session, year: int) -> str:
    prefix = f"YY-{year}-"
    count = session.scalar(select(func.count()).select_from(GovApp)
                           .where(GovApp.code.startswith(prefix)))
    return f"{prefix}{(count or 0) + 1:03d}"


def _version(app_id: int, number: int, kind: str, fields: dict[str, Any], villages: list[int],
             note: str, case_id: int, at: datetime, actor_id: int | None) -> GovAppVersion:
    return GovAppVersion(
        app_id=app_id, version=number, change_kind=kind, name=str(fields["app_name"]),
        purpose=str(fields["app_purpose"]),
        demands=json.dumps([d for d in DEMANDS if fields.get(d)]),
        checkins_per_week=int(fields.get("checkins_per_week") or 0),
        minutes_per_checkin=int(fields.get("minutes_per_checkin") or 0),
        village_ids=json.dumps(sorted(villages)), change_note=note, published_at=at,
        case_id=case_id, published_by=actor_id)


def _villages(session: Session, app_id: int) -> list[int]:
    return sorted(session.scalars(select(GovAppVillage.village_id)
                                  .where(GovAppVillage.app_id == app_id)))


def _set_villages(session: Session, app_id: int, villages: list[int]) -> None:
    session.execute(delete(GovAppVillage).where(GovAppVillage.app_id == app_id))
    session.add_all(GovAppVillage(app_id=app_id, village_id=v) for v in sorted(set(villages)))


def _held(session: Session, app_id: int, base: object) -> GovApp:
    app = session.get(GovApp, app_id)
    if app is None:
        raise InvalidTransitionError("the app of this request is not in the registry")
    if app.status != AppStatus.ACTIVE or (base is not None and app.current_version != base):
        raise ConflictError("the app or group was changed after this request started; "
                            "return it for revision")
    return app


def write_publication(session: Session, case_id: int, data: dict[str, Any], at: datetime,
                      actor_id: int | None) -> Publication:
    """Write the registry rows a published request stands for.

    :raise ConflictError: the app changed since the request started (return it instead)
    """
    kind = str(data["app_change"])
    note = str(data.get("change_note") or "")
    if kind == "new":
        villages = [int(v) for v in data.get("village_ids") or []]
        app = GovApp(id=case_id, code=_code(session, WorkCalendar.local_date(at).year),
                     kind=str(data["app_kind"]), name=str(data["app_name"]),
                     owner_unit_id=int(data["owner_unit_id"]), status=AppStatus.ACTIVE,
                     current_version=1, merged_into_id=None)
        session.add(app)
        session.flush()
        session.add(_version(app.id, 1, kind, data, villages, note, case_id, at, actor_id))
        _set_villages(session, app.id, villages)
        session.flush()
        return Publication(app, villages)
    app = _held(session, int(data["app_id"]), data.get("base_version"))
    fields = dict(data.get("current") or data)
    villages = _villages(session, app.id)
    number = app.current_version + 1
    session.add(_version(app.id, number, kind, fields, villages, note, case_id, at, actor_id))
    app.current_version = number
    _set_villages(session, app.id, [])
    target = None
    if kind == "merge":
        target = _held(session, int(data["merge_into_id"]), data.get("merge_into_version"))
        app.status = AppStatus.MERGED
        app.merged_into_id = target.id
        joined = sorted(set(_villages(session, target.id)) | set(villages))
        current = session.scalar(select(GovAppVersion).where(
            GovAppVersion.app_id == target.id,
            GovAppVersion.version == target.current_version))
        assert current is not None
        taken = {"app_name": current.name, "app_purpose": current.purpose,
                 **{d: d in json.loads(current.demands) for d in DEMANDS},
                 "checkins_per_week": current.checkins_per_week,
                 "minutes_per_checkin": current.minutes_per_checkin}
        target.current_version += 1
        session.add(_version(target.id, target.current_version, "absorb", taken, joined,
                             f"{app.code} {app.name}: {note}", case_id, at, actor_id))
        _set_villages(session, target.id, joined)
    else:
        app.status = AppStatus.RETIRED
    session.flush()
    return Publication(app, villages, target)


def notify_villages(session: Session, case: Case, draft: EventDraft, done: Publication,
                    kind: str) -> None:
    """Tell the cadres of the villages concerned (in-app) what changed for them."""
    if not done.villages:
        return
    users = set(session.scalars(
        select(RoleAssignment.user_id)
        .join(User, User.id == RoleAssignment.user_id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.role == access.VILLAGE_CADRE,
               RoleAssignment.org_unit_id.in_(done.villages), User.active.is_(True))))
    params = {"code": done.app.code, "name": done.app.name,
              "target": f"{done.target.code} {done.target.name}" if done.target else ""}
    session.add_all(
        Notification(user_id=uid, case_id=case.id, kind=NOTICES[kind], text_key=NOTICES[kind],
                     params=params, created_at=draft.at)
        for uid in sorted(users) if uid != draft.actor_id)
    session.flush()


def project(session: Session, case: Case, draft: EventDraft, old: CaseState | None,
            new: CaseState) -> None:
    """The command-cycle hook: write the registry when this event publishes a request."""
    if case.case_type != PROCESS or not publishes(old, new):
        return
    done = write_publication(session, case.id, new.data, draft.at, draft.actor_id)
    notify_villages(session, case, draft, done, str(new.data["app_change"]))
