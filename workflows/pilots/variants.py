"""Pilot process variants (measure 8, docs/pilots.md): a process version bound to one
demonstration town, used for that town's new cases only after 区委农办 approves it.

- `deploy_variant`: the administrator uploads the variant's files for a town; the version is
  stored bound to the town (`process_version.bound_unit_id`) with its `process.deploy_variant`
  event of the administration record, then its approval case starts
  (bpmn/pilot_variant_approval.bpmn, the case's business record is the version).
- `choose` is the kernel's version chooser (`workflows.kernel.processes.for_start`): a case
  started for a village of a town runs the newest variant of that town whose approval case
  is "approved"; any other start gets None (the standard version). An unapproved, rejected
  or other town's variant is never chosen; the case pins the version it started on.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, OrgUnit, ProcessVersion
from workflows.admin import record
from workflows.admin import versions as admin_versions
from workflows.kernel import access, processes
from workflows.kernel.access import Actor
from workflows.kernel.cases import BURDEN_OFFICE_CODE, _now, _unit_by_code
from workflows.kernel.commands import run_command
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.kernel.history import GENESIS
from workflows.kernel.state import CASE_STARTED, CaseState, EventDraft
from workflows.pilots.forms import VARIANT_APPROVAL
from workflows.pilots.towns import require_demonstration_town, town_of_start

BUSINESS_TYPE = "process_version"
APPROVED = "approved"
NOT_VARIANTS = frozenset({VARIANT_APPROVAL, "administration"})


@dataclass(frozen=True)
class Variant:
    version_id: int
    process_id: str
    version: int
    town_id: int
    town: str
    deployed_at: datetime
    case_id: int | None  # its approval case (None: approval never asked)
    status: str  # pending, approved, rejected, or "unrequested"
    summary: str


def choose(session: Session, process_id: str, data: Mapping[str, Any],
           org_unit_id: int | None) -> int | None:
    """The approved variant of the start's town for `process_id`, or None."""
    if process_id in NOT_VARIANTS:
        return None
    town_id = town_of_start(session, data, org_unit_id)
    if town_id is None:
        return None
    found = session.scalar(
        select(ProcessVersion.id)
        .join(Case, (Case.business_type == BUSINESS_TYPE) & (Case.business_id == ProcessVersion.id))
        .where(ProcessVersion.process_id == process_id, ProcessVersion.bound_unit_id == town_id,
               Case.case_type == VARIANT_APPROVAL, Case.status == APPROVED)
        .order_by(ProcessVersion.version.desc()).limit(1))
    return int(found) if found is not None else None


def deploy_variant(session: Session, actor: Actor, files: dict[str, bytes], town_id: object,
                   summary: str, now: datetime | None = None) -> Variant:
    """Store the uploaded model as a variant bound to a demonstration town, recorded in the
    administration record, and ask 区委农办 to approve it.

    :raise ValidationFailedError: not a demonstration town, no summary, or bad files
    """
    record.require_admin(actor)
    town = require_demonstration_town(session, town_id)
    summary = " ".join(str(summary or "").split())
    if len(summary) < 2 or len(summary) > 2000:
        raise ValidationFailedError({"summary": ["say in 2 to 2000 characters what differs"]})
    process_id, sources = admin_versions.sources_of(session, files)
    if process_id in NOT_VARIANTS:
        raise ValidationFailedError({"files": [f"{process_id} has no variants"]})
    digest = processes.content_hash(sources)
    existing = session.scalar(select(ProcessVersion).where(ProcessVersion.content_hash == digest))
    if existing is not None:
        raise ValidationFailedError({"files": [
            f"these files are already deployed as version {existing.version}: "
            "a variant must differ from every deployed version"]})
    admin_versions.check_sources(process_id, sources)
    made: list[int] = []
    after: dict[str, object] = {"process_id": process_id, "content_hash": digest,
                                "files": sorted(sources), "town": town.name}

    def change(s: Session) -> None:
        pv, _new = processes.add_version(s, process_id, sources, deployed_by=actor.user_id,
                                         bound_unit_id=town.id)
        made.append(pv.id)
        after["version"] = pv.version

    record.record(session, actor, "process.deploy_variant",
                  {"process": process_id, "unit": town.code}, after=after, change=change,
                  now=now)
    request_approval(session, actor, made[0], summary, now=now)
    return variant(session, made[0])


