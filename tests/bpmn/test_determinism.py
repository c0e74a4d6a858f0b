"""Replaying the same commands gives byte-identical snapshots (DESIGN §3).

The engine pins what SpiffWorkflow would take from randomness and the clock: task ids come
from uuid5(seed, n), state-change times and timer "now" from the command's timestamp.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar

REPO = Path(__file__).resolve().parents[2]
CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 9, 28, 9, 0, tzinfo=CST)


def definition() -> engine.ProcessDefinition:
    text = (REPO / "bpmn" / "report_form_approval.bpmn").read_text(encoding="utf-8")
    digest = hashlib.sha256(f"report_form_approval\0{text}".encode()).hexdigest()
    return engine.ProcessDefinition("report_form_approval", digest,
                                    {"report_form_approval.bpmn": text})


def run_sequence(case: str, t0: datetime = T0) -> list[str]:
    """A long path: reminder fires, reviewer returns, second round is published.
    Returns the snapshot after every command."""
    defn, cal = definition(), WorkCalendar()
    snapshots: list[str] = []
    step = iter(range(100))

    def ready(task_id: str) -> str:
        found = [t.uuid for t in engine.inspect(defn, snapshots[-1]).ready if t.task_id == task_id]
        assert len(found) == 1
        return found[0]

    def complete(task_id: str, data: dict[str, str], hours: float) -> None:
        result = engine.complete_task(defn, snapshots[-1], ready(task_id), data,
                                      seed=f"{case}/{next(step)}",
                                      now=t0 + timedelta(hours=hours), calendar=cal)
        snapshots.append(result.snapshot)

    snapshots.append(engine.start(defn, {"review_reminder_days": 5}, seed=f"{case}/{next(step)}",
                                  now=t0, calendar=cal).snapshot)
    complete("draft_form", {"all_fields_held": False, "form_title": "v1"}, 1)
    complete("sign_off", {"head_decision": "approve"}, 2)
    fired = engine.refresh_timers(defn, snapshots[-1], seed=f"{case}/{next(step)}",
                                  now=t0 + timedelta(days=30), calendar=cal)
    assert "reminder_sent_at" in fired.data
    snapshots.append(fired.snapshot)
    complete("review_form", {"review_decision": "return"}, 24 * 31)
    complete("draft_form", {"all_fields_held": False, "form_title": "v2"}, 24 * 32)
    complete("sign_off", {"head_decision": "approve"}, 24 * 33)
    complete("review_form", {"review_decision": "approve"}, 24 * 34)
    assert engine.inspect(defn, snapshots[-1]).completed
    return snapshots


def complaint_definition() -> engine.ProcessDefinition:
    text = (REPO / "bpmn" / "burden_complaint.bpmn").read_text(encoding="utf-8")
    digest = hashlib.sha256(f"burden_complaint\0{text}".encode()).hexdigest()
    return engine.ProcessDefinition("burden_complaint", digest, {"burden_complaint.bpmn": text})


def run_complaint_sequence(case: str, t0: datetime = T0) -> list[str]:
    """A complaint filed before National Day: both intake timers fire in one command,
    an extension is approved, the correction breaches, verification returns it, the case
    closes, is appealed, closes again and its appeal window expires."""
    defn, cal = complaint_definition(), WorkCalendar()
    snapshots: list[str] = []
    step = iter(range(100))
    stages = {"intake": 2, "correction": 10, "verification": 3, "return_visit": 5}

    def ready(task_id: str) -> str:
        found = [t.uuid for t in engine.inspect(defn, snapshots[-1]).ready if t.task_id == task_id]
        assert len(found) == 1
        return found[0]

    def complete(task_id: str, data: dict[str, object], days: float) -> None:
        result = engine.complete_task(defn, snapshots[-1], ready(task_id), data,
                                      seed=f"{case}/{next(step)}",
                                      now=t0 + timedelta(days=days), calendar=cal)
        snapshots.append(result.snapshot)

    def tick(days: float) -> engine.EngineResult:
        result = engine.refresh_timers(defn, snapshots[-1], seed=f"{case}/{next(step)}",
                                       now=t0 + timedelta(days=days), calendar=cal)
        snapshots.append(result.snapshot)
        return result

    start = {"category": "too_many_forms", "town_id": 1, "village_id": 2,
             "responsible_unit_id": None, "description": "重复报表太多，每月十几张。",
             "anonymous": True, "channel": "web", "attachments": [],
             "limits_by_category": {"too_many_forms": stages},
             "lane_scopes": {"burden_office": 3, "verifier": 3}, "case_status": "intake"}
    snapshots.append(engine.start(defn, start, seed=f"{case}/{next(step)}", now=t0,
                                  calendar=cal).snapshot)
    fired = tick(20)
    assert [e["kind"] for e in fired.data["deadline_events"]] == ["warning", "breach"]
    complete("intake", {"intake_decision": "accept", "responsible_unit_id": 42}, 21)
    complete("correction", {"correction_outcome": "request_extension",
                            "extension_reason": "协调中", "extension_days": 2}, 22)
    complete("review_extension", {"extension_decision": "approve"}, 23)
    assert tick(60).data["supervised"] is True
    complete("correction", {"correction_outcome": "done", "findings": "f",
                            "actions_taken": "a", "evidence": "e"}, 61)
    complete("verification", {"verification_decision": "return", "reasons": "r"}, 62)
    complete("correction", {"correction_outcome": "done", "findings": "f2",
                            "actions_taken": "a2", "evidence": "e2"}, 63)
    complete("verification", {"verification_decision": "pass"}, 64)
    complete("return_visit", {"rating": "satisfied", "visit_channel": "phone"}, 65)
    complete("appeal_window", {"appeal_reason": "又反弹了"}, 66)
    complete("verification", {"verification_decision": "pass"}, 67)
    complete("return_visit", {"rating": "partly", "visit_channel": "complainant"}, 68)
    assert tick(120).completed
    return snapshots


def test_the_complaint_process_gives_byte_identical_snapshots():
    first = run_complaint_sequence("complaint-a")
    second = run_complaint_sequence("complaint-a")

    assert first == second
    assert len(set(first)) == len(first)
    assert first != run_complaint_sequence("complaint-b")


def test_the_complaint_snapshots_do_not_depend_on_hash_seed_or_time_zone():
    expected = hashlib.sha256("\n".join(run_complaint_sequence("c")).encode()).hexdigest()
    program = (
        "import hashlib, sys\n"
        "sys.path[:0] = ['.', 'tests/bpmn']\n"
        "import test_determinism as t\n"
        "print(hashlib.sha256('\\n'.join(t.run_complaint_sequence('c')).encode()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "777", "TZ": "Asia/Kolkata"}
    out = subprocess.run([sys.executable, "-c", program], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == expected


def item_definition() -> engine.ProcessDefinition:
    text = (REPO / "bpmn" / "assessment_item_approval.bpmn").read_text(encoding="utf-8")
    digest = hashlib.sha256(f"assessment_item_approval\0{text}".encode()).hexdigest()
    return engine.ProcessDefinition("assessment_item_approval", digest,
                                    {"assessment_item_approval.bpmn": text})


def run_item_sequence(case: str, t0: datetime = T0) -> list[str]:
    """An item proposal: returned by the unit head, reviewed late (reminder), forwarded,
    returned by one office (the other's task withdrawn), then approved by both."""
    defn, cal = item_definition(), WorkCalendar()
    snapshots: list[str] = []
    step = iter(range(100))

    def complete(task_id: str, data: dict[str, object], hours: float) -> engine.EngineResult:
        found = [t.uuid for t in engine.inspect(defn, snapshots[-1]).ready
                 if t.task_id == task_id]
        assert len(found) == 1
        result = engine.complete_task(defn, snapshots[-1], found[0], data,
                                      seed=f"{case}/{next(step)}",
                                      now=t0 + timedelta(hours=hours), calendar=cal)
        snapshots.append(result.snapshot)
        return result

    scopes = {"clerk": 1, "unit_head": 1, "burden_office": 2, "party_office": 3,
              "government_office": 4}
    snapshots.append(engine.start(defn, {"change_kind": "new", "review_reminder_days": 5,
                                         "lane_scopes": scopes},
                                  seed=f"{case}/{next(step)}", now=t0, calendar=cal).snapshot)
    check = {"threshold": 0.32, "compared": 1, "matches": [{"likely": True}]}
    complete("draft_item", {"name": "v1"}, 1)
    complete("sign_off", {"head_decision": "return", "comment": "改"}, 2)
    complete("draft_item", {"name": "v2"}, 3)
    complete("sign_off", {"head_decision": "approve", "duplicate_check": check}, 4)
    fired = engine.refresh_timers(defn, snapshots[-1], seed=f"{case}/{next(step)}",
                                  now=t0 + timedelta(days=30), calendar=cal)
    assert fired.data["reminders"]
    snapshots.append(fired.snapshot)
    complete("review_item", {"review_decision": "forward", "duplicate_reason": "不同"}, 24 * 31)
    complete("party_office_sign_off", {"office_decision": "return", "comment": "补充"},
             24 * 32)
    complete("draft_item", {"name": "v3"}, 24 * 33)
    complete("sign_off", {"head_decision": "approve", "duplicate_check": check}, 24 * 34)
    complete("review_item", {"review_decision": "forward", "duplicate_reason": "不同"}, 24 * 35)
    complete("government_office_sign_off", {"office_decision": "approve"}, 24 * 36)
    assert complete("party_office_sign_off", {"office_decision": "approve"}, 24 * 37).completed
    return snapshots


def test_the_item_process_gives_byte_identical_snapshots():
    first = run_item_sequence("item-a")

    assert first == run_item_sequence("item-a")
    assert len(set(first)) == len(first)
    assert first != run_item_sequence("item-b")


def test_the_item_snapshots_do_not_depend_on_hash_seed_or_time_zone():
    expected = hashlib.sha256("\n".join(run_item_sequence("i")).encode()).hexdigest()
    program = (
        "import hashlib, sys\n"
        "sys.path[:0] = ['.', 'tests/bpmn']\n"
        "import test_determinism as t\n"
        "print(hashlib.sha256('\\n'.join(t.run_item_sequence('i')).encode()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "99", "TZ": "Pacific/Auckland"}
    out = subprocess.run([sys.executable, "-c", program], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == expected


def task_records(snapshot: str) -> dict[str, dict[str, object]]:
    tasks: dict[str, dict[str, object]] = json.loads(snapshot)["tasks"]
    return tasks


def test_the_same_commands_give_byte_identical_snapshots():
    first = run_sequence("case-a")
    second = run_sequence("case-a")

    assert first == second
    assert len(set(first)) == len(first)  # every command changed the state


def test_a_fresh_interpreter_with_another_hash_seed_gives_the_same_snapshots():
    expected = hashlib.sha256("\n".join(run_sequence("case-a")).encode()).hexdigest()
    program = (
        "import hashlib, sys\n"
        "sys.path[:0] = ['.', 'tests/bpmn']\n"
        "import test_determinism as t\n"
        "print(hashlib.sha256('\\n'.join(t.run_sequence('case-a')).encode()).hexdigest())\n"
    )
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "TZ": "America/New_York"}
        out = subprocess.run([sys.executable, "-c", program], cwd=REPO, env=env,
                             capture_output=True, text=True, check=True, timeout=120)
        assert out.stdout.strip() == expected


def test_another_seed_gives_other_task_ids():
    a, b = run_sequence("case-a"), run_sequence("case-b")

    assert a[0] != b[0]
    assert not set(task_records(a[-1])) & set(task_records(b[-1]))


def test_another_command_time_gives_other_state_change_times():
    later = T0 + timedelta(minutes=1)
    a, b = run_sequence("case-a", T0), run_sequence("case-a", later)

    times_a = {r["last_state_change"] for r in task_records(a[0]).values()}
    times_b = {r["last_state_change"] for r in task_records(b[0]).values()}
    assert times_a == {T0.timestamp()}
    assert times_b == {later.timestamp()}
    assert set(task_records(a[0])) == set(task_records(b[0]))  # ids depend on the seed only


def test_task_ids_are_uuid5_derived_from_the_seed_not_random():
    a, b = run_sequence("case-a"), run_sequence("case-a")

    ids = set(task_records(a[-1]))
    assert ids == set(task_records(b[-1]))
    assert {uuid.UUID(i).version for i in ids} == {5}


def test_ready_task_and_timer_uuids_are_stable_across_runs():
    defn, cal = definition(), WorkCalendar()

    def review_open() -> engine.EngineResult:
        r = engine.start(defn, {"review_reminder_days": 5}, seed="s/0", now=T0, calendar=cal)
        r = engine.complete_task(defn, r.snapshot, r.ready[0].uuid,
                                 {"all_fields_held": False}, seed="s/1", now=T0, calendar=cal)
        return engine.complete_task(defn, r.snapshot, r.ready[0].uuid,
                                    {"head_decision": "approve"}, seed="s/2", now=T0,
                                    calendar=cal)

    a, b = review_open(), review_open()
    assert a.ready == b.ready
    assert a.timers == b.timers
    assert uuid.UUID(a.ready[0].uuid).version == 5
    assert uuid.UUID(a.timers[0].uuid).version == 5
