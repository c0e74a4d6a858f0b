"""Sampling for supervision (区委督查办): draw a random sample of closed cases with a seed and
start one supervision review (bpmn/supervision_review.bpmn) per sampled case.

The draw is reproducible from what it records (docs/supervision.md): every review case's
`case_started` event holds the draw — its seed, the time it was drawn (`as_of`), the case
types, the population (the ids of the closed cases it drew from), the population's hash,
the size and the cases drawn. The selection is a pure function of seed and population:
each case id is ranked by SHA-256(seed, NUL, id) and the `size` lowest ranks are drawn, so
anyone can repeat it from the event with no database (`select`), and `verify_draw` also
recomputes the population from the case events as of the draw.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, OrgUnit, utcnow
from workflows.kernel import access, forms, processes
from workflows.kernel.access import Actor
from workflows.kernel.commands import CommandResult, Idempotency, run_command
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.kernel.event_fold import FoldedCase, fold_all
from workflows.kernel.history import GENESIS, canonical, iso, sha256
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import CASE_STARTED, CaseState, EventDraft
from workflows.supervision.forms import SAMPLED_TYPES, SEED_CHARS

REVIEW = str(ProcessId.SUPERVISION_REVIEW)
SUPERVISION_OFFICE_CODE = "qwdcb"  # 区委督查办
# What "closed" means for each sampled case type (the case's status after its last event).
CLOSED: dict[str, frozenset[str]] = {
    str(ProcessId.BURDEN_COMPLAINT): frozenset({"closed"}),
    str(ProcessId.REPORT_FORM_APPROVAL): frozenset({"published", "rejected"}),
}
MAX_SAMPLE = 200
SEED = re.compile(r"^[0-9A-Za-z_.:-]{1,64}$")


def require_supervisor(actor: Actor) -> None:
    """Only 区委督查办 draws samples and reads the draws (others get 404)."""
    if actor.is_system or access.SUPERVISOR not in actor.role_names():
        raise NotFoundError("no such page")


# ------------------------------------------------------------------ the pure draw


def rank(seed: str, case_id: int) -> str:
    """The rank of a case in a draw with `seed` (lowest ranks are drawn)."""
    return hashlib.sha256(f"{seed}\0{case_id}".encode()).hexdigest()


def select_sample(seed: str, population: Iterable[int], size: int) -> list[int]:
    """The cases a draw with `seed` takes from `population`, in rank order."""
    return sorted(set(population), key=lambda cid: (rank(seed, cid), cid))[:size]


def population_hash(population: Iterable[int]) -> str:
    return sha256(canonical(sorted(set(population))))


def draw_id(seed: str, as_of: str, pop_hash: str, size: int) -> str:
    return sha256(canonical({"seed": seed, "as_of": as_of, "population": pop_hash,
                             "size": size}))[:16]


# ------------------------------------------------------------------ the population


def _reviewed(reviews: Iterable[FoldedCase], before: datetime) -> set[int]:
    return {int(r.data["sampled_case_id"]) for r in reviews
            if isinstance(r.data.get("sampled_case_id"), int)
            and r.started_at is not None and r.started_at < before}


def population(session: Session, as_of: datetime, case_types: Sequence[str]) -> list[int]:
    """Ids of the cases of `case_types` closed as of `as_of` (from their events), without
    the cases that reviews started before `as_of` (by earlier draws) already cover."""
    folded = fold_all(session, as_of=as_of, case_types=[*case_types, REVIEW])
    reviewed = _reviewed((c for c in folded.values() if c.case_type == REVIEW), as_of)
    return sorted(
        c.case_id for c in folded.values()
        if c.case_type in case_types and c.status in CLOSED.get(c.case_type, frozenset())
        and c.case_id not in reviewed
    )


def _responsible_unit(case: FoldedCase) -> int | None:
    """The unit that answers for a sampled case: a complaint's responsible unit, a report
    form's requesting unit."""
    scopes = case.data.get("lane_scopes")
    if case.case_type == str(ProcessId.BURDEN_COMPLAINT) and isinstance(scopes, dict):
        unit = scopes.get("clerk")
        return int(unit) if isinstance(unit, int) else None
    return case.scope_org_unit_id


