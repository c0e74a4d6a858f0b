"""The catalog as a projection of the approval cases.

`project` runs inside the command cycle (`commands.AFTER_PROJECTIONS`), in the transaction
of the event that publishes a proposal (its case status becomes "published"), and writes
the catalog rows from the case data of that final event. `write_publication` is the part
`workflows.catalog.browse.rebuild` replays from the events to recompute the catalog; the
departments' notifications are only ever written by the live command.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    AssessmentItem,
    AssessmentItemVersion,
    Case,
    ItemStatus,
    Notification,
    OrgKind,
    OrgUnit,
    RoleAssignment,
    User,
)
from workflows.kernel import access
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ConflictError, InvalidTransitionError
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import CaseState, EventDraft

PROCESS = str(ProcessId.ASSESSMENT_ITEM_APPROVAL)
PUBLISHED = "published"
NOTICE_KIND = "catalog_published"
# Who hears that the catalog changed: the clerks and heads of every department and town.
NOTIFIED_ROLES = (access.CLERK, access.UNIT_HEAD)
NOTIFIED_KINDS = (OrgKind.DEPARTMENT, OrgKind.TOWN)


def publishes(old: CaseState | None, new: CaseState) -> bool:
    return new.status == PUBLISHED and (old is None or old.status != PUBLISHED)


def _code(session: Session, year: int) -> str:
    prefix = f"KH-{year}-"
    count = session.scalar(
        select(func.count()).select_from(AssessmentItem).where(
            AssessmentItem.code.startswith(prefix)
        )
    )
    return f"{prefix}{(count or 0) + 1:03d}"


def _effective(data: dict[str, Any], at: datetime) -> date:
    """The effective date asked for, but never before the day of publication."""
    asked = date.fromisoformat(str(data["effective_date"]))
    return max(asked, WorkCalendar.local_date(at))


def _version(
    item_id: int, number: int, kind: str, fields: dict[str, Any], effective: date,
    note: str, case_id: int, at: datetime, actor_id: int | None,
) -> AssessmentItemVersion:
    return AssessmentItemVersion(
        item_id=item_id,
        version=number,
        change_kind=kind,
        name=str(fields["name"]),
        target=str(fields["target"]),
        content=str(fields["content"]),
        criteria=str(fields["criteria"]),
        method=str(fields["method"]),
        frequency=str(fields["frequency"]),
        period=str(fields["period"]),
        weight=int(fields["weight"]),
        legal_basis=str(fields["legal_basis"]),
        effective_date=effective,
        change_note=note,
        published_at=at,
        case_id=case_id,
        published_by=actor_id,
    )


def write_publication(
    session: Session, case_id: int, data: dict[str, Any], at: datetime, actor_id: int | None
) -> AssessmentItem:
    """Write the catalog rows a published proposal stands for (a new item and its first
    version, or the next version of a changed or retired item).

    :raise ConflictError: the item changed since the proposal started (return it instead)
    """
    kind = str(data["change_kind"])
    effective = _effective(data, at)
    note = str(data.get("change_note") or "")
    if kind == "new":
        item = AssessmentItem(
            id=case_id,
            code=_code(session, WorkCalendar.local_date(at).year),
            current_version=1,
            owner_unit_id=int(data["owner_unit_id"]),
            status=ItemStatus.ACTIVE,
            effective_date=effective,
            retired_on=None,
        )
        session.add(item)
        session.flush()
        session.add(_version(item.id, 1, kind, data, effective, note, case_id, at, actor_id))
        session.flush()
        return item
    item_or_none = session.get(AssessmentItem, int(data["item_id"]))
    if item_or_none is None:
        raise InvalidTransitionError("the item of this proposal is not in the catalog")
    item = item_or_none
    if item.current_version != data.get("base_version") or item.status != ItemStatus.ACTIVE:
        raise ConflictError(
            "the item was changed or retired after this proposal started; return it for "
            "revision"
        )
    number = item.current_version + 1
    fields = data if kind == "change" else dict(data.get("current") or data)
    session.add(_version(item.id, number, kind, fields, effective, note, case_id, at, actor_id))
    item.current_version = number
    if kind == "retire":
        item.status = ItemStatus.RETIRED
        item.retired_on = effective
    session.flush()
    return item


def notify_departments(
    session: Session, case: Case, draft: EventDraft, item: AssessmentItem, data: dict[str, Any]
) -> None:
    """Tell the clerks and heads of every department and town that the catalog changed."""
    users = set(
        session.scalars(
            select(RoleAssignment.user_id)
            .join(User, User.id == RoleAssignment.user_id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .where(
                RoleAssignment.role.in_(NOTIFIED_ROLES),
                OrgUnit.kind.in_([str(k) for k in NOTIFIED_KINDS]),
                User.active.is_(True),
            )
        )
    )
    params = {"code": item.code, "name": str(data.get("name", "")),
              "change_kind": str(data.get("change_kind", ""))}
    session.add_all(
        Notification(user_id=uid, case_id=case.id, kind=NOTICE_KIND, text_key=NOTICE_KIND,
                     params=params, created_at=draft.at)
        for uid in sorted(users)
        if uid != draft.actor_id
    )
    session.flush()


def project(
    session: Session, case: Case, draft: EventDraft, old: CaseState | None, new: CaseState
) -> None:
    """The command-cycle hook: publish into the catalog when this event publishes."""
    if case.case_type != PROCESS or not publishes(old, new):
        return
    item = write_publication(session, case.id, new.data, draft.at, draft.actor_id)
    notify_departments(session, case, draft, item, new.data)