def request_approval(session: Session, actor: Actor, version_id: int, summary: str,
                     now: datetime | None = None) -> int:
    """Start the approval case of a variant (once: a variant with one is refused)."""
    record.require_admin(actor)
    pv = session.get(ProcessVersion, version_id)
    if pv is None or pv.bound_unit_id is None:
        raise NotFoundError("no such variant")
    if session.scalar(select(Case.id).where(Case.case_type == VARIANT_APPROVAL,
                                            Case.business_id == version_id)) is not None:
        raise ValidationFailedError({"version_id": ["this variant's approval was asked already"]})
    town = session.get(OrgUnit, pv.bound_unit_id)
    assert town is not None
    office = _unit_by_code(session, BURDEN_OFFICE_CODE)
    approval = processes.latest(session, VARIANT_APPROVAL)
    name = process_name(pv)
    title = f"{town.name}试点变体：{name}（第{pv.version}版）"[:200]
    # The version itself is the case's business record (business_id); the data says what a
    # person reads: which process, which version, which town, what differs.
    data = {"title": title, "summary": summary, "process_name": name,
            "version": pv.version, "town_id": town.id,
            "lane_scopes": {access.BURDEN_OFFICE: office.id, access.ADMIN: office.parent_id}}

    def load() -> tuple[Case, CaseState | None]:
        at = _now(None, now)
        case = Case(case_type=VARIANT_APPROVAL, status="new", title=title, version=0,
                    process_version_id=approval.id, scope_org_unit_id=office.id, snapshot="",
                    data="{}", business_type=BUSINESS_TYPE, business_id=pv.id,
                    last_event_hash=GENESIS, created_by=actor.user_id, created_at=at,
                    updated_at=at)
        session.add(case)
        session.flush()
        return case, None

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        return EventDraft(CASE_STARTED, at=case.created_at, actor_id=actor.user_id,
                          actor_role=access.ADMIN,
                          inputs={"data": data, "scope_org_unit_id": office.id, "title": title})

    return run_command(session, load=load, decide=decide).case_id


def process_name(pv: ProcessVersion) -> str:
    """The process's own name in its model (e.g. 减负投诉办理), else its id."""
    source = pv.sources.get(f"{pv.process_id}.bpmn", "")
    found = re.search(rf'<bpmn:process id="{re.escape(pv.process_id)}" name="([^"]+)"', source)
    return found.group(1) if found else pv.process_id


def _variants(session: Session, where: Any = None) -> list[Variant]:
    query = (select(ProcessVersion, OrgUnit.name, Case)
             .join(OrgUnit, OrgUnit.id == ProcessVersion.bound_unit_id)
             .outerjoin(Case, (Case.case_type == VARIANT_APPROVAL)
                        & (Case.business_type == BUSINESS_TYPE)
                        & (Case.business_id == ProcessVersion.id))
             .where(ProcessVersion.bound_unit_id.is_not(None))
             .order_by(ProcessVersion.process_id, ProcessVersion.version.desc()))
    if where is not None:
        query = query.where(where)
    out = []
    for pv, town, case in session.execute(query):
        summary = ""
        if case is not None:
            summary = str(json.loads(case.data or "{}").get("summary") or "")
        out.append(Variant(pv.id, pv.process_id, pv.version, int(pv.bound_unit_id or 0), town,
                           pv.deployed_at, case.id if case is not None else None,
                           case.status if case is not None else "unrequested", summary))
    return out


def listing(session: Session) -> list[Variant]:
    """Every variant of every process, newest first, with its approval status."""
    return _variants(session)


def variant(session: Session, version_id: int) -> Variant:
    found = _variants(session, ProcessVersion.id == version_id)
    if not found:
        raise NotFoundError("no such variant")
    return found[0]


@dataclass(frozen=True)
class Change:
    """One changed stretch of a variant's model against the standard version: the lines
    removed and the lines added (model text, stripped)."""

    removed: tuple[str, ...]
    added: tuple[str, ...]


MAX_CHANGES = 40


def changes(session: Session, version_id: int) -> tuple[ProcessVersion | None, list[Change]]:
    """What the variant's files change against the standard version it would replace for its
    town (the newest standard version): computed from the stored sources, so the approver
    reads the real difference, not only the note. ([], standard) when identical files."""
    pv = session.get(ProcessVersion, version_id)
    if pv is None or pv.bound_unit_id is None:
        raise NotFoundError("no such variant")
    standard = processes.latest(session, pv.process_id)
    found: list[Change] = []
    for name in sorted(set(pv.sources) | set(standard.sources)):
        old = standard.sources.get(name, "").splitlines()
        new = pv.sources.get(name, "").splitlines()
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag != "equal" and len(found) < MAX_CHANGES:
                found.append(Change(tuple(x.strip() for x in old[a1:a2]),
                                    tuple(x.strip() for x in new[b1:b2])))
    return standard, found
