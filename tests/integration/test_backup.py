"""T5.3 — backups: `jianfu backup` / `jianfu restore` (models/backup.py) on SQLite (online
backup API) and PostgreSQL (pg_dump / pg_restore), with the instance secrets.

The drill takes backups while a writer keeps committing cases, restores each into a new
database, and checks that it verifies (audit, replay of every case) and holds every command
acknowledged before the backup began. Size in `make test`: 3 backups; the catalogue's 10:
JIANFU_BACKUP_DRILL=10 (README, "Long harnesses").
"""

from __future__ import annotations

import io
import os
import tarfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from models import Base, Case, backup
from models.db import make_engine
from tests.integration.harness import (
    fresh_definition_cache,  # noqa: F401
    mp_context,
)
from webapp.cli.backup import verify_restored
from webapp.cli.main import main

DRILL = int(os.environ.get("JIANFU_BACKUP_DRILL", "3"))
SECRETS = {"JIANFU_SECRET_KEY": "s" * 8 + uuid.uuid4().hex, "JIANFU_RECEIPT_SALT": "ab" * 16}


@pytest.fixture
def new_db(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """new_db(): the URL of another empty database (dropped after the test)."""
    admin = os.environ.get("DATABASE_URL", "")
    if not admin.startswith("postgresql"):
        yield lambda: f"sqlite:///{tmp_path}/restored-{uuid.uuid4().hex[:8]}.sqlite3"
        return
    engine = create_engine(admin.replace("postgresql://", "postgresql+psycopg://", 1),
                           isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = f"jianfu_r_{uuid.uuid4().hex[:12]}"
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return admin.rsplit("/", 1)[0] + f"/{name}"

    yield make
    with engine.connect() as conn:
        for name in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names()) & set(Base.metadata.tables)
        counts = {n: int(conn.scalar(select(func.count()).select_from(Base.metadata.tables[n]))
                         or 0) for n in sorted(names)}
    engine.dispose()
    return counts


def titles(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = set(conn.scalars(select(Case.title)))
    engine.dispose()
    return found


def test_round_trip_keeps_every_row_and_the_secrets(
        demo_world: sessionmaker[Session], db_url: str, new_db: Callable[[], str],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    archive = tmp_path / "b.tar"
    manifest = backup.backup(db_url, archive, tmp_path / "instance")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    assert manifest.events > 20 and manifest.last_hash
    target = new_db()
    restored, secrets = backup.restore(archive, target)
    assert restored == manifest
    assert secrets == {"SECRET_KEY": SECRETS["JIANFU_SECRET_KEY"],
                       "RECEIPT_SALT": SECRETS["JIANFU_RECEIPT_SALT"]}
    assert row_counts(target) == row_counts(db_url)
    assert verify_restored(target) == []


def test_damage_a_full_target_and_the_wrong_kind_are_refused(
        demo_world: sessionmaker[Session], db_url: str, new_db: Callable[[], str],
        tmp_path: Path) -> None:
    archive = tmp_path / "b.tar"
    manifest = backup.backup(db_url, archive, tmp_path / "instance")
    with pytest.raises(backup.BackupError, match="already holds"):
        backup.restore(archive, db_url)
    # One byte of the copy changed: the checksum names the member.
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as out:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("database."):
                data = data[:-100] + bytes([data[-100] ^ 1]) + data[-99:]
            out.addfile(member, io.BytesIO(data))
    with pytest.raises(backup.BackupError, match="does not match its checksum"):
        backup.restore(damaged, new_db())
    other = ("sqlite:///" + str(tmp_path / "x.sqlite3") if manifest.kind == "postgresql"
             else "postgresql://postgres@127.0.0.1:5432/unused")
    with pytest.raises(backup.BackupError, match=f"holds a {manifest.kind} database"):
        backup.restore(archive, other)
    not_a_backup = tmp_path / "x.tar"
    not_a_backup.write_bytes(b"hello")
    with pytest.raises(backup.BackupError, match="not a Jianfu backup"):
        backup.read_manifest(not_a_backup)


def test_drill_under_load_every_acknowledged_command_is_restored(
        demo_world: sessionmaker[Session], db_url: str, new_db: Callable[[], str],
        tmp_path: Path) -> None:
    from tests.integration.harness import backup_procs

    ctx = mp_context()
    journal = tmp_path / "acked.txt"
    journal.touch()
    stop = ctx.Event()
    proc = ctx.Process(target=backup_procs.writer, args=(db_url, str(journal), stop, 10_000))
    proc.start()
    taken: list[tuple[Path, set[str]]] = []
    try:
        for n in range(DRILL):
            deadline = time.monotonic() + 60
            while (len(journal.read_text("utf-8").splitlines()) < 2 * (n + 1)
                   and time.monotonic() < deadline):
                time.sleep(0.05)
            acked = set(journal.read_text("utf-8").splitlines())
            archive = tmp_path / f"drill-{n}.tar"
            backup.backup(db_url, archive, tmp_path / "instance")
            taken.append((archive, acked))
    finally:
        stop.set()
        proc.join(timeout=120)
    assert proc.exitcode == 0
    verified = 0
    for archive, acked in taken:
        assert acked, "the writer acknowledged nothing before the backup"
        target = new_db()
        backup.restore(archive, target)
        assert acked <= titles(target), f"{archive.name}: lost {sorted(acked - titles(target))}"
        assert verify_restored(target) == [], archive.name
        verified += 1
    assert verified == DRILL


def test_the_cli_backs_up_and_restores(demo_world: sessionmaker[Session], db_url: str,
                                       new_db: Callable[[], str], tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "vault_key").write_text("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
    runner = CliRunner()
    archive = tmp_path / "cli.tar"
    done = runner.invoke(main, ["backup", "--database-url", db_url, "--instance",
                                str(instance), "-o", str(archive)])
    assert done.exit_code == 0, done.output
    assert "VAULT_KEY" in done.output
    restored_instance = tmp_path / "restored-instance"
    target = new_db()
    done = runner.invoke(main, ["restore", str(archive), "--database-url", target,
                                "--instance", str(restored_instance)])
    assert done.exit_code == 0, done.output
    assert "restore verified" in done.output
    assert (restored_instance / "vault_key").read_text() == (instance / "vault_key").read_text()
    # Into a database that holds tables: a clear refusal, exit 1, nothing changed.
    done = runner.invoke(main, ["restore", str(archive), "--database-url", target,
                                "--instance", str(restored_instance)])
    assert done.exit_code == 1 and "already holds" in done.output


def _naive_copy(url: str, kind: str, folder: Path) -> Path:
    """The classic mistake: copy the SQLite file while it is in use, without its WAL."""
    import shutil

    from sqlalchemy.engine import make_url

    target = folder / "database.sqlite3"
    shutil.copyfile(make_url(url).database or "", target)
    return target


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                    reason="the broken variant copies a SQLite file; PostgreSQL has no file")
def test_the_drill_catches_a_backup_that_copies_the_file(
        demo_world: sessionmaker[Session], db_url: str, new_db: Callable[[], str],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.harness import backup_procs

    monkeypatch.setattr(backup, "_dump", _naive_copy)
    ctx = mp_context()
    journal = tmp_path / "acked.txt"
    journal.touch()
    stop = ctx.Event()
    proc = ctx.Process(target=backup_procs.writer, args=(db_url, str(journal), stop, 10_000))
    proc.start()
    try:
        while len(journal.read_text("utf-8").splitlines()) < 3:
            time.sleep(0.05)
        acked = set(journal.read_text("utf-8").splitlines())
        archive = tmp_path / "naive.tar"
        backup.backup(db_url, archive, tmp_path / "instance")
    finally:
        stop.set()
        proc.join(timeout=120)
    flagged: list[str] = []
    try:
        target = new_db()
        backup.restore(archive, target)
        flagged += [f"lost {t}" for t in acked - titles(target)]
        flagged += verify_restored(target)
    except backup.BackupError as err:
        flagged.append(str(err))
    assert flagged, "a backup without the WAL went unnoticed"
