"""The lists as a projection of the list change cases (docs/lists.md).

`project` runs inside the command cycle, in the transaction of the event whose case status
becomes "published", and writes the list rows from that event's case data.
`write_publication` is what `workflows.lists.registry.rebuild` replays from the events.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Case, EntryStatus, ListEntry, ListEntryVersion
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ConflictError, InvalidTransitionError
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import CaseState, EventDraft

PROCESS = str(ProcessId.LIST_CHANGE)
PUBLISHED = "published"
PREFIX = {"self_governance": "ZZ", "assistance": "XZ", "certificate": "ZM", "plaque": "PZ"}


def publishes(old: CaseState | None, new: CaseState) -> bool:
    return new.status == PUBLISHED and (old is None or old.status != PUBLISHED)


def _code(session: Session, kind: str, year: int) -> str:
    prefix = f"{PREFIX[kind]}-{year}-"
    count = session.scalar(select(func.count()).select_from(ListEntry)
                           .where(ListEntry.code.startswith(prefix)))
    return f"{prefix}{(count or 0) + 1:03d}"


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _version(entry_id: int, number: int, kind: str, fields: dict[str, Any], start: date,
             end: date | None, note: str, case_id: int, at: datetime, actor_id: int | None
             ) -> ListEntryVersion:
    return ListEntryVersion(
        entry_id=entry_id, version=number, change_kind=kind, title=str(fields["title"]),
        description=str(fields["entry_description"]), legal_basis=str(fields["legal_basis"]),
        unit_id=int(fields["unit_id"]), in_force_from=start, in_force_to=end,
        change_note=note, published_at=at, case_id=case_id, published_by=actor_id)


def write_publication(session: Session, case_id: int, data: dict[str, Any], at: datetime,
                      actor_id: int | None) -> ListEntry:
    """Write the rows a published change stands for: a new entry and its first version, or
    the next version of an amended or removed entry.

    :raise ConflictError: the entry changed since the proposal started (return it instead)
    """
    kind = str(data["change_kind"])
    today = WorkCalendar.local_date(at)
    start = max(_day(data["in_force_from"]) or today, today)
    end = _day(data.get("in_force_to"))
    note = str(data.get("change_note") or "")
    if kind == "add":
        entry = ListEntry(id=case_id, list_kind=str(data["list_kind"]),
                          code=_code(session, str(data["list_kind"]), today.year),
                          current_version=1, status=EntryStatus.ACTIVE,
                          unit_id=int(data["unit_id"]), in_force_from=start, in_force_to=end)
        session.add(entry)
        session.flush()
        session.add(_version(entry.id, 1, kind, data, start, end, note, case_id, at, actor_id))
        session.flush()
        return entry
    found = session.get(ListEntry, int(data["entry_id"]))
    if found is None:
        raise InvalidTransitionError("the entry of this change is not on the list")
    entry = found
    if entry.current_version != data.get("base_version") or entry.status != EntryStatus.ACTIVE:
        raise ConflictError("the entry was changed or removed after this proposal started; "
                            "return it for revision")
    number = entry.current_version + 1
    fields = data if kind == "amend" else dict(data.get("current") or data)
    if kind == "remove":
        # A removal ends the entry's force on the day it is published.
        start, end = entry.in_force_from, today
    session.add(_version(entry.id, number, kind, fields, start, end, note, case_id, at,
                         actor_id))
    entry.current_version = number
    entry.unit_id = int(fields["unit_id"])
    # The entry stays in force since its first version; a version says from when it reads so.
    entry.in_force_to = end
    if kind == "remove":
        entry.status = EntryStatus.REMOVED
    session.flush()
    return entry


def project(session: Session, case: Case, draft: EventDraft, old: CaseState | None,
            new: CaseState) -> None:
    """The command-cycle hook: publish into the list when this event publishes."""
    if case.case_type != PROCESS or not publishes(old, new):
        return
    write_publication(session, case.id, new.data, draft.at, draft.actor_id)
