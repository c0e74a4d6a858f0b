"""Plain-data views of cases, tasks, inbox rows and events for the templates and the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from models import Case, CaseEvent
from workflows.complaints import staff as complaint_staff
from workflows.inspections import rating_privacy
from workflows.kernel.access import SUPERVISOR, Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.history import iso
from workflows.kernel.state import CaseState, TaskView

# Case data that is plumbing, not business content.
HIDDEN_DATA = frozenset(
    {
        "lane_scopes", "case_status",  # routing and the status row
        # complaint plumbing: the limits table and the 80 % warning moments
        "limits_by_category", "limits", "intake_warn", "correction_warn",
        "verification_warn", "return_visit_warn",
        # assessment item plumbing, shown by catalog/_panel.html instead
        "duplicate_check", "duplicate_matches", "current", "returns",
        # report form plumbing, shown by report_forms/_panel.html instead
        "field_check",
    }
)
# Who keeps the sealed originals of uploads and may open them (webapp/complaints/views.py).
ORIGINALS_CUSTODIAN = SUPERVISOR
# Task fields worth showing in a history entry.
SHOWN_TASK_FIELDS = ("state", "claimant_id", "due_at")


CHINA = timezone(timedelta(hours=8))
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def coarsen(value: Any) -> Any:
    """`value` with every moment (datetime or ISO string) cut to its local date in China:
    what staff outside intake see of a complaint (T2.2)."""
    if isinstance(value, datetime):
        return WorkCalendar.local_date(value).isoformat()
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return WorkCalendar.local_date(moment).isoformat()
    if isinstance(value, dict):
        return {k: coarsen(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [coarsen(v) for v in value]
    return value


def event(ev: CaseEvent) -> dict[str, Any]:
    return {
        "seq": ev.seq, "type": ev.type, "actor_id": ev.actor_id, "actor_role": ev.actor_role,
        "at": iso(ev.at), "task_uuid": ev.task_uuid, "task_id": ev.task_id,
        "inputs": ev.inputs, "diff": ev.diff,
    }


def case(c: Case, state: CaseState, events: list[CaseEvent]) -> dict[str, Any]:
    return {
        "id": c.id, "case_type": c.case_type, "title": c.title, "status": c.status,
        "version": c.version, "scope_org_unit_id": c.scope_org_unit_id,
        "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
        "data": {k: v for k, v in state.data.items() if k not in HIDDEN_DATA},
        "tasks": [t.as_dict() for t in sorted(state.tasks.values(), key=_task_order)],
        "events": [event(e) for e in events],
    }


def without_original_hashes(value: Any) -> Any:
    """`value` without the SHA-256 of any uploaded original (an attachment record carries it
    as `sha256` beside the staff copy's `scrubbed_sha256`): a unit that hashes the photos
    posted in its own WeChat group would find who complained. Only the custodian of the
    originals (区委督查办, who may open them) sees it."""
    if isinstance(value, dict):
        drop = "scrubbed_sha256" in value
        return {k: without_original_hashes(v) for k, v in value.items()
                if not (drop and k == "sha256")}
    if isinstance(value, list | tuple):
        return [without_original_hashes(v) for v in value]
    return value


def for_viewer(actor: Actor, case_type: str,
               events: list[CaseEvent]) -> Callable[[Any], Any]:
    """What a viewer sees of a case's values (data, diffs, payloads): moments cut to dates
    on complaints outside intake (T2.2), village ratings withheld from the department they
    judge (`workflows.inspections.rating_privacy`), originals' hashes only for their
    custodian (`without_original_hashes`)."""
    coarse = not complaint_staff.exact_times(actor, case_type)
    withheld = rating_privacy.withheld(actor, case_type)
    raters = rating_privacy.raters(events) if withheld else 0
    custodian = ORIGINALS_CUSTODIAN in actor.role_names()

    def shown(value: Any) -> Any:
        if coarse:
            value = coarsen(value)
        if withheld:
            value = rating_privacy.redact(value, raters)
        if not custodian:
            value = without_original_hashes(value)
        return value

    return shown


def anonymous_events(actor: Actor, case_type: str, events: list[CaseEvent]) -> set[int]:
    """The seqs of events whose actor this viewer is not told (a village's rating)."""
    if not rating_privacy.withheld(actor, case_type):
        return set()
    return rating_privacy.anonymous_events(events)


def case_for_viewer(actor: Actor, c: Case, state: CaseState,
                    events: list[CaseEvent]) -> dict[str, Any]:
    """`case` as this actor may see it (the API's case document)."""
    payload: dict[str, Any] = for_viewer(actor, c.case_type, events)(case(c, state, events))
    hidden = anonymous_events(actor, c.case_type, events)
    payload["events"] = [rating_privacy.redact_event(ev) if ev["seq"] in hidden else ev
                         for ev in payload["events"]]
    if rating_privacy.withheld(actor, c.case_type):
        payload["tasks"] = [rating_privacy.redact_task(t) for t in payload["tasks"]]
    return payload


@dataclass(frozen=True)
class HistoryEvent:
    """An event as templates/_history.html shows it to this viewer (`at` and `actor_id`
    are None where the viewer is not told them: a village's rating)."""

    seq: int
    type: str
    actor_id: int | None
    actor_role: str | None
    at: datetime | None
    task_id: str | None
    inputs: dict[str, Any]
    diff: dict[str, Any]


def history(actor: Actor, case_type: str, events: list[CaseEvent]) -> list[HistoryEvent]:
    """The events as this viewer may see them: values through `for_viewer`, a village's
    rating without actor, time or village (`rating_privacy.redact_event`)."""
    shown = for_viewer(actor, case_type, events)
    hidden = anonymous_events(actor, case_type, events)
    out = []
    for e in events:
        view = {"actor_id": e.actor_id, "at": e.at, "diff": shown(e.diff)}
        if e.seq in hidden:
            view = rating_privacy.redact_event(view)
        out.append(HistoryEvent(e.seq, e.type, view["actor_id"],
                                shown_role(e.type, e.actor_role), view["at"],
                                e.task_id, shown(e.inputs), view["diff"]))
    return out


def day_start(moment: datetime) -> datetime:
    """The start (00:00 China time, as UTC) of `moment`'s local day: a moment that tells
    the day and nothing finer, even in a page's machine-readable datetime attribute."""
    day = WorkCalendar.local_date(moment)
    return datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(UTC)


def tasks_for_viewer(actor: Actor, case_type: str, tasks: list[TaskView]) -> list[TaskView]:
    """Open tasks as this viewer may see them: their moments cut to the day on complaints
    outside intake (T2.2: a due time would bracket when the complainant filed); a
    village's rating task names no village for the department it judges."""
    if not complaint_staff.exact_times(actor, case_type):
        tasks = [replace(t, created_at=day_start(t.created_at),
                         due_at=day_start(t.due_at) if t.due_at else None) for t in tasks]
    if not rating_privacy.withheld(actor, case_type):
        return tasks
    return [replace(t, scope_org_unit_id=None, claimant_id=None)
            if t.task_id == rating_privacy.RATE else t for t in tasks]


def _task_order(task: TaskView) -> tuple[str, str]:
    return (iso(task.created_at), task.task_uuid)


def open_tasks(state: CaseState) -> list[TaskView]:
    return sorted((t for t in state.tasks.values() if t.state == "open"), key=_task_order)


@dataclass(frozen=True)
class Change:
    """One line of a history entry: `scope` is "" for case fields or a task name."""

    scope: str
    field: str
    old: Any
    new: Any


def changes(diff: dict[str, Any], state: CaseState) -> list[Change]:
    """The field-level diff of an event as display lines."""
    out: list[Change] = []
    status = diff.get("status")
    if isinstance(status, list) and len(status) == 2:
        out.append(Change("", "status", status[0], status[1]))
    for name, pair in sorted((diff.get("data") or {}).items()):
        if name not in HIDDEN_DATA and isinstance(pair, list) and len(pair) == 2:
            out.append(Change("", name, pair[0], pair[1]))
    for uuid, fields in (diff.get("tasks") or {}).items():
        task = state.tasks.get(uuid)
        label = task.name if task else uuid
        for name in SHOWN_TASK_FIELDS:
            pair = fields.get(name)
            if isinstance(pair, list) and len(pair) == 2 and pair[0] != pair[1]:
                out.append(Change(label, name, pair[0], pair[1]))
    return out


def task_names(state: CaseState) -> dict[str, str]:
    """The name of each task of the case by its id (受理审核 for intake), for the history."""
    return {t.task_id: t.name for t in state.tasks.values() if t.name}


# Events only a unit head may record on a task of another lane: the history names the head
# as the unit head, not by the task's lane (a reassignment is not the clerk's act).
HEAD_EVENTS = frozenset({"task_reassigned"})


def shown_role(event_type: str, role: str | None) -> str | None:
    return "unit_head" if event_type in HEAD_EVENTS else role


def user_ids(state: CaseState, events: list[CaseEvent]) -> set[int]:
    """Every user a case page names: event actors, claimants, and claimants in diffs."""
    ids = {e.actor_id for e in events if e.actor_id is not None}
    ids |= {t.claimant_id for t in state.tasks.values() if t.claimant_id is not None}
    for e in events:
        for fields in (e.diff.get("tasks") or {}).values():
            ids |= {v for v in fields.get("claimant_id", []) if isinstance(v, int)}
        ids |= {e.inputs[k] for k in ("user_id", "on_behalf_of")
                if isinstance(e.inputs.get(k), int)}
    return ids
