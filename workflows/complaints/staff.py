"""Burden complaints, the staff side beyond the BPMN tasks: unsealing a named complainant's
identity (custodian model), similar open complaints at intake, the supervision queue, and
how precisely staff may see times on anonymous cases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, ComplaintIdentity, OrgUnit, utcnow
from workflows.kernel import access, similarity
from workflows.kernel.access import Actor
from workflows.kernel.cases import BURDEN_OFFICE_CODE, _now, _unit_by_code, get_case
from workflows.kernel.commands import CommandResult, run_command
from workflows.kernel.errors import (
    InvalidTransitionError,
    NotAllowedError,
    NotFoundError,
    ValidationFailedError,
)
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import (
    IDENTITY_ACCESSED,
    IDENTITY_UNSEAL_DECIDED,
    IDENTITY_UNSEAL_REQUESTED,
    CaseState,
    EventDraft,
)
from workflows.kernel.store import case_events
from workflows.kernel.vault import Vault

PROCESS = ProcessId.BURDEN_COMPLAINT
FINISHED = frozenset({"rejected", "merged", "closed"})
EXACT_TIME_ROLES = frozenset({access.BURDEN_OFFICE, access.SUPERVISOR, access.AUDITOR})


@dataclass(frozen=True)
class UnsealStatus:
    named: bool
    pending_reason: str | None
    approved: bool  # approved and not yet expired
    accesses: int
    approved_until: datetime | None = None  # the last approval's end (expired or not)


# An approved unsealing opens the identity for this many days (docs/complaints.md); after
# that 区委农办 must ask again and 区委督查办 decide again.
UNSEAL_VALID_DAYS = 7


def _office_path(session: Session) -> str:
    return _unit_by_code(session, BURDEN_OFFICE_CODE).path


def public_voice(session: Session, actor: Actor, case: Case) -> int | None:
    """Who writes to the complainant (docs/complaints.md): the 区委农办 staff handling the
    complaint, as 区委农办; nobody else (auditors, administrators, 区委督查办, the units
    complained about). The kernel calls it for a public comment."""
    office = _unit_by_code(session, BURDEN_OFFICE_CODE)
    return office.id if actor.holds(access.BURDEN_OFFICE, office.path) else None


def _complaint(session: Session, actor: Actor, case_id: int) -> tuple[Case, CaseState]:
    case, state = get_case(session, actor, case_id)
    if case.case_type != PROCESS:
        raise NotFoundError("no such complaint")
    return case, state


def _until(inputs: dict[str, Any], at: datetime) -> datetime:
    """When an approval ends: recorded in the decision; decisions recorded before approvals
    expired end UNSEAL_VALID_DAYS after they were taken."""
    raw = inputs.get("valid_until")
    return datetime.fromisoformat(str(raw)) if raw else at + timedelta(days=UNSEAL_VALID_DAYS)


def unseal_status(session: Session, case_id: int, now: datetime | None = None) -> UnsealStatus:
    """Where the unsealing of a complaint's identity stands at `now` (default: now)."""
    moment = now or utcnow()
    named = session.get(ComplaintIdentity, case_id) is not None
    pending: str | None = None
    approved = False
    until: datetime | None = None
    accesses = 0
    for event in case_events(session, case_id):
        if event.type == IDENTITY_UNSEAL_REQUESTED:
            pending, approved = str(event.inputs.get("reason", "")), False
        elif event.type == IDENTITY_UNSEAL_DECIDED:
            pending, approved = None, bool(event.inputs.get("approve"))
            until = _until(event.inputs, event.at) if approved else None
        elif event.type == IDENTITY_ACCESSED:
            accesses += 1
    return UnsealStatus(named, pending, approved and until is not None and moment < until,
                        accesses, until)


def _record(
    session: Session,
    actor: Actor,
    case_id: int,
    event_type: str,
    role: str,
    inputs: dict[str, Any],
    check: Any,
    now: datetime | None,
) -> CommandResult:
    def load() -> tuple[Case, CaseState | None]:
        return _complaint(session, actor, case_id)

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        if not actor.holds(role, _office_path(session)):
            raise NotAllowedError("you do not hold the role for this step")
        check(unseal_status(session, case.id, _now(case, now)))
        return EventDraft(event_type, at=_now(case, now), actor_id=actor.user_id,
                          actor_role=role, inputs=inputs)

    return run_command(session, load=load, decide=decide)


def request_unseal(
    session: Session, actor: Actor, case_id: int, reason: str, *, now: datetime | None = None
) -> CommandResult:
    """区委农办 asks to see a named complainant's identity, with a reason."""
    reason = (reason or "").strip()
    if not 5 <= len(reason) <= 2000:
        raise ValidationFailedError({"reason": ["give a reason of 5 to 2000 characters"]})

    def check(status: UnsealStatus) -> None:
        if not status.named:
            raise InvalidTransitionError("this complaint is anonymous: there is nothing to unseal")
        if status.pending_reason is not None:
            raise InvalidTransitionError("a request to unseal is already waiting for a decision")
        if status.approved:
            raise InvalidTransitionError("unsealing is already approved")

    return _record(session, actor, case_id, IDENTITY_UNSEAL_REQUESTED, access.BURDEN_OFFICE,
                   {"reason": reason}, check, now)


