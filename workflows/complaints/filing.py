"""Burden complaints, the complainant's side: file, track by receipt code, reply, add
evidence, rate the return visit, appeal. See docs/complaints.md.

Nothing here ever sees an IP address, a User-Agent or a client file name. The receipt code
leaves this module once, in `Filed`, and only its Argon2id hash is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, ComplaintIdentity, ComplaintReceipt, OrgKind, OrgUnit
from workflows.complaints import photos
from workflows.complaints.forms import CATEGORIES, DEFAULT_LIMITS
from workflows.complaints.receipts import ReceiptHasher, new_code, normalize
from workflows.kernel import access, case_additions, forms, processes, uploads
from workflows.kernel.access import Actor
from workflows.kernel.cases import BURDEN_OFFICE_CODE, _now, _unit_by_code
from workflows.kernel.commands import run_command
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.kernel.history import GENESIS
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import (
    CASE_STARTED,
    CaseState,
    EventDraft,
)
from workflows.kernel.vault import Vault

PROCESS = str(ProcessId.BURDEN_COMPLAINT)
COMPLAINANT = "complainant"
TITLE_CHARS = 40
MAX_MESSAGE = 2000
MAX_CASE_FILES = 18


@dataclass(frozen=True)
class ComplaintSettings:
    """What filing and tracking need from configuration."""

    hasher: ReceiptHasher
    vault: Vault
    limits_by_category: dict[str, dict[str, int]] = field(
        default_factory=lambda: {c: dict(DEFAULT_LIMITS) for c in CATEGORIES}
    )


@dataclass(frozen=True)
class Filed:
    case_id: int
    code: str  # shown to the complainant once; never stored


@dataclass(frozen=True)
class FilingOptions:
    categories: tuple[str, ...]
    towns: list[tuple[int, str, list[tuple[int, str]]]]
    departments: list[tuple[int, str]]


def filing_options(session: Session) -> FilingOptions:
    """Towns with their villages and the departments, for the filing form's choices."""
    units = list(session.scalars(select(OrgUnit).order_by(OrgUnit.id)))
    villages: dict[int, list[tuple[int, str]]] = {}
    for u in units:
        if u.kind == OrgKind.VILLAGE and u.parent_id is not None:
            villages.setdefault(u.parent_id, []).append((u.id, u.name))
    towns = [(u.id, u.name, villages.get(u.id, [])) for u in units if u.kind == OrgKind.TOWN]
    departments = [(u.id, u.name) for u in units if u.kind == OrgKind.DEPARTMENT]
    return FilingOptions(CATEGORIES, towns, departments)


# Channels that may leave the place to intake (an Open311 location the gazetteer could not
# place); the portal and the hotline always name the village.
OPEN311_PREFIX = "open311:"


def _check_places(session: Session, data: dict[str, Any], channel: str = "web") -> None:
    _check_town_and_village(session, data, channel.startswith(OPEN311_PREFIX))
    unit_id = data.get("responsible_unit_id")
    if unit_id is not None:
        unit = session.get(OrgUnit, unit_id)
        if unit is None or unit.kind not in (OrgKind.DEPARTMENT, OrgKind.TOWN):
            raise ValidationFailedError(
                {"responsible_unit_id": ["choose a department or a town from the list"]}
            )


def _check_town_and_village(session: Session, data: dict[str, Any], open311: bool) -> None:
    """The village of the town chosen; an Open311 request may leave either to intake."""
    town_id, village_id = data.get("town_id"), data.get("village_id")
    if open311 and town_id is None and village_id is None:
        return  # left to intake, with the location as given
    town = session.get(OrgUnit, town_id) if town_id is not None else None
    if town is None or town.kind != OrgKind.TOWN:
        raise ValidationFailedError({"town_id": ["choose a town from the list"]})
    if open311 and village_id is None:
        return  # the town is known, the village left to intake
    village = session.get(OrgUnit, village_id) if village_id is not None else None
    if village is None or village.kind != OrgKind.VILLAGE or village.parent_id != town.id:
        raise ValidationFailedError({"village_id": ["choose a village of the chosen town"]})


