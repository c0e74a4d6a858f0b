"""Fixtures for driving real process models through the engine, one snapshot at a time."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.bpmn.complaint_paths_helpers import Complaint
from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def load_definition(process_id: str) -> engine.ProcessDefinition:
    text = (BPMN_DIR / f"{process_id}.bpmn").read_text(encoding="utf-8")
    digest = hashlib.sha256(f"{process_id}\0{text}".encode()).hexdigest()
    return engine.ProcessDefinition(process_id, digest, {f"{process_id}.bpmn": text})


class SnapshotDriver:
    """Runs one case the way the command cycle does: between two commands only the snapshot
    string survives. After every command it checks that `inspect` of the new snapshot shows
    exactly what the command returned (and that restoring and re-saving is byte-stable)."""

    def __init__(self, defn: engine.ProcessDefinition, calendar: WorkCalendar, case: str) -> None:
        self.defn = defn
        self.calendar = calendar
        self.case = case
        self.snapshot: str | None = None
        self.commands = 0

    def _seed(self) -> str:
        seed = f"{self.case}/{self.commands}"
        self.commands += 1
        return seed

    def _saved(self, result: engine.EngineResult) -> engine.EngineResult:
        seen = engine.inspect(self.defn, result.snapshot)
        assert seen.ready == result.ready
        assert seen.timers == result.timers
        assert seen.completed == result.completed
        assert seen.data == result.data
        assert seen.snapshot == result.snapshot
        self.snapshot = result.snapshot
        return result

    def start(self, data: dict[str, Any], now: datetime) -> engine.EngineResult:
        assert self.snapshot is None, "case already started"
        return self._saved(engine.start(self.defn, data, seed=self._seed(), now=now,
                                        calendar=self.calendar))

    def ready_uuid(self, task_id: str) -> str:
        assert self.snapshot is not None
        matches = [t.uuid for t in engine.inspect(self.defn, self.snapshot).ready
                   if t.task_id == task_id]
        assert len(matches) == 1, f"{task_id} is not the one ready task of that id: {matches}"
        return matches[0]

    def complete(self, task_id: str, data: dict[str, Any], now: datetime) -> engine.EngineResult:
        task_uuid = self.ready_uuid(task_id)
        assert self.snapshot is not None
        return self._saved(engine.complete_task(self.defn, self.snapshot, task_uuid, data,
                                                seed=self._seed(), now=now,
                                                calendar=self.calendar))

    def tick(self, now: datetime) -> engine.EngineResult:
        """The timer command: fire whatever is due at `now`."""
        assert self.snapshot is not None
        return self._saved(engine.refresh_timers(self.defn, self.snapshot, seed=self._seed(),
                                                 now=now, calendar=self.calendar))


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture
def report_form() -> engine.ProcessDefinition:
    return load_definition("report_form_approval")


@pytest.fixture
def new_case(report_form: engine.ProcessDefinition,
             calendar: WorkCalendar) -> Callable[..., SnapshotDriver]:
    def make(case: str = "case-1") -> SnapshotDriver:
        return SnapshotDriver(report_form, calendar, case)

    return make


@pytest.fixture
def complaint_definition() -> engine.ProcessDefinition:
    return load_definition("burden_complaint")


@pytest.fixture
def new_complaint(complaint_definition: engine.ProcessDefinition,
                  calendar: WorkCalendar) -> Callable[..., Complaint]:
    def make(case: str = "complaint-1") -> Complaint:
        return Complaint(SnapshotDriver(complaint_definition, calendar, case))

    return make
