"""Shared fixtures: a fresh database per test (SQLite file, or a new PostgreSQL database
when DATABASE_URL points at PostgreSQL), and the demo world loaded into it."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

import models
from models.db import make_engine, make_sessionmaker
from workflows import features

# The kernel's registry filled with every feature, as the app and the CLI do at start.
features.install()

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"


def _pg_admin_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """URL of an empty database that only this test uses."""
    admin = _pg_admin_url()
    if admin is None:
        yield f"sqlite:///{tmp_path}/jianfu-test.sqlite3"
        return
    name = f"jianfu_t_{uuid.uuid4().hex[:12]}"
    base = admin.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def sessions(db_url: str, request: pytest.FixtureRequest) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test's own database. After the test, unless it is marked
    `tampers`, every case it created must replay identically and the audit must verify."""
    engine = make_engine(db_url)
    models.Base.metadata.create_all(engine)
    make = make_sessionmaker(engine)
    yield make
    if request.node.get_closest_marker("tampers") is None:
        _check_history(make)
    engine.dispose()


def _check_history(make: sessionmaker[Session]) -> None:
    from sqlalchemy import select

    from workflows.kernel import audit, replay

    with make() as session:
        ids = list(session.scalars(select(models.Case.id)))
        diverged = {cid: r.differences for cid in ids
                    if not (r := replay.replay_case(session, cid)).ok}
        problems = [str(p) for p in audit.verify(session)]
    assert not diverged, f"cases that do not replay: {diverged}"
    assert not problems, f"audit problems: {problems}"


def _build_demo(url: str) -> None:
    from workflows.demo import loader as demo

    engine = make_engine(url)
    models.Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, BPMN_DIR)
    engine.dispose()  # SQLite: closing the last connection checkpoints the WAL into the file


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo world built once per test process (about 60 commands and the argon2 hashes
    of the demo users); `demo_world` copies it into each test's own database."""
    admin = _pg_admin_url()
    if admin is None:
        url = f"sqlite:///{tmp_path_factory.mktemp('demo-template')}/demo.sqlite3"
        _build_demo(url)
        yield url
        return
    name = f"jianfu_tmpl_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin.replace("postgresql://", "postgresql+psycopg://", 1),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    try:
        _build_demo(url)
        yield name
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def demo_world(sessions: sessionmaker[Session], db_url: str,
               demo_template: str) -> sessionmaker[Session]:
    """The demo org tree, users (password workflows.demo.loader.DEMO_PASSWORD) and cases:
    the test's database replaced by a copy of the demo template (the same result as loading
    the demo into it, without paying for it in every test)."""
    sessions.kw["bind"].dispose()  # no connection may stay open on the database replaced
    admin = _pg_admin_url()
    if admin is None:
        target = Path(db_url.split(":///", 1)[1])
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(demo_template.split(":///", 1)[1], target)
        return sessions
    name = db_url.rsplit("/", 1)[1]
    engine = create_engine(admin.replace("postgresql://", "postgresql+psycopg://", 1),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{demo_template}"'))
    engine.dispose()
    return sessions
