"""Our engine types: no SpiffWorkflow object leaves the engine package."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import SpiffWorkflow

SPIFF_VERSION: str = SpiffWorkflow.__version__
ID_NAMESPACE = uuid.UUID("6f1d3c52-6a0e-4b7e-9a55-1d2c3b4a5e6f")


@dataclass(frozen=True)
class ProcessDefinition:
    """One deployed process version: its id, content hash and source files."""

    process_id: str
    content_hash: str
    sources: dict[str, str]


@dataclass(frozen=True)
class ReadyTask:
    uuid: str
    task_id: str
    name: str
    lane: str | None
    properties: dict[str, str]
    data: dict[str, Any]


@dataclass(frozen=True)
class WaitingTimer:
    uuid: str
    task_id: str
    due_at: datetime


@dataclass(frozen=True)
class EngineResult:
    snapshot: str
    completed: bool
    data: dict[str, Any]
    ready: list[ReadyTask] = field(default_factory=list)
    timers: list[WaitingTimer] = field(default_factory=list)
    finished_task_ids: list[str] = field(default_factory=list)
    # State names ("COMPLETED", "CANCELLED", ...) of the task uuids the caller asked about.
    watched: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UserTaskSpec:
    task_id: str
    name: str
    lane: str | None
    properties: dict[str, str]
