"""Replay: re-run a case's recorded events on its pinned process version and compare the
result with the stored snapshot, projections and every recorded diff. Exact, not
normalized: the engine pins ids and clocks, so equal inputs give byte-identical state."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from models import Case, ProcessVersion
from workflows.kernel import processes
from workflows.kernel.errors import CaseError
from workflows.kernel.history import canonical
from workflows.kernel.state import CaseState, apply_event, comparable
from workflows.kernel.store import case_events, draft_of, load_calendar, load_state

MAX_DIFF_LINES = 60


@dataclass
class ReplayReport:
    case_id: int
    process_hash: str = ""
    events: int = 0
    final_hash: str = ""
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _text_diff(label: str, stored: str, replayed: str) -> str:
    a = json.dumps(json.loads(stored), indent=1, ensure_ascii=False, sort_keys=True).splitlines()
    b = json.dumps(json.loads(replayed), indent=1, ensure_ascii=False, sort_keys=True).splitlines()
    lines = list(difflib.unified_diff(a, b, f"stored {label}", f"replayed {label}", lineterm=""))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines"]
    return "\n".join(lines)


def replay_case(session: Session, case_id: int) -> ReplayReport:
    report = ReplayReport(case_id)
    case = session.get(Case, case_id, populate_existing=True)
    if case is None:
        report.differences.append("no such case")
        return report
    pv = session.get(ProcessVersion, case.process_version_id, populate_existing=True)
    report.process_hash = pv.content_hash if pv else ""
    defn = processes.definition(session, case.process_version_id)
    state: CaseState | None = None
    events = case_events(session, case_id)
    report.events = len(events)
    for ev in events:
        draft = draft_of(ev)
        try:
            state, diff = apply_event(
                defn, case.id, ev.seq, state, draft, load_calendar(session, ev.at)
            )
        except CaseError as err:
            report.differences.append(f"event {ev.seq} ({ev.type}) fails on replay: {err}")
            return report
        if canonical(diff) != canonical(ev.diff):
            report.differences.append(
                f"event {ev.seq} ({ev.type}): recorded diff differs from replay\n"
                + _text_diff("diff", canonical(ev.diff), canonical(diff))
            )
    if state is None:
        report.differences.append("case has no events")
        return report
    stored = load_state(session, case)
    if stored.snapshot != state.snapshot:
        report.differences.append(
            "workflow snapshot differs\n" + _text_diff("snapshot", stored.snapshot, state.snapshot)
        )
    a, b = canonical(comparable(stored)), canonical(comparable(state))
    if a != b:
        report.differences.append("case projections differ\n" + _text_diff("case", a, b))
    report.final_hash = events[-1].hash if events else ""
    return report