def _identity_blob(vault: Vault, case_id: int, name: str, phone: str) -> bytes:
    import json

    plain = json.dumps({"name": name, "phone": phone}, ensure_ascii=False).encode()
    return vault.seal(plain, f"identity:{case_id}".encode())


def file_complaint(
    session: Session,
    fields: dict[str, Any],
    files: list[bytes],
    *,
    settings: ComplaintSettings,
    channel: str = "web",
    staff: Actor | None = None,
    now: datetime | None = None,
    code: str | None = None,
) -> Filed:
    """File one complaint: the case, its sealed identity (if named), the receipt hash and the
    evidence, in one transaction.

    :raise ValidationFailedError: bad fields or files, naming the field
    """
    unreadable = {k: [case_additions.UNREADABLE] for k, v in fields.items()
                  if isinstance(v, str) and case_additions.not_text(v)}
    if unreadable:  # a NUL byte (PostgreSQL refuses it) or a lone surrogate (not UTF-8)
        raise ValidationFailedError(unreadable, case_additions.UNREADABLE)
    data = forms.validate_start(PROCESS, fields)
    if len(files) > uploads.MAX_FILES:
        raise ValidationFailedError(
            {"attachments": [f"at most {uploads.MAX_FILES} files may be attached"]}
        )
    checked = uploads.check_all(photos.fit_all(files))  # the slow part, before the lock
    name = (data.pop("name", None) or "").strip()
    phone = (data.pop("phone", None) or "").strip()
    _check_places(session, data, channel)
    # A web filing's code comes from its form's submission token (webapp/complaints/
    # receipt_again.py: a reloaded receipt shows it again); else a fresh random one.
    code = code if code is not None and normalize(code) == code else new_code()
    code_hash = settings.hasher.hash(code)  # slow on purpose: before the write lock
    office = _unit_by_code(session, BURDEN_OFFICE_CODE)
    anonymous = bool(data.get("anonymous", True)) or not name
    if staff is not None and not staff.holds(access.BURDEN_OFFICE, office.path):
        raise NotFoundError("no such page")
    description = str(data["description"])
    start: dict[str, Any] = {
        "category": data["category"],
        "town_id": data["town_id"],
        "village_id": data["village_id"],
        "responsible_unit_id": data.get("responsible_unit_id"),
        "description": description,
        "anonymous": anonymous,
        "channel": channel,
        "limits_by_category": settings.limits_by_category,
        "lane_scopes": {access.BURDEN_OFFICE: office.id, "verifier": office.id},
        "case_status": "intake",
    }
    if data.get("occurred_on"):
        start["occurred_on"] = data["occurred_on"]
    if data.get("reported_location"):
        start["reported_location"] = data["reported_location"]
    title = " ".join(description.split())[:TITLE_CHARS]
    pv = processes.for_start(session, PROCESS, start)  # a pilot town's variant, if approved

    def load() -> tuple[Case, CaseState | None]:
        at = _now(None, now)
        case = Case(
            case_type=str(PROCESS),
            status="new",
            title=title,
            version=0,
            process_version_id=pv.id,
            scope_org_unit_id=office.id,
            snapshot="",
            data="{}",
            last_event_hash=GENESIS,
            created_by=staff.user_id if staff else None,
            created_at=at,
            updated_at=at,
        )
        session.add(case)
        session.flush()
        start["attachments"] = case_additions.store_files(
            session, case.id, 1, checked, settings.vault, _now(None, None))
        if not anonymous:
            session.add(
                ComplaintIdentity(
                    case_id=case.id,
                    sealed=_identity_blob(settings.vault, case.id, name, phone),
                    key_id=settings.vault.key_id,
                    created_at=at,
                )
            )
        session.add(ComplaintReceipt(case_id=case.id, code_hash=code_hash, created_at=at))
        return case, None

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        return EventDraft(
            CASE_STARTED,
            at=case.created_at,
            actor_id=staff.user_id if staff else None,
            actor_role=access.BURDEN_OFFICE if staff else COMPLAINANT,
            inputs={"data": start, "scope_org_unit_id": office.id, "title": title},
        )

    result = run_command(session, load=load, decide=decide)
    return Filed(result.case_id, code)
