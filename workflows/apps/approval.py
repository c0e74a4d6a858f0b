"""The app and work group request in the command layer (docs/apps.md).

- `start_data`: what `cases.start_case` adds when a clerk of a department or town asks for a
  new app or group, or to merge or retire one of its own: the owner unit, the lane of
  区委网信办 (its office approvers review after 区委农办), and for a merge or retirement the
  app's current version (the draft is prefilled from it) and the app it goes into.
- `draft_inputs`: when the draft is submitted, the villages it names (one by one and every
  village of the towns ticked) are resolved and checked, and a new app is checked against
  the registry for duplicates (`duplicate_check`); both are recorded as task data, so the
  engine never reads the database and replay needs none.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AppStatus, Case, GovApp, GovAppVersion, OrgKind, OrgUnit
from workflows.apps import duplicates
from workflows.apps.forms import APP_FIELDS, DEMANDS, PROCESS
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.kernel.state import CaseState

CYBERSPACE_OFFICE_CODE = "qwwxb"  # 区委网信办
# The lane of bpmn/app_request.bpmn where 区委网信办's office approvers review.
CYBERSPACE_LANE = access.OFFICE_APPROVER
FINAL_STATUSES = frozenset({"published", "rejected"})
OWNER_KINDS = (OrgKind.DEPARTMENT, OrgKind.TOWN)


def version_fields(version: GovAppVersion, kind: str) -> dict[str, Any]:
    """The fields of a registry version as the draft form has them."""
    demands = set(json.loads(version.demands or "[]"))
    return {
        "app_name": version.name, "app_kind": kind, "app_purpose": version.purpose,
        **{d: d in demands for d in DEMANDS},
        "checkins_per_week": version.checkins_per_week,
        "minutes_per_checkin": version.minutes_per_checkin,
        "village_ids": json.loads(version.village_ids or "[]"),
    }


def current_version(session: Session, app: GovApp) -> GovAppVersion:
    version = session.scalar(select(GovAppVersion).where(
        GovAppVersion.app_id == app.id, GovAppVersion.version == app.current_version))
    if version is None:  # pragma: no cover - the projection writes both in one transaction
        raise NotFoundError("the app has no current version")
    return version


def open_request_for(session: Session, app_id: int) -> int | None:
    """The id of an unfinished request that merges or retires `app_id` (or merges into it)."""
    rows = session.execute(select(Case.id, Case.data).where(
        Case.case_type == PROCESS, Case.status.notin_(sorted(FINAL_STATUSES))))
    for case_id, data in rows:
        parsed = json.loads(data or "{}")
        if app_id in (parsed.get("app_id"), parsed.get("merge_into_id")):
            return int(case_id)
    return None


def _active(session: Session, app_id: int, field: str) -> GovApp:
    app = session.get(GovApp, app_id)
    if app is None or app.status != AppStatus.ACTIVE:
        raise ValidationFailedError({field: ["no registered app or group with this number"]})
    pending = open_request_for(session, app_id)
    if pending is not None:
        raise ValidationFailedError(
            {field: [f"this app or group already has an unfinished request (case {pending})"]})
    return app


def start_data(session: Session, actor: Actor, org_unit_id: int,
               data: dict[str, Any]) -> dict[str, Any]:
    """The start data of a request by a clerk of `org_unit_id` (see the module docstring).

    :raise NotAllowedError: the unit is no department or town, or the app is another's
    :raise ValidationFailedError: no such active app, or it already has an open request
    """
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or unit.kind not in OWNER_KINDS:
        raise NotAllowedError("only a district department or a town asks for an app or group")
    office = session.scalar(select(OrgUnit).where(OrgUnit.code == CYBERSPACE_OFFICE_CODE))
    if office is None:
        raise NotFoundError(f"org unit {CYBERSPACE_OFFICE_CODE} is not configured")
    out = dict(data)
    out["owner_unit_id"] = org_unit_id
    out["lane_scopes"] = {**out.get("lane_scopes", {}), CYBERSPACE_LANE: office.id}
    if out.get("app_change") == "new":
        return out
    app = _active(session, int(out["app_id"]), "app_id")
    if app.owner_unit_id != org_unit_id:
        raise NotAllowedError("only the owner unit may merge or retire its app or group")
    current = version_fields(current_version(session, app), app.kind)
    out.update({"app_code": app.code, "base_version": app.current_version,
                "current": current, **current})
    if out.get("app_change") == "merge":
        target = _active(session, int(out["merge_into_id"]), "merge_into_id")
        out.update({"merge_into_code": target.code, "merge_into_name": target.name,
                    "merge_into_version": target.current_version})
    return out


def resolve_villages(session: Session, village_ids: list[int],
                     town_ids: list[int]) -> list[int]:
    """The villages named one by one plus every village of the towns named, sorted.

    :raise ValidationFailedError: an id is no village (or no town), naming the field
    """
    units = {u.id: u for u in session.scalars(
        select(OrgUnit).where(OrgUnit.id.in_([*village_ids, *town_ids])))}
    bad = [v for v in village_ids if v not in units or units[v].kind != OrgKind.VILLAGE]
    if bad:
        raise ValidationFailedError({"village_ids": [f"no village with number {bad[0]}"]})
    bad = [t for t in town_ids if t not in units or units[t].kind != OrgKind.TOWN]
    if bad:
        raise ValidationFailedError({"town_ids": [f"no town with number {bad[0]}"]})
    chosen = set(village_ids)
    if town_ids:
        chosen |= set(session.scalars(select(OrgUnit.id).where(
            OrgUnit.parent_id.in_(town_ids), OrgUnit.kind == OrgKind.VILLAGE)))
    return sorted(chosen)


def draft_inputs(session: Session, case: Case, state: CaseState,
                 data: dict[str, Any]) -> dict[str, Any]:
    """The draft plus its villages resolved and, for a new app, the duplicate check."""
    out = dict(data)
    out["village_ids"] = resolve_villages(session, [int(v) for v in data.get("village_ids", [])],
                                          [int(t) for t in data.get("town_ids", [])])
    if state.data.get("app_change") == "new":
        out["duplicate_check"] = duplicates.check(session, out)
    else:
        out["duplicate_check"] = {"threshold": duplicates.THRESHOLD, "compared": 0,
                                  "matches": [], "skipped": str(state.data.get("app_change"))}
    return out


__all__ = ["APP_FIELDS", "draft_inputs", "resolve_villages", "start_data"]
