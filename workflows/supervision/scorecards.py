"""Department scorecards (issue 6: the villages' reverse evaluation of the departments),
folded from the case events like the supervision dashboard and from the same fold: the
dashboard's own definitions give the counts (`workflows.supervision.dashboard`, `dashboard_burden`),
and the same folded cases give the rest (docs/inspections.md, "Department scorecards").

Per district department:

- inspections it requested: requested, approved (ever scheduled), rejected, merged, in
  progress (the dashboard's `inspections.*` at `unit:<id>@all`); village visits,
  people-days on site and materials demanded of the villages (`village_ledger`: the
  recorded outcome, else the approved plan);
- meetings it asked villages to attend: requested, queued, urgent (approved), the hours of
  its items in the sessions (the dashboard's `meetings.hours`) and the village-hours (each
  village's hours summed: what the villages actually sat through);
- the villages' burden ratings of its inspections (1 hardly any .. 5 heavy): each with its
  village, inspection, time and comment;
- complaints for which it was the responsible unit (the dashboard's `complaints.*`).

Who sees what: 区委农办, 区委督查办, auditors and administrators every department, with the
villages beside their ratings. A department's own clerks and head see only their own card,
redacted (`redact`): no village, inspection or time beside a rating; the values (average,
distribution) and the comments, in no particular order, only once at least `MIN_RATERS`
villages have rated. Anyone else: 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgKind, OrgUnit, utcnow
from workflows.inspections import bundler as meeting_bundler
from workflows.inspections import ledger as village_ledger
from workflows.inspections import rating_privacy
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.kernel.event_fold import FoldedCase, fold_all
from workflows.kernel.ids import InspectionTask
from workflows.supervision import dashboard, dashboard_burden
from workflows.supervision.dashboard import ALL, Dashboard, Rate

# Roles that see every department's card with the villages' names.
FULL_ROLES = village_ledger.DISTRICT_ROLES
# Roles of a department that see its own card (redacted).
OWN_ROLES = frozenset({access.CLERK, access.UNIT_HEAD})
# Comments reach the department only once this many villages have rated it.
MIN_RATERS = rating_privacy.MIN_RATERS
RATE = str(InspectionTask.RATE_BURDEN)
SORTS = ("average", "ratings", "requested", "approved", "people_days", "materials",
         "meeting_hours", "village_hours", "complaints", "closed_on_time", "name")


@dataclass(frozen=True)
class Rating:
    """One village's burden rating of one inspection. In a department's own view only
    `rating` and (when shown) `comment` are kept."""

    rating: int
    comment: str
    village_id: int | None = None
    village_name: str = ""
    case_id: int | None = None
    title: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class InspectionLine:
    case_id: int
    title: str
    status: str
    villages: int
    visits: int
    people_days: int
    materials: int
    recorded: bool  # figures as recorded after the visit (else as planned)


@dataclass
class Scorecard:
    unit_id: int
    name: str
    path: str
    requested: int = 0
    approved: int = 0
    rejected: int = 0
    merged: int = 0
    in_progress: int = 0
    visits: int = 0
    people_days: int = 0
    materials: int = 0
    meetings_requested: int = 0
    meetings_queued: int = 0
    meetings_urgent: int = 0
    meeting_hours: float = 0.0
    village_hours: float = 0.0
    complaints: int = 0
    complaints_closed: int = 0
    closed_on_time: int = 0
    open_overdue: int = 0
    on_time_base: int = 0
    ratings: list[Rating] = field(default_factory=list)
    inspections: list[InspectionLine] = field(default_factory=list)
    # False on a department's own (redacted) card.
    named: bool = True
    # Distinct villages that rated (kept on the redacted card: it decides the comments).
    raters: int = 0

    @property
    def rating_count(self) -> int:
        return len(self.ratings)

    @property
    def figures_shown(self) -> bool:
        """Whether the viewer may read the ratings' values (average, distribution): the
        district always, the department itself only from `MIN_RATERS` villages on (below,
        the average of one village is that village's rating)."""
        return self.named or self.raters >= MIN_RATERS

    @property
    def valued(self) -> list[Rating]:
        """The ratings whose value the viewer may read (a department's withheld are 0)."""
        return [r for r in self.ratings if r.rating] if self.figures_shown else []

    @property
    def average(self) -> float | None:
        valued = self.valued
        return sum(r.rating for r in valued) / len(valued) if valued else None

    @property
    def average_text(self) -> str:
        value = self.average
        return "—" if value is None else f"{value:.2f}"

    @property
    def distribution(self) -> dict[int, int]:
        """Ratings per value 1..5; empty when the viewer may not read the values."""
        if not self.figures_shown:
            return {}
        out = dict.fromkeys(range(1, 6), 0)
        for r in self.valued:
            out[r.rating] = out.get(r.rating, 0) + 1
        return out

    @property
    def comments_shown(self) -> bool:
        return self.figures_shown

    @property
    def comments(self) -> list[Rating]:
        """The ratings with a comment, when the viewer may read them."""
        if not self.comments_shown:
            return []
        return [r for r in self.valued if r.comment.strip()]

    @property
    def on_time(self) -> Rate:
        return Rate(self.closed_on_time, self.on_time_base)


def _departments(session: Session) -> list[OrgUnit]:
    return list(session.scalars(select(OrgUnit).where(
        OrgUnit.kind == OrgKind.DEPARTMENT.value).order_by(OrgUnit.path)))


def scope(session: Session, actor: Actor) -> tuple[bool, set[int]]:
    """(whether the actor sees every card unredacted, the departments whose card it sees);
    NotFoundError for anyone who sees none."""
    departments = _departments(session)
    if actor.is_system or actor.role_names() & FULL_ROLES:
        return True, {d.id for d in departments}
    own = {d.id for d in departments
           if any(r in OWN_ROLES and d.path.startswith(p) for r, _, p in actor.roles)}
    if not own:
        raise NotFoundError("no such page")
    return False, own


def may_see(session: Session, actor: Actor) -> bool:
    try:
        scope(session, actor)
    except NotFoundError:
        return False
    return True


def _village_of(case: FoldedCase, task_uuid: str) -> int | None:
    task = case.tasks.get(task_uuid)
    return task.scope_org_unit_id if task is not None else None


def _inspection(card: Scorecard, case: FoldedCase, names: dict[int, str]) -> None:
    entries = village_ledger.inspection_entries(case)
    villages = {int(v["unit_id"]) for v in case.data.get("villages") or []
                if isinstance(v, dict)}
    line = InspectionLine(case.case_id, case.title, case.status, len(villages), len(entries),
                          sum(e.people * e.days for e in entries),
                          sum(e.materials for e in entries),
                          any(e.actual for e in entries))
    card.inspections.append(line)
    card.visits += line.visits
    card.people_days += line.people_days
    card.materials += line.materials
    for done in case.completions:
        if done.task_id != RATE:
            continue
        village = _village_of(case, done.task_uuid)
        card.ratings.append(Rating(
            int(done.data.get("burden_rating") or 0), str(done.data.get("rating_comment") or ""),
            village, names.get(village, "") if village is not None else "", case.case_id,
            case.title, done.at))


def _from_board(card: Scorecard, board: Dashboard) -> None:
    k = dashboard.key("unit", card.unit_id, ALL)
    count = board.count
    card.requested = count("inspections.requested", k)
    card.approved = count("inspections.approved", k)
    card.rejected = count("inspections.rejected", k)
    card.merged = count("inspections.merged", k)
    card.in_progress = count("inspections.in_progress", k)
    card.meetings_requested = count("meetings.requested", k)
    card.meetings_queued = count("meetings.queued", k)
    card.meetings_urgent = count("meetings.urgent", k)
    card.meeting_hours = board.amount("meetings.hours", k)
    card.complaints = count("complaints.filed", k)
    card.complaints_closed = count("complaints.closed", k)
    card.closed_on_time = count("complaints.closed_on_time", k)
    card.open_overdue = count("complaints.open_overdue", k)
    card.on_time_base = count("complaints.on_time_base", k)


def build(session: Session, as_of: datetime | None = None) -> tuple[Dashboard, list[Scorecard]]:
    """Every department's card (unredacted) and the dashboard figures they rest on, as the
    events up to `as_of` (default now) leave every case. No permission check."""
    as_of = as_of or utcnow()
    folded = fold_all(session, as_of=as_of, case_types=[
        dashboard.COMPLAINT, dashboard.INSPECTION, dashboard.MEETING])
    by_type: dict[str, list[FoldedCase]] = {}
    for case in folded.values():
        if case.started_at is not None:
            by_type.setdefault(case.case_type, []).append(case)
    board = Dashboard(as_of)
    for case in by_type.get(dashboard.COMPLAINT, []):
        dashboard._complaint(board, case)
    inspections = by_type.get(dashboard.INSPECTION, [])
    meetings = by_type.get(dashboard.MEETING, [])
    dashboard_burden.fold(board, inspections, meetings)
    names = meeting_bundler.unit_names(session)
    cards = {d.id: Scorecard(d.id, d.name, d.path) for d in _departments(session)}
    for card in cards.values():
        _from_board(card, board)
    for case in sorted(inspections, key=lambda c: c.case_id):
        if (owner := cards.get(case.scope_org_unit_id or 0)) is not None:
            _inspection(owner, case, names)
    requests = [r for c in meetings if (r := meeting_bundler.request_of(c)) is not None]
    for sitting in meeting_bundler.bundle(requests):
        for item in sitting.agenda:
            if (owner := cards.get(item.owner_unit_id or 0)) is not None:
                owner.village_hours += item.hours * len(item.village_ids)
    for card in cards.values():
        card.raters = len({r.village_id for r in card.ratings if r.village_id is not None})
    return board, list(cards.values())


def released_cases(card: Scorecard) -> set[int]:
    """The inspections whose ratings a department's card may count: rating finished (the
    case closed: its average is then on the case page) by at least `MIN_RATERS` villages.
    Values enter the card only whole cases at a time, so that neither another case's
    average nor the card as it was before gives one village's rating away by difference."""
    closed = {line.case_id for line in card.inspections if line.status == "closed"}
    villages: dict[int, set[int]] = {}
    for r in card.ratings:
        if r.case_id is not None and r.village_id is not None:
            villages.setdefault(r.case_id, set()).add(r.village_id)
    return {c for c, v in villages.items() if c in closed and len(v) >= MIN_RATERS}


def redact(card: Scorecard) -> Scorecard:
    """A department's own view of its card: ratings without village, inspection or time,
    in no meaningful order; values and comments only of `released_cases` and only once
    `MIN_RATERS` villages have rated those (the others count, with the value 0 = withheld)."""
    released = released_cases(card)
    kept = [r for r in card.ratings if r.case_id in released]
    raters = len({r.village_id for r in kept})
    shown = raters >= MIN_RATERS
    ratings = sorted((Rating(r.rating, r.comment) if shown and r.case_id in released
                      else Rating(0, "") for r in card.ratings),
                     key=lambda r: (r.rating, r.comment))
    return replace(card, ratings=ratings, named=False, raters=raters)


@dataclass(frozen=True)
class Scorecards:
    """The cards an actor may see (redacted unless `full`), and the dashboard behind them."""

    full: bool
    cards: list[Scorecard]
    board: Dashboard


def for_actor(session: Session, actor: Actor, as_of: datetime | None = None,
              unit_id: int | None = None) -> Scorecards:
    """The cards the actor may see (just `unit_id`'s, NotFoundError when it may not)."""
    full, visible = scope(session, actor)
    if unit_id is not None:
        if unit_id not in visible:
            raise NotFoundError("no such department")
        visible = {unit_id}
    board, cards = build(session, as_of)
    mine = [c for c in cards if c.unit_id in visible]
    return Scorecards(full, mine if full else [redact(c) for c in mine], board)


def sort_cards(cards: list[Scorecard], by: str) -> list[Scorecard]:
    """Heaviest first (an average: unrated departments last); by name in the org tree's
    order."""
    if by not in SORTS:
        raise ValidationFailedError({"sort": [f"one of {', '.join(SORTS)}"]})
    if by == "name":
        return sorted(cards, key=lambda c: c.path)
    if by == "average":
        return sorted(cards, key=lambda c: (c.average is None, -(c.average or 0), c.path))
    if by == "ratings":
        return sorted(cards, key=lambda c: (-c.rating_count, c.path))
    if by == "complaints":
        return sorted(cards, key=lambda c: (-c.complaints, c.path))
    return sorted(cards, key=lambda c: (-float(getattr(c, by)), c.path))
