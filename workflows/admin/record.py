"""The administration record: every administrator's action is an event in the verifiable
history (docs/administration.md).

Each calendar year (China time) has one case of the `administration` process (系统管理记录).
An action appends an `admin_action` event to it: who (the actor), what (`action`, the
`target` it touched), when, and the values `before` and `after`. The change itself is made
inside the same command, so the change and its event commit together or not at all; the
event joins the case's hash chain and the global log like every other, so `jianfu audit
verify`, the checkpoints and `jianfu replay` cover it with no special case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, OrgUnit, User, utcnow
from workflows.kernel import access, processes
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.commands import CommandResult, run_command
from workflows.kernel.errors import NotFoundError
from workflows.kernel.history import GENESIS
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import ADMIN_ACTION, CASE_STARTED, CaseState, EventDraft
from workflows.kernel.store import load_state

PROCESS = str(ProcessId.ADMINISTRATION)
Change = Callable[[Session], None]


def require_admin(actor: Actor) -> None:
    """Only administrators reach administration (everyone else gets 404)."""
    if actor.is_system or access.ADMIN not in actor.role_names():
        raise NotFoundError("no such page")


def title_of(year: int) -> str:
    return f"系统管理记录 {year}"


def _year(at: datetime) -> int:
    return WorkCalendar.local_date(at).year


def _root_unit(session: Session) -> int | None:
    return session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))
                          .order_by(OrgUnit.id).limit(1))


def _year_case(session: Session, actor: Actor, at: datetime) -> int:
    """The id of this year's administration case, started now if there is none yet."""
    title = title_of(_year(at))
    found = session.scalar(select(Case.id).where(Case.case_type == PROCESS, Case.title == title))
    if found is not None:
        return int(found)
    pv = processes.latest(session, PROCESS)
    scope = _root_unit(session)

    def load() -> tuple[Case, CaseState | None]:
        case = Case(case_type=PROCESS, status="new", title=title, version=0,
                    process_version_id=pv.id, scope_org_unit_id=scope, snapshot="",
                    data="{}", last_event_hash=GENESIS, created_by=actor.user_id,
                    created_at=at, updated_at=at)
        session.add(case)
        session.flush()
        return case, None

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        return EventDraft(CASE_STARTED, at=at, actor_id=actor.user_id, actor_role=access.ADMIN,
                          inputs={"data": {"title": title}, "scope_org_unit_id": scope,
                                  "title": title})

    return run_command(session, load=load, decide=decide).case_id


def record(
    session: Session,
    actor: Actor,
    action: str,
    target: dict[str, Any],
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    change: Change | None = None,
    now: datetime | None = None,
) -> CommandResult:
    """Make `change` and record it as one `admin_action` event, in one transaction.

    `action` names what was done ("unit.add", "user.disable", "role.grant"...), `target`
    what it touched ({"unit": code} / {"user": username}...), `before` and `after` the
    values it changed. The system actor (the CLI's first administrator, imports run from
    the command line) records as `system`.
    """
    at = now or utcnow()
    case_id = _year_case(session, actor, at)

    def load() -> tuple[Case, CaseState | None]:
        case = session.get(Case, case_id, populate_existing=True)
        if case is None:
            raise NotFoundError("no administration record")
        return case, load_state(session, case)

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        if change is not None:
            change(session)
            session.flush()
        moment = max(at, case.updated_at) if case.updated_at is not None else at
        return EventDraft(ADMIN_ACTION, at=moment, actor_id=actor.user_id,
                          actor_role=access.SYSTEM if actor.is_system else access.ADMIN,
                          inputs={"action": action, "target": target,
                                  "before": before or {}, "after": after or {}})

    return run_command(session, load=load, decide=decide)


@dataclass(frozen=True)
class AdminEvent:
    case_id: int
    seq: int
    at: datetime
    actor: str
    action: str
    target: dict[str, Any]
    before: dict[str, Any]
    after: dict[str, Any]


def events(session: Session, actor: Actor, *, action: str = "", page: int = 1,
           per_page: int = 50, target: dict[str, Any] | None = None
           ) -> tuple[list[AdminEvent], int]:
    """The administrators' actions, newest first, a page at a time; and how many there are.
    `target` keeps only the actions on it ({"unit": code}...)."""
    require_admin(actor)
    query = (select(CaseEvent, User.display_name)
             .join(Case, Case.id == CaseEvent.case_id)
             .outerjoin(User, User.id == CaseEvent.actor_id)
             .where(Case.case_type == PROCESS, CaseEvent.type == ADMIN_ACTION))
    rows = list(session.execute(query.order_by(CaseEvent.global_seq.desc())))
    found = [AdminEvent(ev.case_id, ev.seq, ev.at, name or "system", str(ev.inputs["action"]),
                        dict(ev.inputs.get("target") or {}), dict(ev.inputs.get("before") or {}),
                        dict(ev.inputs.get("after") or {}))
             for ev, name in rows if not action or str(ev.inputs["action"]).startswith(action)
             if target is None or ev.inputs.get("target") == target]
    start = (max(page, 1) - 1) * per_page
    return found[start:start + per_page], len(found)


def count(session: Session) -> int:
    return int(session.scalar(
        select(func.count()).select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
        .where(Case.case_type == PROCESS, CaseEvent.type == ADMIN_ACTION)) or 0)
