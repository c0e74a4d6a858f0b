"""Process versions: deploy the files in bpmn/ by content hash, load and cache definitions."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from models import ProcessVersion, utcnow
from workflows.kernel import engine, registry
from workflows.kernel.errors import NotFoundError
from workflows.kernel.history import canonical, sha256

_DEFS: dict[tuple[str, str], engine.ProcessDefinition] = {}
_SESSION_KEYS = "jianfu.process_version_keys"
_PV = ProcessVersion.__table__
_KEY_Q = select(_PV.c.process_id, _PV.c.content_hash).where(_PV.c.id == bindparam("id"))
_LOCK = threading.Lock()


def bundle(bpmn_dir: Path, process_id: str) -> dict[str, str]:
    """The sources of one process: its .bpmn file plus every .dmn decision table."""
    main = bpmn_dir / f"{process_id}.bpmn"
    files = {main.name: main.read_text(encoding="utf-8")}
    for dmn in sorted(bpmn_dir.glob("*.dmn")):
        files[dmn.name] = dmn.read_text(encoding="utf-8")
    return files


def content_hash(sources: dict[str, str]) -> str:
    return sha256(canonical(sources))


def deploy(session: Session, bpmn_dir: Path) -> list[ProcessVersion]:
    """Store each process in `bpmn_dir` as a new version unless the same content exists.

    Every file is parsed (and its scripts compiled on first run) before it is stored, so a
    broken model is refused at deploy time. Returns the versions now current.
    """
    current = [add_version(session, path.stem, bundle(bpmn_dir, path.stem))[0]
               for path in sorted(bpmn_dir.glob("*.bpmn"))]
    session.commit()
    return current


def add_version(
    session: Session, process_id: str, sources: dict[str, str], deployed_by: int | None = None,
    bound_unit_id: int | None = None,
) -> tuple[ProcessVersion, bool]:
    """The version of these sources: the stored one with the same content, or a new version
    after the sources parse (a broken model raises the engine's error). Flushes, never
    commits; True when it is new. `bound_unit_id` binds a new version to one org unit: it
    is then a variant, started only when a version chooser picks it (`for_start`)."""
    digest = content_hash(sources)
    existing = session.scalar(select(ProcessVersion).where(ProcessVersion.content_hash == digest))
    if existing is not None:
        return existing, False
    engine.parse(engine.ProcessDefinition(process_id, digest, sources))
    last = session.scalar(
        select(func.max(ProcessVersion.version)).where(ProcessVersion.process_id == process_id)
    )
    pv = ProcessVersion(
        process_id=process_id,
        version=(last or 0) + 1,
        content_hash=digest,
        sources=sources,
        spiff_version=engine.SPIFF_VERSION,
        deployed_at=utcnow(),
        deployed_by=deployed_by,
        bound_unit_id=bound_unit_id,
    )
    session.add(pv)
    session.flush()
    return pv, True


def latest(session: Session, process_id: str) -> ProcessVersion:
    """The newest standard version (never a variant bound to a unit)."""
    pv = session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id, ProcessVersion.bound_unit_id.is_(None))
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )
    if pv is None:
        raise NotFoundError(f"process {process_id} is not deployed")
    return pv


def for_start(
    session: Session, process_id: str, data: Mapping[str, Any], org_unit_id: int | None = None
) -> ProcessVersion:
    """The version a new case of `process_id` starts on: the first version a registered
    chooser picks for this start (it must be a version of the same process), else the
    newest standard version."""
    for chooser in registry.VERSION_CHOOSERS.values():
        chosen = chooser(session, process_id, data, org_unit_id)
        if chosen is None:
            continue
        pv = session.get(ProcessVersion, chosen)
        if pv is None or pv.process_id != process_id:
            raise NotFoundError(f"process version {chosen} is no version of {process_id}")
        return pv
    return latest(session, process_id)


def definition(session: Session, process_version_id: int) -> engine.ProcessDefinition:
    """The parsed-once definition of a version, cached by (process id, content hash)."""
    # A version's row never changes (its content is its hash), so the session remembers
    # which version an id is; otherwise only the key columns are read, never the sources.
    known: dict[int, tuple[str, str]] = session.info.setdefault(_SESSION_KEYS, {})
    key = known.get(process_version_id)
    if key is None:
        row = session.connection().execute(_KEY_Q, {"id": process_version_id}).one_or_none()
        if row is None:
            raise NotFoundError(f"process version {process_version_id} missing")
        key = (str(row[0]), str(row[1]))
    cached = _DEFS.get(key)
    if cached is not None:
        known[process_version_id] = key
        return cached
    pv = session.get(ProcessVersion, process_version_id, populate_existing=True)
    assert pv is not None
    defn = engine.ProcessDefinition(pv.process_id, pv.content_hash, dict(pv.sources))
    if content_hash(defn.sources) != pv.content_hash:
        raise NotFoundError(f"process version {process_version_id} does not match its hash")
    with _LOCK:
        _DEFS[key] = defn
    known[process_version_id] = key
    return defn
