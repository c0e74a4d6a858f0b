"""T5.2 — durability settings checked at runtime.

SQLite: 100 % of connections from `make_engine` report journal_mode=wal, synchronous=2 (FULL)
and foreign_keys=1 — several at once, again after they went back to the pool and were reused,
and after the pool was disposed. A plain `create_engine` without our listener fails
`check_durability`. PostgreSQL: `check_durability` passes on the server, and fails on a
database configured with synchronous_commit=off.
"""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import create_engine, text

from models.db import check_durability, durability_settings, make_engine, make_sessionmaker

SQLITE_SAFE = ("wal", 2, 1)


def _pragmas(conn):
    """Read the settings, then end the transaction: our engine begins every transaction
    with BEGIN IMMEDIATE, so an open one would block the next connection."""
    values = tuple(conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                   for p in ("journal_mode", "synchronous", "foreign_keys"))
    conn.commit()
    return values


def test_every_sqlite_connection_is_durable(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/durable.sqlite3", pool_size=3, max_overflow=3)
    try:
        seen = []
        for _ in range(3):  # several at once, then reused from the pool, twice over
            with contextlib.ExitStack() as stack:
                conns = [stack.enter_context(engine.connect()) for _ in range(6)]
                seen += [_pragmas(c) for c in conns]
        engine.dispose()  # brand-new connections after a dispose
        with engine.connect() as conn:
            seen.append(_pragmas(conn))
        with make_sessionmaker(engine)() as session:  # and through the ORM session
            seen.append(tuple(session.execute(text(f"PRAGMA {p}")).scalar()
                              for p in ("journal_mode", "synchronous", "foreign_keys")))
            session.commit()
        assert seen == [SQLITE_SAFE] * len(seen)
        check_durability(engine)
        assert durability_settings(engine) == {"journal_mode": "wal", "synchronous": "2",
                                               "foreign_keys": "1"}
    finally:
        engine.dispose()


def test_plain_sqlite_engine_is_refused(tmp_path):
    unsafe = create_engine(f"sqlite:///{tmp_path}/unsafe.sqlite3")
    try:
        with pytest.raises(RuntimeError, match="unsafe database settings"):
            check_durability(unsafe)
    finally:
        unsafe.dispose()


def _require_pg(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: run with DATABASE_URL=postgresql://...")


def test_postgresql_settings_pass(db_url):
    _require_pg(db_url)
    engine = make_engine(db_url)
    try:
        check_durability(engine)
        assert durability_settings(engine) == {"fsync": "on", "synchronous_commit": "on",
                                               "full_page_writes": "on"}
    finally:
        engine.dispose()


def test_postgresql_async_commit_is_refused(db_url):
    _require_pg(db_url)
    name = db_url.rsplit("/", 1)[1]
    admin = make_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # only this throwaway test database is changed
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    engine = make_engine(db_url)
    try:
        with pytest.raises(RuntimeError, match="synchronous_commit"):
            check_durability(engine)
    finally:
        engine.dispose()
