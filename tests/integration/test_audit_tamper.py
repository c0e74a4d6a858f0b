"""Audit: direct-SQL mutations of 5 kinds are all detected; clean data raises no alarm."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent, LogCheckpoint, LogHead
from workflows import audit
from workflows.history import global_hash

KINDS = ("edit", "delete", "insert", "reorder", "truncate")
MUTATIONS_PER_KIND = 21  # 105 in all


def _events(session: Session) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).order_by(CaseEvent.global_seq)))


def _mutate(session: Session, kind: str, rng: random.Random) -> None:
    events = _events(session)
    ev = rng.choice(events)
    if kind == "edit":
        field = rng.choice(["inputs", "actor_id", "at", "type", "diff"])
        if field == "inputs":
            session.execute(
                text("UPDATE case_event SET inputs = :v WHERE id = :id"),
                {"v": '{"data": {"forged": true}}', "id": ev.id},
            )
        elif field == "actor_id":
            # Always a real change: complainants and the worker act with no actor id.
            session.execute(
                text("UPDATE case_event SET actor_id = :v WHERE id = :id"),
                {"v": None if ev.actor_id is not None else 1, "id": ev.id},
            )
        elif field == "at":
            session.execute(
                text("UPDATE case_event SET at = :v WHERE id = :id"),
                {"v": "2020-01-01 00:00:00", "id": ev.id},
            )
        elif field == "type":
            forged = "task_completed" if ev.type == "comment_added" else "comment_added"
            session.execute(
                text("UPDATE case_event SET type = :t WHERE id = :id"), {"t": forged, "id": ev.id}
            )
        else:
            session.execute(text("UPDATE case_event SET diff = '{}' WHERE id = :id"), {"id": ev.id})
    elif kind == "delete":
        session.execute(text("DELETE FROM case_event WHERE id = :id"), {"id": ev.id})
    elif kind == "insert":
        # A forged event appended to a case, with a correctly computed own chain link.
        last = max((e for e in events if e.case_id == ev.case_id), key=lambda e: e.seq)
        session.execute(
            text(
                "INSERT INTO case_event (case_id, seq, global_seq, type, actor_id, actor_role, at,"
                " task_uuid, task_id, inputs, diff, prev_hash, hash, global_prev_hash, global_hash)"
                " VALUES (:c, :s, :g, 'comment_added', NULL, NULL, :at, NULL, NULL, '{}', '{}',"
                " :p, :h, :gp, :gh)"
            ),
            {
                "c": ev.case_id,
                "s": last.seq + 1,
                "g": len(events) + 1,
                "at": last.at.replace(tzinfo=None),
                "p": last.hash,
                "h": "f" * 64,
                "gp": events[-1].global_hash,
                "gh": global_hash(events[-1].global_hash, len(events) + 1, "f" * 64),
            },
        )
    elif kind == "reorder":
        same = [e for e in events if e.case_id == ev.case_id]
        if len(same) < 2:
            same = next(g for g in _by_case(events).values() if len(g) >= 2)
        a, b = rng.sample(same, 2)
        session.execute(text("UPDATE case_event SET seq = -1 WHERE id = :id"), {"id": a.id})
        session.execute(
            text("UPDATE case_event SET seq = :s WHERE id = :id"), {"s": a.seq, "id": b.id}
        )
        session.execute(
            text("UPDATE case_event SET seq = :s WHERE id = :id"), {"s": b.seq, "id": a.id}
        )
    elif kind == "truncate":
        keep = rng.randint(1, len(events) - 1)
        session.execute(text("DELETE FROM case_event WHERE global_seq > :k"), {"k": keep})
    session.commit()


def _by_case(events: list[CaseEvent]) -> dict[int, list[CaseEvent]]:
    out: dict[int, list[CaseEvent]] = {}
    for e in events:
        out.setdefault(e.case_id, []).append(e)
    return out


@pytest.fixture
def world(demo_world: sessionmaker[Session], tmp_path) -> sessionmaker[Session]:  # type: ignore[no-untyped-def]
    return demo_world


def _snapshot_rows(session: Session) -> list[dict[str, object]]:
    table = CaseEvent.__table__
    return [dict(r) for r in session.execute(select(table).order_by(table.c.id)).mappings()]


def _restore(session: Session, rows: list[dict[str, object]]) -> None:
    session.execute(text("DELETE FROM case_event"))
    session.execute(CaseEvent.__table__.insert(), rows)
    session.commit()


def test_clean_history_verifies(world: sessionmaker[Session]) -> None:
    with world() as session:
        assert audit.verify(session) == []
        assert session.scalar(select(LogHead.size)) == len(_events(session))


def test_every_mutation_is_detected(world: sessionmaker[Session]) -> None:
    rng = random.Random(20261129)
    detected = {k: 0 for k in KINDS}
    with world() as session:
        original = _snapshot_rows(session)
        for i in range(MUTATIONS_PER_KIND * len(KINDS)):
            kind = KINDS[i % len(KINDS)]
            _mutate(session, kind, rng)
            problems = audit.verify(session)
            if problems:
                detected[kind] += 1
            _restore(session, original)
            # After restoring, no false alarm.
            assert audit.verify(session) == [], f"false alarm after restoring mutation {i}"
    assert detected == {k: MUTATIONS_PER_KIND for k in KINDS}


@pytest.mark.tampers
def test_problem_names_case_and_event(world: sessionmaker[Session]) -> None:
    with world() as session:
        ev = _events(session)[3]
        session.execute(text("UPDATE case_event SET inputs = '{}' WHERE id = :id"), {"id": ev.id})
        session.commit()
        problems = audit.verify(session)
    assert any(p.case_id == ev.case_id and p.seq == ev.seq and p.kind == "edited" for p in problems)
    assert f"case {ev.case_id}" in str(problems[0])


@pytest.mark.tampers
def test_truncation_with_rewritten_head_is_caught_by_checkpoint(
    world: sessionmaker[Session],
) -> None:
    with world() as session:
        audit.checkpoint(session)
        events = _events(session)
        keep = events[len(events) // 2]
        # The attacker deletes the tail and makes the head and case rows consistent again.
        session.execute(
            text("DELETE FROM case_event WHERE global_seq > :k"), {"k": keep.global_seq}
        )
        session.execute(
            text("UPDATE log_head SET size = :s, hash = :h"),
            {"s": keep.global_seq, "h": keep.global_hash},
        )
        for case in session.scalars(select(Case)):
            rest = [e for e in events if e.case_id == case.id and e.global_seq <= keep.global_seq]
            session.execute(
                text("UPDATE case_record SET version = :v, last_event_hash = :h WHERE id = :id"),
                {"v": len(rest), "h": rest[-1].hash if rest else "0" * 64, "id": case.id},
            )
        session.commit()
        problems = audit.verify(session)
        kinds = {p.kind for p in problems}
        assert session.scalar(select(LogCheckpoint.size)) == len(events)
    assert "checkpoint" in kinds
