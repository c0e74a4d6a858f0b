"""What auditors read: a case's history with who acted in which role and unit, the case as
of any event (time travel by replaying the recorded events), and the replay certificate
(the pinned process version, the form schemas by content hash, the event count, the final
hash and whether replay reproduces every decision and deadline)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, OrgUnit, ProcessVersion, RoleAssignment, User, utcnow
from workflows.kernel import forms, processes, replay
from workflows.kernel.access import Actor, require_auditor
from workflows.kernel.errors import CaseError, NotFoundError
from workflows.kernel.state import TASK_COMPLETED, CaseState, apply_event
from workflows.kernel.store import case_events, draft_of, load_calendar


@dataclass(frozen=True)
class HistoryRow:
    seq: int
    type: str
    at: datetime
    actor: str
    role: str
    units: list[str]
    task_id: str
    inputs: dict[str, Any]
    diff: dict[str, Any]
    hash: str


def _units_by_role(session: Session, user_ids: set[int]) -> dict[tuple[int, str], list[str]]:
    rows = session.execute(
        select(RoleAssignment.user_id, RoleAssignment.role, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.user_id.in_(user_ids))
    )
    out: dict[tuple[int, str], list[str]] = {}
    for uid, role, name in rows:
        out.setdefault((uid, role), []).append(name)
    return out


def history(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    event_type: str | None = None,
    actor_id: int | None = None,
) -> tuple[Case, list[HistoryRow], list[tuple[str, int]]]:
    """The case, its events (optionally filtered) and the cases related to it."""
    require_auditor(actor)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("no such case")
    events = case_events(session, case_id)
    ids = {e.actor_id for e in events if e.actor_id is not None}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
    units = _units_by_role(session, ids)
    rows = [
        HistoryRow(
            e.seq, e.type, e.at,
            str(names.get(e.actor_id, e.actor_id)) if e.actor_id else "",
            e.actor_role or "",
            units.get((e.actor_id, e.actor_role or ""), []) if e.actor_id else [],
            e.task_id or "", dict(e.inputs), dict(e.diff), e.hash,
        )
        for e in events
        if (event_type is None or e.type == event_type)
        and (actor_id is None or e.actor_id == actor_id)
    ]
    return case, rows, related(session, case)


def related(session: Session, case: Case) -> list[tuple[str, int]]:
    """Links to merged and duplicate cases: ("merged_into", id) and ("merged_from", id)."""
    data = json.loads(case.data or "{}")
    out: list[tuple[str, int]] = []
    if isinstance(data.get("merged_into"), int):
        out.append(("merged_into", data["merged_into"]))
    for other_id, other_data in session.execute(
        select(Case.id, Case.data).where(Case.case_type == case.case_type, Case.id != case.id)
    ):
        if json.loads(other_data or "{}").get("merged_into") == case.id:
            out.append(("merged_from", other_id))
    return out


def state_at(session: Session, actor: Actor, case_id: int, seq: int) -> tuple[Case, CaseState,
                                                                                  int]:
    """The case as it was right after event `seq` (replayed, not read from projections);
    also returns the number of events."""
    require_auditor(actor)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("no such case")
    events = case_events(session, case_id)
    if not events:
        raise NotFoundError("the case has no events")
    seq = max(1, min(seq, len(events)))
    defn = processes.definition(session, case.process_version_id)
    state: CaseState | None = None
    for ev in events[:seq]:
        state, _ = apply_event(defn, case.id, ev.seq, state, draft_of(ev),
                               load_calendar(session, ev.at))
    assert state is not None
    return case, state, len(events)


@dataclass
class Certificate:
    case_id: int
    case_type: str
    process_id: str
    process_version: int
    process_hash: str
    # task id -> (schema hash recorded in the events, schema hash of the code now)
    schemas: dict[str, tuple[str, str]] = field(default_factory=dict)
    events: int = 0
    final_hash: str = ""
    differences: list[str] = field(default_factory=list)
    issued_at: datetime = field(default_factory=utcnow)

    @property
    def ok(self) -> bool:
        return not self.differences


def certificate(session: Session, actor: Actor, case_id: int) -> Certificate:
    """Replay the case on its pinned version and compare everything it decided."""
    require_auditor(actor)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("no such case")
    pv = session.get(ProcessVersion, case.process_version_id)
    assert pv is not None
    cert = Certificate(case.id, case.case_type, pv.process_id, pv.version, pv.content_hash)
    if processes.content_hash(dict(pv.sources)) != pv.content_hash:
        cert.differences.append(
            "the stored process version (BPMN/DMN) does not match its content hash: "
            "it was changed after deployment")
    report = replay.replay_case(session, case_id)
    cert.events, cert.final_hash = report.events, report.final_hash
    cert.differences.extend(report.differences)
    if case.last_event_hash != report.final_hash:
        cert.differences.append("the case's last event hash differs from its history")
    _check_forms(session, case, cert)
    return cert


def form_fields(process_id: str, task_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The recorded data of a completion as the form took it: without what the command
    computed and added (`workflows.kernel.registry`, e.g. an inspection's check facts)."""
    data = dict(inputs.get("data") or {})
    schema = forms.form_schema(process_id, task_id)
    if schema is None:
        return data
    names = {f.data_key or name for name, f in schema._declared_fields.items()}
    return {k: v for k, v in data.items() if k in names}


def _check_forms(session: Session, case: Case, cert: Certificate) -> None:
    """Each recorded task input must still pass the form it was validated with: the schema
    hash recorded in the event must be the code's, and the recorded data must load."""
    for ev in session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.type == TASK_COMPLETED)
            .order_by(CaseEvent.seq)):
        task_id = ev.task_id or ""
        now = forms.schema_hash(case.case_type, task_id) or ""
        recorded = str(ev.inputs.get("schema", ""))
        cert.schemas.setdefault(task_id, (recorded, now))
        if recorded and recorded != now:
            cert.differences.append(
                f"event {ev.seq}: the form of {task_id} changed since it was used "
                f"({recorded[:12]} then, {now[:12]} now)")
            continue
        try:
            forms.validate_task(case.case_type, task_id,
                                form_fields(case.case_type, task_id, ev.inputs))
        except CaseError as err:
            cert.differences.append(f"event {ev.seq}: the recorded {task_id} form no longer "
                                    f"validates: {err}")
