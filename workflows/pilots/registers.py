"""The registers of measures 7 and 8, read from the case rows the command cycle maintains
(docs/pilots.md): each town's five-year-plan check and the innovation practices. Both are
visible to all staff (`may_read`); nothing here writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Attachment, Case, CaseEvent, User
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError
from workflows.kernel.ids import PlanCheckTask, PracticeTask
from workflows.kernel.state import TASK_COMPLETED
from workflows.pilots.forms import PLAN_CHECK, PRACTICE
from workflows.pilots.towns import DEMONSTRATION_TOWNS, towns

# Plan status of a town: no check yet; reported and waiting; returned to the town; checked.
NOT_REPORTED = "not_reported"
PLAN_STATES = (NOT_REPORTED, "submitted", "returned", "confirmed")


def may_read(actor: Actor) -> bool:
    """Every member of staff (anyone holding a role) reads the registers."""
    return not actor.is_system and bool(actor.role_names())


def require_reader(actor: Actor) -> None:
    if not may_read(actor):
        raise NotFoundError("no such page")


@dataclass(frozen=True)
class Decision:
    at: datetime
    by: str
    decision: str
    comment: str


@dataclass(frozen=True)
class TownPlan:
    town_id: int
    town: str
    demonstration: bool
    case_id: int | None
    status: str  # PLAN_STATES
    plan_title: str = ""
    names_burden_reduction: bool | None = None
    section_reference: str = ""
    excerpt: str = ""
    files: int = 0
    checked: Decision | None = None

    @property
    def named_and_confirmed(self) -> bool:
        return self.status == "confirmed" and bool(self.names_burden_reduction)


@dataclass(frozen=True)
class Practice:
    case_id: int
    title: str
    town_id: int | None
    town: str
    tried: str
    results: str
    evidence: str
    files: int
    status: str  # registered, adopted, noted
    recorded_at: datetime
    decided: Decision | None


def _data(case: Case) -> dict[str, Any]:
    loaded = json.loads(case.data or "{}")
    return loaded if isinstance(loaded, dict) else {}


def _files(session: Session, case_ids: list[int]) -> dict[int, int]:
    if not case_ids:
        return {}
    return {int(cid): int(n) for cid, n in session.execute(
        select(Attachment.case_id, func.count()).where(Attachment.case_id.in_(case_ids))
        .group_by(Attachment.case_id))}


def _decisions(session: Session, case_ids: list[int], task_id: str,
               field: str) -> dict[int, Decision]:
    """The last completion of `task_id` of each case: when, by whom, what."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.at, CaseEvent.inputs, User.display_name)
        .outerjoin(User, User.id == CaseEvent.actor_id)
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.type == TASK_COMPLETED,
               CaseEvent.task_id == task_id)
        .order_by(CaseEvent.case_id, CaseEvent.seq))
    out: dict[int, Decision] = {}
    for cid, at, inputs, name in rows:
        form = (inputs or {}).get("data") or {}
        out[int(cid)] = Decision(at, name or "", str(form.get(field) or ""),
                                 str(form.get("comment") or ""))
    return out


def town_plans(session: Session, actor: Actor) -> list[TownPlan]:
    """Every town with the state of its latest five-year-plan check."""
    require_reader(actor)
    latest: dict[int, Case] = {}
    for row in session.scalars(select(Case).where(Case.case_type == PLAN_CHECK)
                               .order_by(Case.id)):
        if row.scope_org_unit_id is not None:
            latest[row.scope_org_unit_id] = row
    ids = [c.id for c in latest.values()]
    files = _files(session, ids)
    checks = _decisions(session, ids, PlanCheckTask.CHECK_PLAN, "plan_decision")
    out = []
    for town in towns(session):
        case = latest.get(town.id)
        demo = town.name in DEMONSTRATION_TOWNS
        if case is None:
            out.append(TownPlan(town.id, town.name, demo, None, NOT_REPORTED))
            continue
        data = _data(case)
        status = case.status if case.status in PLAN_STATES else "submitted"
        check = checks.get(case.id)
        out.append(TownPlan(
            town.id, town.name, demo, case.id, status, case.title,
            bool(data.get("names_burden_reduction")),
            str(data.get("section_reference") or ""), str(data.get("excerpt") or ""),
            files.get(case.id, 0), check if status == "confirmed" else None))
    return out


def town_plan(session: Session, actor: Actor, town_id: int) -> TownPlan:
    for plan in town_plans(session, actor):
        if plan.town_id == town_id:
            return plan
    raise NotFoundError("no such town")


def practices(session: Session, actor: Actor, town_id: int | None = None,
              status: str = "") -> list[Practice]:
    """The innovation practices, newest first (of one town, or in one status)."""
    require_reader(actor)
    query = select(Case).where(Case.case_type == PRACTICE).order_by(Case.id.desc())
    if town_id is not None:
        query = query.where(Case.scope_org_unit_id == town_id)
    if status:
        query = query.where(Case.status == status)
    cases = list(session.scalars(query))
    names = {t.id: t.name for t in towns(session)}
    ids = [c.id for c in cases]
    files = _files(session, ids)
    reviews = _decisions(session, ids, PracticeTask.REVIEW_PRACTICE, "practice_decision")
    out = []
    for case in cases:
        data = _data(case)
        out.append(Practice(
            case.id, case.title, case.scope_org_unit_id,
            names.get(case.scope_org_unit_id or 0, ""),
            str(data.get("tried") or ""), str(data.get("results") or ""),
            str(data.get("evidence") or ""), files.get(case.id, 0), case.status,
            case.created_at, reviews.get(case.id)))
    return out
