"""Database engine and sessions: SQLite (WAL, synchronous FULL, foreign keys) or PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///instance/jianfu.sqlite3"


def database_url(explicit: str | None = None) -> str:
    """The URL in force: an explicit one, else $DATABASE_URL, else the SQLite file default."""
    return explicit or os.environ.get("DATABASE_URL") or DEFAULT_URL


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


WRITE_OPTION = "jianfu_write"


def _sqlite_begin(conn: Any) -> None:
    # Readers take no lock; a command marked as a writer takes the write lock up front
    # (BEGIN IMMEDIATE) instead of failing on lock upgrade half way through.
    writer = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def begin_write(session: Session) -> None:
    """Start the session's next transaction as a writer (SQLite: BEGIN IMMEDIATE).

    Any read transaction still open in the session is ended first, so the command reads
    the state it writes under the write lock.
    """
    if session.in_transaction():
        session.rollback()
    session.connection(execution_options={WRITE_OPTION: True})


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for `url` with Jianfu's durability settings applied to every connection."""
    url = database_url(url)
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def durability_settings(engine: Engine) -> dict[str, str]:
    """What the connection really runs with (T5.2): checked at start-up and in tests."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return {
                "journal_mode": str(conn.execute(text("PRAGMA journal_mode")).scalar()),
                "synchronous": str(conn.execute(text("PRAGMA synchronous")).scalar()),
                "foreign_keys": str(conn.execute(text("PRAGMA foreign_keys")).scalar()),
            }
        return {
            name: str(conn.execute(text(f"SHOW {name}")).scalar())
            for name in ("fsync", "synchronous_commit", "full_page_writes")
        }


SAFE_SETTINGS = {
    "sqlite": {"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1"},
    "postgresql": {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"},
}


def check_durability(engine: Engine) -> None:
    """Refuse to run on settings that can lose acknowledged commits."""
    want = SAFE_SETTINGS[engine.dialect.name]
    have = durability_settings(engine)
    bad = {k: have.get(k) for k, v in want.items() if have.get(k) != v}
    if bad:
        raise RuntimeError(f"unsafe database settings {bad}; required {want}")
