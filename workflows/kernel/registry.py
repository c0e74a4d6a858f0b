"""What features plug into the kernel, filled when the app or the CLI starts.

The kernel knows no feature (docs/architecture.md): the command cycle, the generic case
commands and the worker read these tables, and each feature's `hooks.register` fills them
(`workflows.features.install` calls every feature's). Adding a feature never edits the
command cycle.

- Projections: read models derived from each event but kept out of history (not hashed,
  not replayed), called with (session, case, draft, old state, new state) inside the
  command's transaction, in ascending `order` (then name), so their order is defined.
  The kernel's commands load only the open tasks and pending jobs (a finished task never
  changes again), so a projection compares old and new tasks, never counts finished ones.
- Default settings: start settings of a process (e.g. a reminder's working days) that the
  caller's settings and the start form override.
- Start hooks: the start data a process needs beyond its start form (lane scopes of its
  own lanes, the record it changes); may refuse the start.
- Task-input hooks: inputs the command computes from the database when a task completes
  (e.g. the duplicate check at an item's sign-off). They are recorded in the event with
  the form, so the engine never reads the database and replay needs none. A hook reads
  the command's time with `command_now()` (e.g. to refuse a date already past).
- Batch jobs: what each worker run does besides firing due timers (e.g. sending mail).
- Version choosers: which process version a new case starts on when it is not the standard
  one (e.g. a pilot town's approved variant); asked in registration order, the first id
  wins, none: the newest standard version (`workflows.kernel.processes.for_start`).
- Public voices: who may write a public comment (one the outside party of the case reads)
  on a case of a process, and as which unit; a process without one has no public side.
- The forms of each process live in `workflows.kernel.forms` (START_FORMS, TASK_FORMS,
  TASK_CHECKS, PUBLIC_STARTS) and are filled the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models import Case
from workflows.kernel.access import Actor
from workflows.kernel.state import CaseState, EventDraft

ProjectionHook = Callable[[Session, Case, EventDraft, CaseState | None, CaseState], object]
StartHook = Callable[[Session, Actor, int, dict[str, Any]], dict[str, Any]]
TaskInputHook = Callable[[Session, Case, CaseState, dict[str, Any]], dict[str, Any]]
# (session, actor, case) -> the id of the unit the actor speaks for, or None: not allowed.
PublicVoice = Callable[[Session, Actor, Case], int | None]
# (session, process id, start data, org unit the case starts for) -> a process version id,
# or None: no opinion (the standard version).
VersionChooser = Callable[[Session, str, Mapping[str, Any], int | None], int | None]


@dataclass(frozen=True)
class Projection:
    order: int
    name: str
    project: ProjectionHook


@dataclass(frozen=True)
class BatchJob:
    """Work a worker does after firing due timers. `settings` reads its configuration from
    the environment (None: the job is off); `run` gets (sessions, settings, worker name,
    now); `every` is the seconds between two runs in a long-running worker."""

    name: str
    settings: Callable[[Mapping[str, str]], object | None]
    run: Callable[[sessionmaker[Session], Any, str, datetime], None]
    every: float


_projections: dict[str, Projection] = {}
PROJECTIONS: tuple[ProjectionHook, ...] = ()
DEFAULT_SETTINGS: dict[str, dict[str, Any]] = {}
START_HOOKS: dict[str, StartHook] = {}
TASK_INPUT_HOOKS: dict[tuple[str, str], TaskInputHook] = {}
BATCH_JOBS: dict[str, BatchJob] = {}
PUBLIC_VOICES: dict[str, PublicVoice] = {}
VERSION_CHOOSERS: dict[str, VersionChooser] = {}


def add_projection(name: str, project: ProjectionHook, *, order: int) -> None:
    """Register (or replace, by name) a projection run in every command's transaction."""
    global PROJECTIONS
    _projections[name] = Projection(order, name, project)
    PROJECTIONS = tuple(p.project for p in sorted(_projections.values(),
                                                  key=lambda p: (p.order, p.name)))


def projection_names() -> list[str]:
    """The registered projections by name, in the order the command cycle runs them."""
    return [p.name for p in sorted(_projections.values(), key=lambda p: (p.order, p.name))]


def add_default_settings(process_id: str, settings: dict[str, Any]) -> None:
    DEFAULT_SETTINGS[process_id] = dict(settings)


def add_start_hook(process_id: str, hook: StartHook) -> None:
    START_HOOKS[process_id] = hook


def add_task_input_hook(process_id: str, task_id: str, hook: TaskInputHook) -> None:
    TASK_INPUT_HOOKS[(process_id, task_id)] = hook


def add_public_voice(process_id: str, voice: PublicVoice) -> None:
    PUBLIC_VOICES[process_id] = voice


def public_voice(session: Session, actor: Actor, case: Case) -> int | None:
    """The unit `actor` may speak for to the case's outside party; None: it may not."""
    voice = PUBLIC_VOICES.get(case.case_type)
    return voice(session, actor, case) if voice is not None else None


def add_version_chooser(name: str, chooser: VersionChooser) -> None:
    """Register (or replace, by name) a chooser of the version a new case starts on."""
    VERSION_CHOOSERS[name] = chooser


def add_batch_job(job: BatchJob) -> None:
    BATCH_JOBS[job.name] = job


def start_data(
    session: Session, actor: Actor, process_id: str, org_unit_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    hook = START_HOOKS.get(process_id)
    return hook(session, actor, org_unit_id, data) if hook is not None else data


_COMMAND_NOW: ContextVar[datetime | None] = ContextVar("jianfu_hook_now", default=None)


def command_now() -> datetime | None:
    """The time of the command whose task-input hook is running (None outside one)."""
    return _COMMAND_NOW.get()


def task_inputs(
    session: Session, case: Case, state: CaseState, task_id: str, data: dict[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    hook = TASK_INPUT_HOOKS.get((case.case_type, task_id))
    if hook is None:
        return data
    token = _COMMAND_NOW.set(now)
    try:
        return hook(session, case, state, data)
    finally:
        _COMMAND_NOW.reset(token)
