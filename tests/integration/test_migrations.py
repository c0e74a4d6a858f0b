"""Alembic migrations produce exactly the schema the models describe, on SQLite and PostgreSQL.

SQLite always runs (a temp file). PostgreSQL runs when $DATABASE_URL is a postgresql:// URL:
a throwaway database with a random name is created next to it and dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, make_url, text
from sqlalchemy.pool import NullPool

from models import migrate
from models.db import make_engine


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    base = _postgres_url()
    if base is None:
        pytest.skip("DATABASE_URL is not a postgresql:// URL")
    name = f"jianfu_mig_{secrets.token_hex(6)}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(base).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_one_head_revision() -> None:
    assert len(migrate.head_revisions()) == 1


def test_upgrade_matches_models(db_url: str) -> None:
    assert not migrate.check_current(db_url)
    migrate.upgrade(db_url)
    assert migrate.check_current(db_url)
    assert migrate.schema_diff(db_url) == []


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    migrate.upgrade(db_url)
    migrate.downgrade(db_url, "base")
    assert _tables(db_url) <= {"alembic_version"}
    assert not migrate.check_current(db_url)
    migrate.upgrade(db_url)
    assert migrate.check_current(db_url)
    assert migrate.schema_diff(db_url) == []


def test_schema_diff_sees_drift(db_url: str) -> None:
    """Guard against a comparison that is empty because it compares nothing."""
    migrate.upgrade(db_url)
    engine = make_engine(db_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP INDEX ix_human_task_state"))
    finally:
        engine.dispose()
    diff = migrate.schema_diff(db_url)
    assert [d[0] for d in diff] == ["add_index"]