# ------------------------------------------------------------------ drawing


@dataclass(frozen=True)
class Draw:
    draw_id: str
    seed: str
    size: int
    as_of: datetime
    case_types: tuple[str, ...]
    population: tuple[int, ...]
    drawn: tuple[int, ...]
    drawn_by: int | None
    # sampled case id -> its review case id
    reviews: dict[int, int] = field(default_factory=dict)


def _check_request(size: int, seed: str | None, case_types: Sequence[str]) -> None:
    errors: dict[str, list[str]] = {}
    if not 1 <= size <= MAX_SAMPLE:
        errors["size"] = [f"between 1 and {MAX_SAMPLE}"]
    if seed is not None and not SEED.match(seed):
        errors["seed"] = [f"1 to {SEED_CHARS} letters, digits or _ . : -"]
    if not case_types or not set(case_types) <= set(SAMPLED_TYPES):
        errors["case_types"] = ["choose complaints, report forms or both"]
    if errors:
        raise ValidationFailedError(errors)


def _office(session: Session) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == SUPERVISION_OFFICE_CODE))
    if unit is None:
        raise NotFoundError(f"org unit {SUPERVISION_OFFICE_CODE} is not configured")
    return unit


def draw(
    session: Session,
    actor: Actor,
    *,
    size: int,
    seed: str | None = None,
    case_types: Sequence[str] = SAMPLED_TYPES,
    now: datetime | None = None,
) -> Draw:
    """Draw `size` closed cases (fewer when fewer are closed) and start a review for each.
    Without a seed, one is generated; either way it is recorded in every review's start.

    :raise NotFoundError: the actor is not in the supervision office
    :raise ValidationFailedError: bad size, seed or case types, or nothing to draw from
    """
    require_supervisor(actor)
    case_types = tuple(sorted(set(case_types)))
    _check_request(size, seed, case_types)
    as_of = now or utcnow()
    seed = seed or secrets.token_hex(16)
    pool = population(session, as_of, case_types)
    session.rollback()
    if not pool:
        raise ValidationFailedError({"size": ["there is no closed case to draw from"]})
    size = min(size, len(pool))
    drawn = select_sample(seed, pool, size)
    pop_hash = population_hash(pool)
    record: dict[str, Any] = {
        "draw_id": draw_id(seed, iso(as_of), pop_hash, size), "seed": seed, "size": size,
        "as_of": iso(as_of), "case_types": list(case_types), "population": pool,
        "population_hash": pop_hash, "drawn": drawn, "drawn_by": actor.user_id,
    }
    sampled = fold_all(session, case_ids=drawn)
    session.rollback()
    reviews = {}
    for case_id in drawn:
        result = _start_review(session, actor, sampled[case_id], record, as_of)
        reviews[case_id] = result.case_id
    return Draw(record["draw_id"], seed, size, as_of, case_types, tuple(pool), tuple(drawn),
                actor.user_id, reviews)


def _start_review(
    session: Session, actor: Actor, sampled: FoldedCase, record: dict[str, Any],
    at: datetime,
) -> CommandResult:
    office = _office(session)
    pv = processes.latest(session, REVIEW)
    fields = {
        "sampled_case_id": sampled.case_id, "sampled_case_type": sampled.case_type,
        "sampled_title": sampled.title[:300], "responsible_unit_id": _responsible_unit(sampled),
        "draw": record,
    }
    data = forms.validate_start(REVIEW, fields)
    data["lane_scopes"] = {access.SUPERVISOR: office.id, access.CLERK: None}
    title = f"督查复查 #{sampled.case_id}：{sampled.title}"[:300]

    def load() -> tuple[Case, CaseState | None]:
        case = Case(
            case_type=REVIEW, status="new", title=title, version=0,
            process_version_id=pv.id, scope_org_unit_id=office.id, snapshot="", data="{}",
            last_event_hash=GENESIS, created_by=actor.user_id, created_at=at, updated_at=at,
        )
        session.add(case)
        session.flush()
        return case, None

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        return EventDraft(
            CASE_STARTED, at=at, actor_id=actor.user_id, actor_role=access.SUPERVISOR,
            inputs={"data": data, "scope_org_unit_id": office.id, "title": title},
        )

    # A draw re-run after a crash (same seed, time and population) starts no review twice.
    key = Idempotency(f"draw:{record['draw_id']}", str(sampled.case_id), fields)
    return run_command(session, load=load, decide=decide, idempotency=key)


