"""Process versions for the administrator (issue 20, item 4): every deployed version of every
process with its content hash, who deployed it and when, and how many cases run on it; and a
new version deployed from uploaded files with the same validation as `jianfu deploy`.

A deployment is an administrative action: the new `process_version` row and its
`process.deploy` event of the administration record commit together
(`workflows.admin.record`). Cases already running stay pinned to their version; new cases
start on the newest one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Case, OrgUnit, ProcessVersion, User
from workflows.admin import record
from workflows.kernel import engine, forms, processes
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError, ProcessError, ValidationFailedError

MAX_FILE_BYTES = 512 * 1024
FILE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,78}\.(bpmn|dmn)$")


@dataclass(frozen=True)
class VersionRow:
    id: int
    process_id: str
    version: int
    content_hash: str
    deployed_at: datetime
    deployed_by: str | None  # None: deployed with `jianfu deploy`
    cases: int
    files: tuple[str, ...]
    newest: bool
    bound_to: str | None = None  # a pilot town's variant: the town (docs/pilots.md)


@dataclass(frozen=True)
class Deployed:
    version: ProcessVersion
    new: bool  # False: these exact sources were already deployed as `version`


def _rows(session: Session, where: object | None = None) -> list[VersionRow]:
    counts = dict(session.execute(
        select(Case.process_version_id, func.count()).group_by(Case.process_version_id)).all())
    newest = dict(session.execute(
        select(ProcessVersion.process_id, func.max(ProcessVersion.version))
        .where(ProcessVersion.bound_unit_id.is_(None))  # a town's variant is never the newest
        .group_by(ProcessVersion.process_id)).all())
    query = (select(ProcessVersion, User.display_name, OrgUnit.name)
             .outerjoin(User, User.id == ProcessVersion.deployed_by)
             .outerjoin(OrgUnit, OrgUnit.id == ProcessVersion.bound_unit_id)
             .order_by(ProcessVersion.process_id, ProcessVersion.version.desc()))
    if where is not None:
        query = query.where(where)  # type: ignore[arg-type]
    return [VersionRow(pv.id, pv.process_id, pv.version, pv.content_hash, pv.deployed_at, name,
                       int(counts.get(pv.id, 0)), tuple(sorted(pv.sources)),
                       newest.get(pv.process_id) == pv.version,
                       town)
            for pv, name, town in session.execute(query)]


def listing(session: Session, actor: Actor) -> list[VersionRow]:
    """Every version of every process, each process's newest first."""
    record.require_admin(actor)
    return _rows(session)


def version(session: Session, actor: Actor, version_id: int) -> tuple[VersionRow, dict[str, str]]:
    """One version and its source files."""
    record.require_admin(actor)
    rows = _rows(session, ProcessVersion.id == version_id)
    pv = session.get(ProcessVersion, version_id)
    if not rows or pv is None:
        raise NotFoundError("no such process version")
    return rows[0], dict(pv.sources)


def _text(name: str, data: bytes) -> str:
    if not FILE_NAME.match(name):
        raise ValidationFailedError({"files": [
            f"{name}: a file name is the process id or decision table id with .bpmn or .dmn"]})
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailedError({"files": [f"{name}: larger than {MAX_FILE_BYTES} bytes"]})
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValidationFailedError({"files": [f"{name}: not UTF-8 text"]}) from err


def sources_of(session: Session, files: dict[str, bytes]) -> tuple[str, dict[str, str]]:
    """(process id, sources) of an upload: exactly one .bpmn (its name is the process id)
    and any .dmn files; decision tables not uploaded are taken from the process's newest
    version, as `jianfu deploy` bundles every table beside the model."""
    texts = {name: _text(name, data) for name, data in files.items()}
    models = [n for n in texts if n.endswith(".bpmn")]
    if len(models) != 1:
        raise ValidationFailedError({"files": ["upload exactly one .bpmn file"]})
    process_id = models[0].removesuffix(".bpmn")
    if process_id not in forms.START_FORMS:
        raise ValidationFailedError({"files": [
            f"no part of Jianfu runs a process {process_id}: only new versions of "
            "the existing processes can be deployed"]})
    newest = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                            .order_by(ProcessVersion.version.desc()).limit(1))
    tables = {n: t for n, t in (newest.sources if newest is not None else {}).items()
              if n.endswith(".dmn")}
    return process_id, {**tables, **texts}


def _check(process_id: str, sources: dict[str, str]) -> None:
    """The deploy-time checks: the model parses (the parser's message when not), and every
    user task has a form (a task without one could never be completed)."""
    defn = engine.ProcessDefinition(process_id, processes.content_hash(sources), sources)
    try:
        tasks = engine.user_tasks(defn)
    except ProcessError as err:
        raise ValidationFailedError({"files": [str(err)]}) from err
    missing = [t.task_id for t in tasks if forms.form_schema(process_id, t.task_id) is None]
    if missing:
        raise ValidationFailedError({"files": [
            f"no form for the user task(s) {', '.join(missing)} of {process_id}"]})


# The deploy-time checks, for a pilot town's variant too (workflows.pilots.variants).
check_sources = _check


def deploy(session: Session, actor: Actor, files: dict[str, bytes]) -> Deployed:
    """Deploy an uploaded model as the process's next version, recorded as `process.deploy`;
    the same sources twice give the version already stored and record nothing."""
    record.require_admin(actor)
    process_id, sources = sources_of(session, files)
    digest = processes.content_hash(sources)
    existing = session.scalar(select(ProcessVersion).where(ProcessVersion.content_hash == digest))
    if existing is not None:
        session.rollback()
        return Deployed(existing, False)
    _check(process_id, sources)
    made: list[ProcessVersion] = []
    after: dict[str, object] = {"process_id": process_id, "content_hash": digest,
                                "files": sorted(sources)}

    def change(s: Session) -> None:
        pv, _new = processes.add_version(s, process_id, sources, deployed_by=actor.user_id)
        made.append(pv)
        after["version"] = pv.version  # numbered inside the transaction that stores it

    record.record(session, actor, "process.deploy", {"process": process_id}, after=after,
                  change=change)
    pv = session.get(ProcessVersion, made[0].id)
    assert pv is not None
    return Deployed(pv, True)