def decide_unseal(
    session: Session,
    actor: Actor,
    case_id: int,
    approve: bool,
    comment: str = "",
    *,
    valid_days: int = UNSEAL_VALID_DAYS,
    now: datetime | None = None,
) -> CommandResult:
    """区委督查办 approves or refuses a pending request to unseal; an approval holds for
    `valid_days` days (recorded in the decision as `valid_until`)."""
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationFailedError({"comment": ["a reason is required when refusing"]})
    inputs: dict[str, Any] = {"approve": bool(approve), "comment": comment}
    if approve:
        inputs["valid_until"] = ((now or utcnow()) + timedelta(days=valid_days)).isoformat()

    def check(status: UnsealStatus) -> None:
        if status.pending_reason is None:
            raise InvalidTransitionError("no request to unseal is waiting")

    return _record(session, actor, case_id, IDENTITY_UNSEAL_DECIDED, access.SUPERVISOR,
                   inputs, check, now)


def read_identity(
    session: Session, actor: Actor, case_id: int, vault: Vault, *, now: datetime | None = None
) -> dict[str, str]:
    """Open the sealed identity after an approved request; every reading is an event that the
    complainant sees on the tracking page."""

    def check(status: UnsealStatus) -> None:
        if not status.approved:
            raise NotAllowedError("unsealing this identity has not been approved")

    _record(session, actor, case_id, IDENTITY_ACCESSED, access.BURDEN_OFFICE, {}, check, now)
    row = session.get(ComplaintIdentity, case_id)
    if row is None:
        raise NotFoundError("no identity is stored for this complaint")
    plain = vault.open(row.sealed, f"identity:{case_id}".encode())
    session.rollback()
    value: dict[str, str] = json.loads(plain)
    return value


# ---------------------------------------------------------------- intake helpers


@dataclass(frozen=True)
class SimilarComplaint:
    case_id: int
    title: str
    score: float
    shared: list[str]
    same_village: bool
    same_unit: bool


SUGGEST_AT = 0.45  # text score at which a complaint elsewhere is still suggested


def _open_complaints(session: Session) -> list[tuple[Case, dict[str, Any]]]:
    rows = session.scalars(select(Case).where(Case.case_type == PROCESS))
    out = []
    for case in rows:
        data = json.loads(case.data or "{}")
        if data.get("case_status") not in FINISHED:
            out.append((case, data))
    return out


def similar_open(
    session: Session, actor: Actor, case_id: int, *, limit: int = 5
) -> list[SimilarComplaint]:
    """Open complaints that may be the same matter: same village or unit and similar text."""
    case, state = _complaint(session, actor, case_id)
    mine = state.data
    found = []
    for other, data in _open_complaints(session):
        if other.id == case.id:
            continue
        score = similarity.text_score(str(mine.get("description", "")),
                                      str(data.get("description", "")))
        same_village = data.get("village_id") == mine.get("village_id")
        unit = mine.get("responsible_unit_id")
        same_unit = unit is not None and data.get("responsible_unit_id") == unit
        boost = 0.15 * same_village + 0.1 * same_unit
        boost += 0.05 * (data.get("category") == mine.get("category"))
        if score >= SUGGEST_AT or (boost >= 0.15 and score >= SUGGEST_AT / 2):
            found.append(
                SimilarComplaint(
                    other.id,
                    other.title,
                    round(min(1.0, score + boost), 3),
                    similarity.shared_words(str(mine.get("description", "")),
                                            str(data.get("description", ""))),
                    same_village,
                    same_unit,
                )
            )
    found.sort(key=lambda s: (-s.score, s.case_id))
    return found[:limit]


def supervision_queue(session: Session, actor: Actor) -> list[tuple[Case, dict[str, Any]]]:
    """Complaints that breached their time limits twice (区委督查办 and 区委农办 only)."""
    root = session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    path = root.path if root is not None else "/"
    if not (actor.holds(access.SUPERVISOR, path) or actor.holds(access.BURDEN_OFFICE,
                                                                  _office_path(session))):
        raise NotFoundError("no such page")
    return [(c, d) for c, d in _open_complaints(session) if d.get("supervised")]


def sees_exact_times(actor: Actor) -> bool:
    """Intake, the supervision office and auditors see times; others see dates on
    anonymous complaints (a time can identify a villager more easily than content)."""
    return bool(actor.role_names() & EXACT_TIME_ROLES)


def exact_times(actor: Actor, case_type: str) -> bool:
    """False when this actor must see dates only on this kind of case (T2.2). Applied to
    every complaint, named or not: a deadline shown to the minute gives away the filing
    time as surely as the filing time itself."""
    return case_type != PROCESS or sees_exact_times(actor)


def shown_time(actor: Actor, case_data: dict[str, Any], moment: datetime) -> datetime | date:
    """`moment` as this actor may see it on this case (naive UTC in, date or datetime out;
    the date is the local date in China)."""
    if case_data.get("anonymous", False) and not sees_exact_times(actor):
        from workflows.kernel.calendar import WorkCalendar

        return WorkCalendar.local_date(moment)
    return moment


@dataclass(frozen=True)
class Reminder:
    case_id: int
    title: str
    stage: str
    at: str


def reminders_for(session: Session, actor: Actor) -> list[Reminder]:
    """Breach reminders addressed to the units this actor heads (newest first)."""
    headed = {unit for role, unit, _ in actor.roles if role == access.UNIT_HEAD}
    if not headed:
        return []
    out = [
        Reminder(case.id, case.title, str(r.get("stage", "")), str(r.get("at", "")))
        for case, data in _open_complaints(session)
        for r in data.get("reminders") or []
        if r.get("unit_id") in headed
    ]
    return sorted(out, key=lambda r: (r.at, r.case_id), reverse=True)