# ------------------------------------------------------------------ reading and checking


@dataclass
class DrawSummary:
    draw_id: str
    seed: str
    size: int
    as_of: datetime
    case_types: list[str]
    population: list[int]
    drawn: list[int]
    drawn_by: int | None
    # review case id -> (sampled case id, review status)
    reviews: dict[int, tuple[int, str]] = field(default_factory=dict)


def _summaries(reviews: Iterable[FoldedCase]) -> dict[str, DrawSummary]:
    out: dict[str, DrawSummary] = {}
    for review in sorted(reviews, key=lambda r: r.case_id):
        rec = review.data.get("draw")
        if not isinstance(rec, dict):
            continue
        summary = out.get(rec["draw_id"])
        if summary is None:
            summary = out[rec["draw_id"]] = DrawSummary(
                rec["draw_id"], rec["seed"], int(rec["size"]),
                datetime.fromisoformat(rec["as_of"]), list(rec["case_types"]),
                list(rec["population"]), list(rec["drawn"]), rec.get("drawn_by"))
        summary.reviews[review.case_id] = (int(review.data["sampled_case_id"]), review.status)
    return out


def draws(session: Session, actor: Actor) -> list[DrawSummary]:
    """Every draw, newest first, with its reviews and where they stand (from the events)."""
    require_supervisor(actor)
    folded = fold_all(session, case_types=[REVIEW])
    return sorted(_summaries(folded.values()).values(), key=lambda d: d.as_of, reverse=True)


@dataclass
class DrawCheck:
    draw_id: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_draw(session: Session, actor: Actor, wanted: str) -> DrawCheck:
    """Repeat a draw from its recorded seed and population, and recompute the population
    from the case events as of the draw; every difference is a problem."""
    require_supervisor(actor)
    check = DrawCheck(wanted)
    folded = fold_all(session, case_types=[REVIEW])
    mine = [r for r in folded.values() if (r.data.get("draw") or {}).get("draw_id") == wanted]
    if not mine:
        raise NotFoundError("no such draw")
    records = {canonical(r.data["draw"]) for r in mine}
    if len(records) != 1:
        check.problems.append("the reviews of this draw record different draws")
    summary = _summaries(mine)[wanted]
    if population_hash(summary.population) != mine[0].data["draw"]["population_hash"]:
        check.problems.append("the recorded population does not match its hash")
    again = select_sample(summary.seed, summary.population, summary.size)
    if again != summary.drawn:
        check.problems.append(f"the seed and population draw {again}, the record says "
                              f"{summary.drawn}")
    sampled = sorted(s for s, _ in summary.reviews.values())
    if sampled != sorted(summary.drawn):
        check.problems.append(f"reviews exist for {sampled}, the draw took {summary.drawn}")
    recomputed = population(session, summary.as_of, summary.case_types)
    if recomputed != sorted(summary.population):
        missing = sorted(set(recomputed) - set(summary.population))
        extra = sorted(set(summary.population) - set(recomputed))
        check.problems.append(f"the population recomputed from the events differs: "
                              f"missing {missing}, not closed then {extra}")
    if draw_id(summary.seed, iso(summary.as_of), population_hash(summary.population),
               summary.size) != wanted:
        check.problems.append("the draw id does not match its seed, time and population")
    session.rollback()
    return check
