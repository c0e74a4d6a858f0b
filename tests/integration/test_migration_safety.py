"""T5.4 — migrations with data in them, and their locks on PostgreSQL.

Every revision goes up and back down with a row in every table: what the older schema held is
unchanged after the round trip (a checksum per table), so a downgrade in an emergency loses
nothing that existed before the upgrade, and no upgrade fails on a populated table (a NOT NULL
column without a default would). SQLite always; PostgreSQL when $DATABASE_URL is one.

The PostgreSQL SQL of each revision is linted by squawk for statements that lock busy tables
(an index built without CONCURRENTLY, a constraint validated under an exclusive lock, a column
type change, ...). The hazards accepted are listed below with the reason they are harmless.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    inspect,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from models import migrate
from models.db import make_engine
from tests.integration.test_migrations import db_url as db_url  # fixture: sqlite, postgresql

# Rules about style rather than locks, and the transaction alembic itself manages.
NOT_LOCKING = ("prefer-text-field,prefer-bigint-over-int,prefer-bigint-over-smallint,"
               "prefer-identity,prefer-timestamptz,prefer-robust-stmts,ban-char-field,"
               "transaction-nesting,require-statement-timeout")
# (revision, rule): why the lock is harmless. Anything else fails the test.
ACCEPTED = {
    ("0008", "constraint-missing-not-valid"):
        "org_unit: one row per unit of a district (hundreds), scanned in milliseconds",
    ("0008", "disallowed-unique-constraint"):
        "org_unit.official_code: the same small table",
    ("0008", "adding-foreign-key-constraint"):
        "process_version.deployed_by -> app_user: both tables hold hundreds of rows",
    ("0011", "require-concurrent-index-creation"):
        "process_version: a few dozen rows (one per deployed BPMN file)",
    ("0011", "constraint-missing-not-valid"): "process_version -> org_unit: both small",
    ("0011", "adding-foreign-key-constraint"): "process_version -> org_unit: both small",
}


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate.make_config())
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


# ----------------------------------------------------------------- data through down and up

def _value(column: Any, parents: dict[str, Any]) -> Any:
    for fk in column.foreign_keys:
        return parents.get(fk.column.table.name)
    kind = column.type
    if isinstance(kind, Enum) and kind.enums:
        return kind.enums[0]
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, (Numeric, Float)):
        return 1
    if isinstance(kind, DateTime):
        return datetime(2026, 1, 5, 1, 2, 3, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2026, 1, 5)
    if isinstance(kind, JSON):
        return {"k": "值"}
    if isinstance(kind, LargeBinary):
        return b"\x00bytes"
    if isinstance(kind, String):
        return "x值"[: kind.length or 2]
    return "x"


def _generated(conn: Connection, column: Any, pk: list[Any]) -> bool:
    """A key the database numbers itself (SQLite's rowid, a serial or identity column)."""
    if not (column.primary_key and len(pk) == 1 and isinstance(column.type, Integer)
            and not column.foreign_keys):
        return False
    return (conn.dialect.name == "sqlite" or column.server_default is not None
            or getattr(column, "identity", None) is not None)


def _fill(conn: Connection) -> list[str]:
    """One row in every empty table (parents first); the tables that refused one."""
    meta = MetaData()
    meta.reflect(conn)
    parents: dict[str, Any] = {}
    refused: list[str] = []
    for table in meta.sorted_tables:
        if table.name == "alembic_version":
            continue
        pk = list(table.primary_key.columns)
        existing = conn.execute(select(*pk).limit(1)).first() if pk else None
        if existing is None:
            row = {c.name: _value(c, parents) for c in table.columns
                   if not _generated(conn, c, pk)}
            try:
                with conn.begin_nested():
                    done = conn.execute(table.insert().values(**row))
                existing = done.inserted_primary_key
            except DBAPIError as err:
                refused.append(f"{table.name}: {str(err.orig)[:200]}")
                continue
        if existing is not None and len(pk) == 1:
            parents[table.name] = existing[0]
    return refused


def _checksums(conn: Connection) -> dict[str, str]:
    meta = MetaData()
    meta.reflect(conn)
    sums: dict[str, str] = {}
    for table in meta.sorted_tables:
        if table.name == "alembic_version":
            continue
        rows = sorted(repr(tuple(_plain(v) for v in row))
                      for row in conn.execute(select(table)))
        sums[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return sums


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()  # SQLite reads back naive values
    return value


def _with(url: str, work: Any) -> Any:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            return work(conn)
    finally:
        engine.dispose()


def test_every_revision_goes_down_and_up_with_data_in_every_table(db_url: str) -> None:
    chain = revisions()
    previous = chain[0]
    command.upgrade(migrate.make_config(db_url), previous)
    for revision in chain[1:]:
        refused = _with(db_url, _fill)
        assert refused == [], f"at {previous}, tables that took no row: {refused}"
        before = _with(db_url, _checksums)
        command.upgrade(migrate.make_config(db_url), revision)
        command.downgrade(migrate.make_config(db_url), previous)
        after = _with(db_url, _checksums)
        assert after == before, f"{previous} -> {revision} -> {previous} changed " + ", ".join(
            t for t in before if after.get(t) != before[t])
        command.upgrade(migrate.make_config(db_url), revision)
        previous = revision
    assert _with(db_url, _fill) == []
    tables = _with(db_url, lambda conn: set(inspect(conn).get_table_names()))
    assert len(tables) > 20  # every model's table, each holding a row
    assert migrate.schema_diff(db_url) == []


# ----------------------------------------------------------------- locks on PostgreSQL

def _sql(previous: str, revision: str) -> str:
    cfg = migrate.make_config("postgresql://postgres@localhost/offline")
    buffer = io.StringIO()
    cfg.output_buffer = buffer
    command.upgrade(cfg, f"{previous}:{revision}", sql=True)
    return buffer.getvalue()


def _squawk() -> str:
    found = shutil.which("squawk") or str(Path(sys.executable).with_name("squawk"))
    assert Path(found).exists(), "squawk (squawk-cli, in the test extras) is not installed"
    return found


def lint(sql: str, tmp_path: Path) -> list[tuple[str, str]]:
    """squawk's findings (rule, message) on `sql` as PostgreSQL 15 runs it."""
    path = tmp_path / "migration.sql"
    path.write_text(sql)
    done = subprocess.run(
        [_squawk(), "--pg-version=15", "--reporter=gcc", f"--exclude={NOT_LOCKING}", str(path)],
        capture_output=True, text=True, check=False)
    found = []
    for line in done.stdout.splitlines():
        if ": warning: " in line or ": error: " in line:
            rule, _, message = line.split(": ", 2)[-1].partition(" ")
            found.append((rule.split()[-1], message))
    return found


def test_the_linter_sees_a_locking_migration(tmp_path: Path) -> None:
    """Guard: squawk runs and reports what these tests rely on it to report."""
    found = lint("SET LOCAL lock_timeout = '10s';\n"
                 "CREATE INDEX ix_case_event_at ON case_event (at);\n"
                 "ALTER TABLE case_record ADD COLUMN x integer NOT NULL;\n", tmp_path)
    rules = {rule for rule, _ in found}
    assert {"require-concurrent-index-creation", "adding-required-field"} <= rules, found


def test_no_migration_takes_a_lock_that_would_stop_the_system(tmp_path: Path) -> None:
    chain = ["base", *revisions()]
    problems = []
    for previous, revision in itertools.pairwise(chain):
        sql = _sql(previous, revision)
        assert "SET LOCAL lock_timeout" in sql, f"{revision}: no lock_timeout"
        for rule, message in lint(sql, tmp_path):
            if (revision, rule) not in ACCEPTED:
                problems.append(f"{revision}: {rule}: {message}")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("key", sorted(ACCEPTED))
def test_each_accepted_hazard_is_still_there(key: tuple[str, str], tmp_path: Path) -> None:
    """An accepted hazard that no longer occurs leaves the list (it would excuse a new one)."""
    chain = ["base", *revisions()]
    revision, rule = key
    previous = chain[chain.index(revision) - 1]
    assert rule in {r for r, _ in lint(_sql(previous, revision), tmp_path)}
