"""T1.4 — conflict mapping (the CAM-8306 lesson): every "someone else got there first" database
error becomes `ConflictError` (HTTP 409) and writes nothing; other database errors are not
disguised as conflicts.

Faults are injected through the `decide` and `before_write` hooks of `run_command`, and, for
SQLite busy and PostgreSQL lock timeouts, produced for real by a second connection.
"""

from __future__ import annotations

import sqlite3

import psycopg.errors
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm.exc import StaleDataError

from models import Case
from models.db import make_engine
from tests.integration.harness import (
    actors,
    count_events,
    fresh_definition_cache,  # noqa: F401
    history_problems,
    new_case,
)
from workflows.kernel import cases, commands
from workflows.kernel.access import SYSTEM_ACTOR
from workflows.kernel.errors import ConflictError
from workflows.kernel.state import COMMENT_ADDED, EventDraft


class _PgError(Exception):
    """A driver error carrying only a SQLSTATE (what psycopg and psycopg2 both expose)."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def _wrap(cls, orig):
    return cls("UPDATE case_record ...", {}, orig)


CONFLICTS = {
    "IntegrityError(unique)": _wrap(IntegrityError, sqlite3.IntegrityError(
        "UNIQUE constraint failed: idempotency_key.scope, idempotency_key.key")),
    "StaleDataError": StaleDataError("UPDATE statement on table 'case_record' expected 1 row"),
    "sqlite busy": _wrap(OperationalError, sqlite3.OperationalError("database is locked")),
    "40001 psycopg": _wrap(OperationalError, psycopg.errors.SerializationFailure("serialize")),
    "40P01 psycopg": _wrap(OperationalError, psycopg.errors.DeadlockDetected("deadlock detected")),
    "40001 bare DBAPIError": _wrap(DBAPIError, _PgError("40001")),
    "40P01 bare DBAPIError": _wrap(DBAPIError, _PgError("40P01")),
    "55P03 lock not available": _wrap(OperationalError, psycopg.errors.LockNotAvailable("nowait")),
}
NOT_CONFLICTS = {
    "disk I/O error": _wrap(OperationalError, sqlite3.OperationalError("disk I/O error")),
    "undefined column": _wrap(ProgrammingError, psycopg.errors.UndefinedColumn("no column x")),
    "data error": _wrap(DataError, psycopg.errors.NumericValueOutOfRange("out of range")),
    "connection lost 08006": _wrap(OperationalError, psycopg.errors.ConnectionFailure("lost")),
}


@pytest.mark.parametrize("name", CONFLICTS)
def test_is_conflict_true(name):
    assert commands.is_conflict(CONFLICTS[name])


@pytest.mark.parametrize("name", NOT_CONFLICTS)
def test_is_conflict_false(name):
    assert not commands.is_conflict(NOT_CONFLICTS[name])


def _comment_command(session, case_id, *, fail_in, fault):
    """A comment command on `case_id` whose `fail_in` hook raises `fault`."""
    def load():
        return cases._load_visible(session, SYSTEM_ACTOR, case_id)

    def decide(case, state):
        if fail_in == "decide":
            raise fault
        return EventDraft(COMMENT_ADDED, at=case.updated_at, inputs={"text": "x", "public": False})

    def before_write(case, draft):
        if fail_in == "before_write":
            raise fault

    return commands.run_command(session, load=load, decide=decide, before_write=before_write)


@pytest.fixture
def open_case(demo_world):
    with demo_world() as s:
        case_id, _ = new_case(s, until="sign_off", title="fault injection")
    return case_id


def _assert_untouched(sessions, case_id, version=2, events=2):
    with sessions() as s:
        assert s.get(Case, case_id).version == version
        assert count_events(s, case_id=case_id) == events
        assert history_problems(s, [case_id]) == []


@pytest.mark.parametrize("fail_in", ["decide", "before_write"])
def test_injected_conflicts_become_conflict_error(demo_world, open_case, fail_in):
    for name, fault in CONFLICTS.items():
        with demo_world() as s:
            with pytest.raises(ConflictError):
                _comment_command(s, open_case, fail_in=fail_in, fault=fault)
            assert not s.in_transaction(), name
    _assert_untouched(demo_world, open_case)
    with demo_world() as s:  # and the session and case are still usable afterwards
        _comment_command(s, open_case, fail_in="nowhere", fault=None)
    _assert_untouched(demo_world, open_case, version=3, events=3)


@pytest.mark.parametrize("fail_in", ["decide", "before_write"])
def test_other_db_errors_are_not_swallowed(demo_world, open_case, fail_in):
    for name, fault in NOT_CONFLICTS.items():
        with demo_world() as s:
            with pytest.raises(DBAPIError) as caught:
                _comment_command(s, open_case, fail_in=fail_in, fault=fault)
            assert caught.value is fault, name
            assert not isinstance(caught.value, ConflictError)
    _assert_untouched(demo_world, open_case)


def test_real_lock_contention_is_a_conflict(demo_world, db_url, open_case):
    """A second connection holds the case row (PG) / the write lock (SQLite); with no patience
    configured, the command fails fast and that failure must be a ConflictError."""
    holder = make_engine(db_url)
    if db_url.startswith("sqlite"):
        impatient = make_engine(db_url, connect_args={"timeout": 0})
        from sqlalchemy import event

        @event.listens_for(impatient, "connect")
        def _no_wait(dbapi_conn, _rec):
            dbapi_conn.execute("PRAGMA busy_timeout=0")
        lock_sql = "UPDATE case_record SET title = title WHERE id = :id"
    else:
        impatient = make_engine(db_url, connect_args={"options": "-c lock_timeout=200"})
        lock_sql = "SELECT id FROM case_record WHERE id = :id FOR UPDATE"
    from models.db import make_sessionmaker

    with demo_world() as s:
        who = actors(s, "mz_head")["mz_head"]
        task = next(t for t in cases.get_case(s, who, open_case)[1].tasks.values()
                    if t.state == "open")
    try:
        with holder.connect() as conn:
            conn.execute(text(lock_sql), {"id": open_case})  # lock held until rollback
            with make_sessionmaker(impatient)() as s, pytest.raises(ConflictError):
                cases.complete_task(s, who, open_case, task.task_uuid,
                                    {"head_decision": "approve"})
            conn.rollback()
    finally:
        holder.dispose()
        impatient.dispose()
    _assert_untouched(demo_world, open_case)
