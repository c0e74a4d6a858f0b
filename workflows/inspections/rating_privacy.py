"""Village burden ratings, withheld from the department they judge.

Each village rates the burden an inspection put on it (`rate_burden`); the requesting
department may open its own case, but must not learn which village said what, or villages
would not rate honestly. Its clerks and head (anyone without a district, town or village
role) therefore see an inspection case without the ratings:

- every value under `RATING_KEYS` is dropped, wherever it stands (case data, event inputs,
  diffs, API payloads): the per-village list, the rating and the comment;
- `average_rating` too, unless at least `scorecards.MIN_RATERS` villages rated the case;
- a rating event names neither its actor nor its time nor its village (`anonymous_events`,
  `redact_event`: the multi-instance item `village` and the `lane_scopes` it sets are
  dropped from its diff), and the rating tasks carry no village (`redact_task`): an open
  rating task of one village would tell that the others have rated.

The department reads its ratings on its scorecard (`workflows.supervision.scorecards`), where they
are
pooled over its inspections and comments appear only from MIN_RATERS villages on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from models import CaseEvent
from workflows.inspections import ledger as village_ledger
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.ids import InspectionTask, ProcessId

INSPECTION = str(ProcessId.INSPECTION_REQUEST)
RATE = str(InspectionTask.RATE_BURDEN)
RATING_KEYS = frozenset({"village_ratings", "village_rating", "burden_rating",
                         "rating_comment"})
AVERAGE = "average_rating"
MIN_RATERS = 3  # also the scorecards' threshold for showing comments
# Who sees the ratings with the villages: the district offices, the towns and villages.
SEES_RATERS = village_ledger.DISTRICT_ROLES | {access.TOWN_OFFICIAL, access.VILLAGE_CADRE}


def withheld(actor: Actor, case_type: str) -> bool:
    """True when this actor sees this case without its village ratings."""
    return (case_type == INSPECTION and not actor.is_system
            and not actor.role_names() & SEES_RATERS)


def _drop(value: Any, keys: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: _drop(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list | tuple):
        return [_drop(v, keys) for v in value]
    return value


def redact(value: Any, raters: int) -> Any:
    """`value` (data, a diff, an event, a payload) without the ratings; the average stays
    when `raters` villages rated."""
    keys = RATING_KEYS if raters >= MIN_RATERS else RATING_KEYS | {AVERAGE}
    return _drop(value, keys)


def raters(events: Iterable[CaseEvent]) -> int:
    return sum(1 for e in events if e.type == "task_completed" and e.task_id == RATE)


def anonymous_events(events: Iterable[CaseEvent]) -> set[int]:
    """The seqs of the rating events, whose actor is not named."""
    return {e.seq for e in events if e.task_id == RATE}


# What a rating event's diff says of the village that rated (the multi-instance item and
# the lane scope of its task).
VILLAGE_KEYS = frozenset({"village", "lane_scopes"})


def redact_event(event: dict[str, Any]) -> dict[str, Any]:
    """A rating event (`presenters.event`'s keys) as the department sees it: no actor, no
    time, no task (its uuid would lead to the village's task), no village in the diff."""
    diff = dict(event.get("diff") or {})
    if isinstance(diff.get("data"), dict):
        diff["data"] = {k: v for k, v in diff["data"].items() if k not in VILLAGE_KEYS}
    return {**event, "actor_id": None, "at": None, "task_uuid": None, "diff": diff}


def redact_task(task: dict[str, Any]) -> dict[str, Any]:
    """A task (`TaskView.as_dict`'s keys) as the department sees it: a rating task names no
    village and no claimant."""
    if task.get("task_id") != RATE:
        return task
    return {**task, "scope_org_unit_id": None, "claimant_id": None}
