"""Plaques (机构牌子, measure 5) in the command layer and their registry (docs/lists.md).

A town's clerk asks to hang a plaque in one of its villages: only a plaque on the plaque list
(list kind "plaque", in force), not already hanging there, and 区委农办 decides (the plaque
change process). Merging two plaques into one and removing one are recorded through the
same process without a review. `project` writes `VillagePlaque` rows in the transaction of
the event that hangs, merges or removes; `write_change` is what the rebuild replays.

Public entry point: `hanging_counts(session)` (plaques hanging per village: the village burden
ledger and the dashboard show it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Case, ListEntry, OrgKind, OrgUnit, PlaqueStatus, VillagePlaque
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ConflictError, NotAllowedError, ValidationFailedError
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import CaseState, EventDraft
from workflows.lists import matching
from workflows.lists.changes import current_version

PROCESS = str(ProcessId.PLAQUE_CHANGE)
HUNG = "hung"
RECORDED = "recorded"
FINAL = frozenset({HUNG, RECORDED})


def _hanging(session: Session, plaque_id: int | None, village_id: int, field: str
             ) -> VillagePlaque:
    plaque = session.get(VillagePlaque, plaque_id) if plaque_id else None
    if plaque is None or plaque.village_id != village_id or plaque.status != PlaqueStatus.HUNG:
        raise ValidationFailedError({field: ["no plaque with this number hangs in the village"]})
    return plaque


def start_data(session: Session, actor: Actor, org_unit_id: int, data: dict[str, Any]
               ) -> dict[str, Any]:
    """The start data of a plaque change by a clerk of town `org_unit_id`.

    :raise NotAllowedError: the unit is no town, or the village is not one of its villages
    :raise ValidationFailedError: no such plaque on the list or hanging in the village
    """
    town = session.get(OrgUnit, org_unit_id)
    if town is None or town.kind != OrgKind.TOWN:
        raise NotAllowedError("only a town's clerk records its villages' plaques")
    village = session.get(OrgUnit, int(data["village_id"]))
    if village is None or village.kind != OrgKind.VILLAGE or village.parent_id != town.id:
        raise ValidationFailedError({"village_id": ["choose a village of your town"]})
    out = {**data, "village_name": village.name, "town_id": town.id}
    today = WorkCalendar.local_date(datetime.now().astimezone())
    if data["change_kind"] == "add":
        entry = session.get(ListEntry, int(data["entry_id"]))
        if entry is None or entry.list_kind != "plaque" or not matching.in_force(entry, today):
            raise ValidationFailedError({"entry_id": ["choose a plaque on the plaque list"]})
        title = _entry_title(session, entry)
        dup = session.scalar(select(VillagePlaque.id).where(
            VillagePlaque.village_id == village.id, VillagePlaque.entry_id == entry.id,
            VillagePlaque.status == PlaqueStatus.HUNG))
        if dup is not None:
            raise ValidationFailedError({"entry_id": ["this plaque already hangs there"]})
        return {**out, "plaque_name": title, "entry_code": entry.code}
    plaque = _hanging(session, data.get("plaque_id"), village.id, "plaque_id")
    out["plaque_name"] = plaque.name
    if data["change_kind"] == "merge":
        into = _hanging(session, data.get("merge_into_id"), village.id, "merge_into_id")
        if into.id == plaque.id:
            raise ValidationFailedError({"merge_into_id": ["merge into another plaque"]})
        out["merge_into_name"] = into.name
    return out


def _entry_title(session: Session, entry: ListEntry) -> str:
    return current_version(session, entry).title


def write_change(session: Session, case_id: int, data: dict[str, Any], status: str,
                 at: datetime) -> None:
    """Write what a hung or recorded plaque change stands for.

    :raise ConflictError: the plaque was merged or removed meanwhile
    """
    today = WorkCalendar.local_date(at)
    if status == HUNG:
        session.add(VillagePlaque(id=case_id, village_id=int(data["village_id"]),
                                  name=str(data["plaque_name"]), entry_id=int(data["entry_id"]),
                                  status=PlaqueStatus.HUNG, hung_on=today))
        session.flush()
        return
    plaque = session.get(VillagePlaque, int(data["plaque_id"]))
    into = data.get("merge_into_id")
    if plaque is None or plaque.status != PlaqueStatus.HUNG or (
            into is not None and getattr(session.get(VillagePlaque, int(into)), "status",
                                         None) != PlaqueStatus.HUNG):
        raise ConflictError("the plaque was merged or removed meanwhile; start again")
    merged = data.get("change_kind") == "merge"
    plaque.status = PlaqueStatus.MERGED if merged else PlaqueStatus.REMOVED
    plaque.ended_on = today
    plaque.merged_into = int(into) if merged and into is not None else None
    plaque.ended_by_case = case_id
    session.flush()


def project(session: Session, case: Case, draft: EventDraft, old: CaseState | None,
            new: CaseState) -> None:
    if case.case_type != PROCESS or new.status not in FINAL:
        return
    if old is not None and old.status == new.status:
        return
    write_change(session, case.id, new.data, new.status, draft.at)


def hanging_counts(session: Session, village_ids: Iterable[int] | None = None
                   ) -> dict[int, int]:
    """Plaques hanging now, per village."""
    q = (select(VillagePlaque.village_id, func.count()).where(
        VillagePlaque.status == PlaqueStatus.HUNG).group_by(VillagePlaque.village_id))
    if village_ids is not None:
        q = q.where(VillagePlaque.village_id.in_(sorted(set(village_ids))))
    return {int(v): int(n) for v, n in session.execute(q)}


def plaques_of(session: Session, village_id: int) -> list[VillagePlaque]:
    return list(session.scalars(select(VillagePlaque).where(
        VillagePlaque.village_id == village_id).order_by(VillagePlaque.hung_on,
                                                          VillagePlaque.id)))
