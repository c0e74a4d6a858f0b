"""T5.1 crash-consistency harness: a seeded plan of commands, a driver subprocess that runs it
and acknowledges each committed step in an fsynced journal, a parent that SIGKILLs and
restarts the driver, and the checks run at the end.

Kills come three ways: from the parent at a random moment while the driver is working
("external"), and from the driver itself at a seeded step either inside the command's
transaction after the projections were written ("mid_txn") or after the commit but before
the journal line ("after_commit", the case that idempotency keys exist for).

The "split-transaction mutant" commits the snapshot and projections in one transaction and
the event in a second one (by wrapping `workflows.kernel.commands.write_state`), and is killed
between the two ("split"). The same checks must flag it.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from models import Case, CaseEvent, HumanTask, IdempotencyKey
from tests.integration.harness import (
    PROCESS,
    actors,
    draft_fields,
    history_problems,
    mp_context,
    open_sessions,
)
from workflows.kernel import case_additions, cases, commands
from workflows.kernel.commands import Idempotency
from workflows.kernel.errors import ConflictError
from workflows.kernel.state import CASE_STARTED, COMMENT_ADDED, TASK_COMPLETED

SELF_KILLS = ("mid_txn", "after_commit")
USERS = ("mz_clerk", "mz_head", "nb_staff")


@dataclass(frozen=True)
class Step:
    n: int
    slot: int
    action: str  # start | complete | comment
    user: str
    task_id: str = ""
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def event_type(self) -> str:
        return {"start": CASE_STARTED, "complete": TASK_COMPLETED,
                "comment": COMMENT_ADDED}[self.action]


def title(seed: int, slot: int) -> str:
    return f"crash {seed}-{slot}"


def idem_key(seed: int, n: int) -> str:
    return f"crash-{seed}-{n}"


def make_plan(seed: int, steps: int, width: int = 6) -> list[Step]:
    """`steps` commands over up to `width` cases in flight, through every branch:
    sign-off approve/return, review approve/return/reject, and comments."""
    rng = random.Random(seed)
    active: dict[int, str] = {}  # slot -> the task that is open next
    plan: list[Step] = []
    next_slot = 0
    while len(plan) < steps:
        n = len(plan)
        if len(active) < width:
            plan.append(Step(n, next_slot, "start", "mz_clerk",
                             fields={"title": title(seed, next_slot)}))
            active[next_slot] = "draft_form"
            next_slot += 1
            continue
        slot = rng.choice(sorted(active))
        task, r = active[slot], rng.random()
        if r < 0.1:
            plan.append(Step(n, slot, "comment", "mz_clerk", fields={"text": f"note {n}"}))
        elif task == "draft_form":
            plan.append(Step(n, slot, "complete", "mz_clerk", task,
                             draft_fields(f"form {seed}-{slot}")))
            active[slot] = "sign_off"
        elif task == "sign_off":
            ok = r < 0.75
            plan.append(Step(n, slot, "complete", "mz_head", task,
                             {"head_decision": "approve"} if ok else
                             {"head_decision": "return", "comment": f"redo {n}"}))
            active[slot] = "review_form" if ok else "draft_form"
        else:
            decision = "approve" if r < 0.55 else "reject" if r < 0.75 else "return"
            fields = {"review_decision": decision}
            if decision != "approve":
                fields["comment"] = f"why {n}"
            plan.append(Step(n, slot, "complete", "nb_staff", task, fields))
            if decision == "return":
                active[slot] = "draft_form"
            else:
                del active[slot]
    return plan


def read_journal(path: Path) -> dict[int, tuple[int, int]]:
    """Acknowledged steps: n -> (case id, seq). A torn last line (no newline) is ignored."""
    acked: dict[int, tuple[int, int]] = {}
    if not path.exists():
        return acked
    for line in path.read_text().split("\n")[:-1]:
        n, case_id, seq = (int(x) for x in line.split())
        acked[n] = (case_id, seq)
    return acked


def _append(path: Path, line: str) -> None:
    # No fsync: the harness kills processes, it does not cut power. A write() that returned
    # is in the page cache and survives SIGKILL, which is all an acknowledgement means here.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def drive(url: str, seed: int, steps: int, journal: str, crash_at: int = -1,
          crash_mode: str = "", mutant: bool = False) -> None:
    """The driver subprocess: resume after the last acknowledged step and run the plan."""
    path = Path(journal)
    plan = make_plan(seed, steps)
    acked = read_journal(path)
    first = max(acked, default=-1) + 1
    slot_case = {plan[n].slot: cid for n, (cid, _) in acked.items() if plan[n].action == "start"}
    sessions = open_sessions(url)
    with sessions() as s:
        who = actors(s, *USERS)
        if first < steps:  # did the step we resume at commit before the last kill?
            done = s.scalar(select(IdempotencyKey.id).where(
                IdempotencyKey.key == idem_key(seed, first)))
            _append(Path(journal + ".notes"), f"resume {first} committed={int(done is not None)}")
    current = {"n": -1}
    write_state = commands.write_state

    def instrumented(session: Any, *args: Any) -> None:
        write_state(session, *args)
        if mutant:
            session.commit()  # the bug: projections committed apart from the event
        if crash_mode in ("mid_txn", "split") and current["n"] == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)

    commands.write_state = instrumented  # type: ignore[assignment]

    for step in plan[first:]:
        current["n"] = step.n
        try:
            result = _execute(sessions, who, seed, step, slot_case)
        except Exception as err:
            _append(Path(journal + ".errors"), f"{step.n} {type(err).__name__}: {err}"[:300])
            continue
        if crash_mode == "after_commit" and step.n == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if step.action == "start":
            slot_case[step.slot] = result.case_id
        _append(path, f"{step.n} {result.case_id} {result.seq}")


def _execute(sessions: Any, who: dict[str, Any], seed: int, step: Step,
             slot_case: dict[int, int]) -> commands.CommandResult:
    actor = who[step.user]
    idem = Idempotency(scope=f"user:{actor.user_id}", key=idem_key(seed, step.n),
                       body={"n": step.n, "action": step.action, "task_id": step.task_id,
                             "fields": step.fields})
    for attempt in range(5):
        try:
            with sessions() as s:
                if step.action == "start":
                    return cases.start_case(s, actor, PROCESS, step.fields, idempotency=idem)
                case_id = slot_case[step.slot]
                if step.action == "comment":
                    return case_additions.add_comment(s, actor, case_id, step.fields["text"],
                                                      idempotency=idem)
                # The open task's uuid, as a UI would show it. If this step already
                # committed there is none; the idempotency key answers before it is used.
                uuid = s.scalar(select(HumanTask.task_uuid).where(
                    HumanTask.case_id == case_id, HumanTask.task_id == step.task_id,
                    HumanTask.state == "open")) or "-"
                return cases.complete_task(s, actor, case_id, uuid, step.fields,
                                           idempotency=idem)
        except ConflictError:
            if attempt == 4:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


@dataclass
class CrashReport:
    steps: int
    kills: Counter[str] = field(default_factory=Counter)
    runs: int = 0
    resumed_after_commit: int = 0
    errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.errors

    def summary(self) -> str:
        return (f"{self.steps} steps, {self.runs} runs, kills {dict(self.kills)}, "
                f"{self.resumed_after_commit} resumes of committed-unacked steps, "
                f"{len(self.errors)} driver errors, {len(self.problems)} problems, "
                f"{self.seconds:.1f}s")


STALL_SECONDS = 300


def _join_while_progressing(proc: Any, journal: Path, stall: float) -> bool:
    """Wait for the driver to end; False if it acknowledged no step for `stall` seconds (a
    hang). A slow but moving driver (a loaded CI machine) is not a hang."""
    size, since = -1, time.monotonic()
    while True:
        proc.join(1.0)
        if not proc.is_alive():
            return True
        now_size = journal.stat().st_size if journal.exists() else 0
        if now_size != size:
            size, since = now_size, time.monotonic()
        elif time.monotonic() - since > stall:
            return False


def run(url: str, workdir: Path, *, seed: int, steps: int, kills: int,
        mutant: bool = False) -> CrashReport:
    """Run the plan to the end through `kills` SIGKILLs, then check the database."""
    rng = random.Random(seed * 7919 + 1)
    ctx = mp_context()
    journal = workdir / f"journal-{seed}{'-mutant' if mutant else ''}"
    report = CrashReport(steps)
    modes = ("split",) if mutant else ("external", "external", *SELF_KILLS)
    started = time.monotonic()
    while report.runs < kills + 50:
        report.runs += 1
        last = max(read_journal(journal), default=-1)
        mode = rng.choice(modes) if sum(report.kills.values()) < kills else ""
        crash_at = last + 1 + rng.randrange(1, 30) if mode in ("split", *SELF_KILLS) else -1
        if crash_at >= steps:
            mode, crash_at = "", -1
        proc = ctx.Process(target=drive, args=(url, seed, steps, str(journal), crash_at, mode,
                                               mutant))
        proc.start()
        if mode == "external":
            size = journal.stat().st_size if journal.exists() else 0
            while proc.is_alive() and (journal.stat().st_size if journal.exists() else 0) == size:
                time.sleep(0.005)  # kill while commands run, not during start-up
            time.sleep(rng.uniform(0.0, 0.3))
            if proc.is_alive():
                proc.kill()
        if not _join_while_progressing(proc, journal, STALL_SECONDS):
            proc.kill()
            report.problems.append(f"driver hung: no step acknowledged for {STALL_SECONDS} s")
            break
        if proc.exitcode == -signal.SIGKILL:
            report.kills[mode] += 1
        elif proc.exitcode != 0:
            report.problems.append(f"driver exited with {proc.exitcode}")
            break
        else:
            break
    report.seconds = time.monotonic() - started
    notes = Path(str(journal) + ".notes")
    if notes.exists():
        report.resumed_after_commit = notes.read_text().count("committed=1")
    errors = Path(str(journal) + ".errors")
    if errors.exists():
        report.errors = errors.read_text().splitlines()
    report.problems += check(url, seed, steps, journal)
    return report


def check(url: str, seed: int, steps: int, journal: Path) -> list[str]:
    """0 acknowledged steps lost, 0 steps applied twice, history verifies and replays,
    storage is intact."""
    plan = make_plan(seed, steps)
    acked = read_journal(journal)
    problems: list[str] = []
    sessions = open_sessions(url)
    with sessions() as s:
        results = {row.key: row.result for row in s.scalars(
            select(IdempotencyKey).where(IdempotencyKey.key.like(f"crash-{seed}-%")))}
        case_ids = list(s.scalars(select(Case.id).where(Case.title.like(f"crash {seed}-%"))))
        events = {(e.case_id, e.seq): e for e in s.scalars(
            select(CaseEvent).where(CaseEvent.case_id.in_(case_ids)))}
        claimed: Counter[tuple[int, int]] = Counter()
        for step in plan:
            res = results.get(idem_key(seed, step.n))
            if step.n not in acked:
                problems.append(f"step {step.n} was never acknowledged")
            if res is None:
                if step.n in acked:
                    problems.append(f"LOST: acknowledged step {step.n} has no committed result")
                continue
            where = (res["case_id"], res["seq"])
            if step.n in acked and acked[step.n] != where:
                problems.append(f"step {step.n}: acknowledged {acked[step.n]}, stored {where}")
            ev = events.get(where)
            if ev is None or ev.type != step.event_type or (ev.task_id or "") != step.task_id:
                problems.append(f"LOST: step {step.n} ({step.event_type} {step.task_id}) has "
                                f"no matching event at case {where[0]} seq {where[1]}")
            claimed[where] += 1
        for where, ev in sorted(events.items()):
            if claimed[where] != 1:
                problems.append(f"DUPLICATE: event {ev.type} at case {where[0]} seq {where[1]} "
                                f"is claimed by {claimed[where]} steps")
        problems += history_problems(s)
        problems += _storage_problems(s)
    sessions.kw["bind"].dispose()
    return problems


def _storage_problems(session: Any) -> list[str]:
    if session.get_bind().dialect.name == "sqlite":
        verdict = session.execute(text("PRAGMA integrity_check")).scalars().all()
        session.rollback()
        return [] if verdict == ["ok"] else [f"integrity_check: {verdict[:5]}"]
    session.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
    indexes = session.scalars(text(
        "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE am.amname = 'btree' AND n.nspname = 'public'")).all()
    problems = []
    for name in indexes:
        try:
            session.execute(text("SELECT bt_index_check(CAST(:i AS regclass), true)"), {"i": name})
        except Exception as err:
            problems.append(f"amcheck {name}: {err}")
            session.rollback()
    session.commit()
    return problems
