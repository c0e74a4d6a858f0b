"""Backups of a Jianfu database with the instance secrets that make it readable (T5.3).

One archive (a tar file, mode 0600: it holds secrets) carries:
- `database.sqlite3`, made with SQLite's online backup API (a consistent copy while other
  processes keep writing), or `database.pgdump`, PostgreSQL's `pg_dump --format=custom`
  (one consistent snapshot);
- `secrets.json`: the instance secrets (`JIANFU_SECRET_KEY`, `JIANFU_VAULT_KEY`,
  `JIANFU_RECEIPT_SALT`, `JIANFU_AUDIT_KEY`) from the environment or instance/: without the
  vault key sealed identities and original evidence are lost, without the salt receipt codes
  stop working;
- `manifest.json`: when, from which kind of database, the schema revision, the number of
  history events and the last one's sequence number and hash, and the SHA-256 of each member.

`restore` checks every member against the manifest, refuses a database that already holds
tables, loads the copy, and checks the history it restored against the manifest. Verifying the
history itself (`jianfu audit verify`, `jianfu replay --all`) is the caller's next step.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from models.case_event import CaseEvent
from models.db import database_url, make_engine

SECRET_NAMES = ("SECRET_KEY", "VAULT_KEY", "RECEIPT_SALT", "AUDIT_KEY")
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: str
    kind: str  # "sqlite" or "postgresql"
    revision: str
    events: int
    last_seq: int | None
    last_hash: str | None
    members: dict[str, str]  # name -> sha256


def instance_secrets(instance: Path) -> dict[str, str]:
    """Each secret from `JIANFU_<NAME>` in the environment, else from instance/<name>."""
    found: dict[str, str] = {}
    for name in SECRET_NAMES:
        value = os.environ.get(f"JIANFU_{name}")
        path = instance / name.lower()
        if not value and path.is_file():
            value = path.read_text(encoding="utf-8").strip()
        if value:
            found[name] = value
    return found


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {backend} database")
    return backend


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def history_head(url: str) -> tuple[str, int, int | None, str | None]:
    """(schema revision, event count, last event's seq, its hash) of the database at `url`."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            revision = ""
            if inspect(conn).has_table("alembic_version"):
                revision = ",".join(sorted(conn.scalars(
                    text("SELECT version_num FROM alembic_version"))))
            count = int(conn.scalar(select(func.count()).select_from(CaseEvent)) or 0)
            last = conn.execute(select(CaseEvent.global_seq, CaseEvent.hash)
                                .order_by(CaseEvent.global_seq.desc()).limit(1)).first()
    finally:
        engine.dispose()
    return revision, count, (int(last[0]) if last else None), (str(last[1]) if last else None)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _dump(url: str, kind: str, folder: Path) -> Path:
    if kind == "sqlite":
        target = folder / "database.sqlite3"
        source = sqlite3.connect(make_url(url).database or "")
        try:
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy)  # one step: a consistent snapshot under WAL
            copy.close()
        finally:
            source.close()
        return target
    target = folder / "database.pgdump"
    done = subprocess.run(  # a fixed program, no shell
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), _libpq_url(url)],
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return target


def backup(url: str | None, archive: Path, instance: Path = Path("instance")) -> Manifest:
    """Write the archive for the database at `url` (default: the environment's)."""
    url = database_url(url)
    kind = _kind(url)
    with tempfile.TemporaryDirectory(prefix="jianfu-backup-") as tmp:
        folder = Path(tmp)
        # The head is read before the copy: everything acknowledged by then is in it.
        revision, events, last_seq, last_hash = history_head(url)
        dump = _dump(url, kind, folder)
        secrets_file = folder / "secrets.json"
        secrets_file.write_text(json.dumps(instance_secrets(instance), indent=1), "utf-8")
        manifest = Manifest(FORMAT, datetime.now(UTC).isoformat(timespec="seconds"), kind,
                            revision, events, last_seq, last_hash,
                            {p.name: _sha256(p) for p in (dump, secrets_file)})
        archive.parent.mkdir(parents=True, exist_ok=True)
        partial = archive.with_name(archive.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            body = json.dumps(asdict(manifest), indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
            for path in (dump, secrets_file):
                tar.add(path, arcname=path.name)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, archive)  # never a half-written archive under the real name
    return manifest


def read_manifest(archive: Path) -> Manifest:
    try:
        with tarfile.open(archive) as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            return Manifest(**json.loads(member.read()))
    except (OSError, KeyError, tarfile.TarError, TypeError, ValueError) as err:
        raise BackupError(f"{archive} is not a Jianfu backup: {err}") from err


def _unpack(archive: Path, folder: Path) -> Manifest:
    manifest = read_manifest(archive)
    with tarfile.open(archive) as tar:
        for name in manifest.members:
            member = tar.getmember(name)
            if not member.isfile():
                raise BackupError(f"{archive}: {name} is not a file")
            source = tar.extractfile(member)
            assert source is not None
            with source, (folder / name).open("wb") as out:
                shutil.copyfileobj(source, out)
    for name, digest in manifest.members.items():
        if _sha256(folder / name) != digest:
            raise BackupError(f"{archive}: {name} does not match its checksum; the archive "
                              "is damaged or was altered")
    return manifest


def _require_empty(url: str) -> None:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(f"the target database already holds {len(tables)} tables; restore "
                          "into a new, empty database")


def _load(url: str, kind: str, dump: Path) -> None:
    if kind == "sqlite":
        target = sqlite3.connect(make_url(url).database or "")
        source = sqlite3.connect(dump)
        try:
            with target:
                source.backup(target)
        finally:
            source.close()
            target.close()
        return
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
         "--dbname", _libpq_url(url), str(dump)],
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def restore(archive: Path, url: str | None) -> tuple[Manifest, dict[str, str]]:
    """Load the archive into the empty database at `url`; its manifest and secrets."""
    url = database_url(url)
    kind = _kind(url)
    with tempfile.TemporaryDirectory(prefix="jianfu-restore-") as tmp:
        folder = Path(tmp)
        manifest = _unpack(archive, folder)
        if manifest.kind != kind:
            raise BackupError(f"the archive holds a {manifest.kind} database; restore it into "
                              f"a {manifest.kind} database, not {kind}")
        _require_empty(url)
        dump = folder / ("database.sqlite3" if kind == "sqlite" else "database.pgdump")
        _load(url, kind, dump)
        secrets = json.loads((folder / "secrets.json").read_text("utf-8"))
    events = history_head(url)[1]
    if events < manifest.events or (manifest.last_seq is not None and not _holds(
            url, manifest.last_seq, manifest.last_hash)):
        raise BackupError(f"the restored history ends before the manifest's event "
                          f"{manifest.last_seq}: the copy is incomplete")
    return manifest, secrets


def _holds(url: str, seq: int, digest: str | None) -> bool:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            found = conn.scalar(select(CaseEvent.hash).where(CaseEvent.global_seq == seq))
    finally:
        engine.dispose()
    return found is not None and found == digest


def write_secrets(secrets: dict[str, str], instance: Path, force: bool = False) -> list[str]:
    """Put restored secrets into instance/ (0600); refuse to replace a different value unless
    `force`. Returns the names written."""
    instance.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for name, value in secrets.items():
        path = instance / name.lower()
        if path.exists() and path.read_text("utf-8").strip() != value and not force:
            raise BackupError(f"{path} holds another {name}; move it away or use --force")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(value)
        written.append(name)
    return written
