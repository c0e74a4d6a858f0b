"""Burden complaints, the complainant's side: file, track by receipt code, reply, add
evidence, rate the return visit, appeal. See docs/complaints.md.

Nothing here ever sees an IP address, a User-Agent or a client file name. The receipt code
leaves this module once, in `Filed`, and only its Argon2id hash is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Attachment, Case, ComplaintIdentity, ComplaintReceipt, OrgKind, OrgUnit
from workflows import access, forms, processes, uploads
from workflows.access import Actor
from workflows.cases import BURDEN_OFFICE_CODE, _now, _unit_by_code
from workflows.commands import CommandResult, run_command
from workflows.complaint_forms import CATEGORIES, DEFAULT_LIMITS
from workflows.errors import InvalidTransitionError, NotFoundError, ValidationFailedError
from workflows.history import GENESIS
from workflows.ids import ComplaintTask, ProcessId
from workflows.receipts import ReceiptHasher, new_code, normalize
from workflows.state import (
    ATTACHMENT_ADDED,
    CASE_STARTED,
    COMMENT_ADDED,
    IDENTITY_ACCESSED,
    TASK_COMPLETED,
    CaseState,
    EventDraft,
    TaskView,
)
from workflows.store import case_events, load_calendar, load_state
from workflows.vault import Vault

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
class PublicReply:
    on: date
    by: str  # "office" (staff) or "you" (the complainant)
    text: str


@dataclass(frozen=True)
class Tracking:
    case_id: int
    status: str
    category: str
    village: str
    filed_on: date
    holder: str | None
    due_on: date | None
    anonymous: bool
    replies: list[PublicReply]
    outcome: dict[str, str]
    can_rate: bool
    can_appeal: bool
    appeal_until: date | None
    identity_accessed: bool
    merged: bool
    attachments: int


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


def _check_places(session: Session, data: dict[str, Any]) -> None:
    town = session.get(OrgUnit, data["town_id"])
    if town is None or town.kind != OrgKind.TOWN:
        raise ValidationFailedError({"town_id": ["choose a town from the list"]})
    village = session.get(OrgUnit, data["village_id"])
    if village is None or village.kind != OrgKind.VILLAGE or village.parent_id != town.id:
        raise ValidationFailedError({"village_id": ["choose a village of the chosen town"]})
    unit_id = data.get("responsible_unit_id")
    if unit_id is not None:
        unit = session.get(OrgUnit, unit_id)
        if unit is None or unit.kind not in (OrgKind.DEPARTMENT, OrgKind.TOWN):
            raise ValidationFailedError(
                {"responsible_unit_id": ["choose a department or a town from the list"]}
            )


def _identity_blob(vault: Vault, case_id: int, name: str, phone: str) -> bytes:
    import json

    plain = json.dumps({"name": name, "phone": phone}, ensure_ascii=False).encode()
    return vault.seal(plain, f"identity:{case_id}".encode())


def _store_files(
    session: Session, case_id: int, seq: int, files: list[uploads.CheckedFile], vault: Vault
) -> list[dict[str, Any]]:
    """Seal the originals, keep the scrubbed copies; return what the event records."""
    recorded = []
    for prepared in uploads.seal_all(files, vault, case_id):
        row = Attachment(
            case_id=case_id,
            event_seq=seq,
            mime=prepared.mime,
            size=prepared.size,
            original_sha256=prepared.original_sha256,
            original_sealed=prepared.original_sealed,
            scrubbed=prepared.scrubbed,
            scrubbed_sha256=prepared.scrubbed_sha256,
            created_at=_now(None, None),
        )
        session.add(row)
        session.flush()
        recorded.append(
            {
                "id": row.id,
                "mime": prepared.mime,
                "size": prepared.size,
                "sha256": prepared.original_sha256,
                "scrubbed_sha256": prepared.scrubbed_sha256,
            }
        )
    return recorded


def file_complaint(
    session: Session,
    fields: dict[str, Any],
    files: list[bytes],
    *,
    settings: ComplaintSettings,
    channel: str = "web",
    staff: Actor | None = None,
    now: datetime | None = None,
) -> Filed:
    """File one complaint: the case, its sealed identity (if named), the receipt hash and the
    evidence, in one transaction.

    :raise ValidationFailedError: bad fields or files, naming the field
    """
    data = forms.validate_start(PROCESS, fields)
    if len(files) > uploads.MAX_FILES:
        raise ValidationFailedError(
            {"attachments": [f"at most {uploads.MAX_FILES} files may be attached"]}
        )
    checked = uploads.check_all(files)  # the slow part, before the write lock
    name = (data.pop("name", None) or "").strip()
    phone = (data.pop("phone", None) or "").strip()
    _check_places(session, data)
    code = new_code()
    code_hash = settings.hasher.hash(code)  # slow on purpose: before the write lock
    pv = processes.latest(session, PROCESS)
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
    title = " ".join(description.split())[:TITLE_CHARS]

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
        start["attachments"] = _store_files(session, case.id, 1, checked, settings.vault)
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


# ---------------------------------------------------------------- the receipt code


def case_for_code(session: Session, code: str, settings: ComplaintSettings) -> int:
    """The case a receipt code opens. Unknown and malformed codes get the same answer, after
    the same Argon2id work, so a guesser learns nothing from either.

    :raise NotFoundError: no complaint has this code
    """
    digits = normalize(code)
    digest = settings.hasher.hash(digits if digits is not None else "0" * 16 + "x")
    case_id = session.scalar(
        select(ComplaintReceipt.case_id).where(ComplaintReceipt.code_hash == digest)
    )
    session.rollback()  # end the read transaction: callers start their own
    if digits is None or case_id is None:
        raise NotFoundError("no complaint has this receipt code")
    return int(case_id)


def _load(session: Session, case_id: int) -> tuple[Case, CaseState]:
    case = session.get(Case, case_id, populate_existing=True)
    if case is None or case.case_type != PROCESS:
        raise NotFoundError("no complaint has this receipt code")
    return case, load_state(session, case)


def _open_task(state: CaseState, task_id: str) -> TaskView:
    for task in state.tasks.values():
        if task.task_id == task_id and task.state == "open":
            return task
    raise InvalidTransitionError("this step is not open for the complainant now")


def _complainant_task(
    session: Session, case_id: int, task_id: str, fields: dict[str, Any], now: datetime | None
) -> CommandResult:
    def load() -> tuple[Case, CaseState | None]:
        return _load(session, case_id)

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        assert state is not None
        task = _open_task(state, task_id)
        data = forms.validate_task(PROCESS, task_id, fields, case_data=state.data)
        return EventDraft(
            TASK_COMPLETED,
            at=_now(case, now),
            actor_role=COMPLAINANT,
            task_uuid=task.task_uuid,
            task_id=task.task_id,
            inputs={"data": data, "schema": forms.schema_hash(PROCESS, task_id)},
        )

    return run_command(session, load=load, decide=decide)


def rate(
    session: Session,
    case_id: int,
    rating: str,
    comment: str = "",
    *,
    now: datetime | None = None,
) -> CommandResult:
    """The complainant's return-visit rating (completes the return visit)."""
    fields = {"rating": rating, "comment": comment, "visit_channel": "complainant"}
    return _complainant_task(session, case_id, ComplaintTask.RETURN_VISIT, fields, now)


def appeal(
    session: Session, case_id: int, reason: str, *, now: datetime | None = None
) -> CommandResult:
    """Appeal within the window after closure: the case reopens at verification."""
    fields = {"appeal_reason": reason}
    return _complainant_task(session, case_id, ComplaintTask.APPEAL_WINDOW, fields, now)


def reply(
    session: Session,
    case_id: int,
    text: str,
    files: list[bytes] | None = None,
    *,
    vault: Vault,
    now: datetime | None = None,
) -> CommandResult:
    """The complainant answers a question or adds information (text, evidence or both)."""
    text = (text or "").strip()
    files = files or []
    if not text and not files:
        raise ValidationFailedError({"text": ["write a message or attach a file"]})
    if len(text) > MAX_MESSAGE:
        raise ValidationFailedError({"text": [f"at most {MAX_MESSAGE} characters"]})
    checked = uploads.check_all(files)  # the slow part, before the write lock

    def load() -> tuple[Case, CaseState | None]:
        return _load(session, case_id)

    def decide(case: Case, state: CaseState | None) -> EventDraft:
        assert state is not None
        if state.status in ("rejected", "merged") or state.data.get("appeal_closed"):
            raise InvalidTransitionError("this complaint is closed for messages")
        held = len(
            session.scalars(select(Attachment.id).where(Attachment.case_id == case.id)).all()
        )
        if files and held + len(files) > MAX_CASE_FILES:
            raise ValidationFailedError(
                {"attachments": [f"a complaint holds at most {MAX_CASE_FILES} files"]}
            )
        recorded = _store_files(session, case.id, case.version + 1, checked, vault)
        if recorded and not text:
            return EventDraft(
                ATTACHMENT_ADDED,
                at=_now(case, now),
                actor_role=COMPLAINANT,
                inputs={"attachments": recorded},
            )
        return EventDraft(
            COMMENT_ADDED,
            at=_now(case, now),
            actor_role=COMPLAINANT,
            inputs={"text": text, "public": True, "attachments": recorded},
        )

    return run_command(session, load=load, decide=decide)


# ---------------------------------------------------------------- tracking

def _holder(session: Session, state: CaseState) -> str | None:
    for task in state.tasks.values():
        if task.state == "open" and task.role != COMPLAINANT and task.scope_org_unit_id:
            unit = session.get(OrgUnit, task.scope_org_unit_id)
            if unit is not None:
                return unit.name
    return None


def _due(state: CaseState) -> datetime | None:
    dues = [
        t.due_at
        for t in state.tasks.values()
        if t.state == "open" and t.role != COMPLAINANT and t.due_at is not None
    ]
    return min(dues) if dues else None


def track(session: Session, case_id: int) -> Tracking:
    """What the complainant sees: status, holder, due date, public replies (dates only)."""
    case, state = _load(session, case_id)
    data = state.data
    calendar = load_calendar(session, case.updated_at)
    day = calendar.local_date
    replies: list[PublicReply] = []
    outcome: dict[str, str] = {}
    accessed = False
    for event in case_events(session, case.id):
        inputs = event.inputs
        if event.type == COMMENT_ADDED and inputs.get("public"):
            by = "you" if event.actor_role == COMPLAINANT else "office"
            replies.append(PublicReply(day(event.at), by, str(inputs.get("text", ""))))
        elif event.type == IDENTITY_ACCESSED:
            accessed = True
        elif event.type == TASK_COMPLETED and event.task_id == ComplaintTask.INTAKE:
            reason = (inputs.get("data") or {}).get("reject_reason")
            if reason:
                outcome["reject_reason"] = str(reason)
        elif (
            event.type == TASK_COMPLETED
            and event.task_id == ComplaintTask.VERIFICATION
            and (inputs.get("data") or {}).get("verification_decision") == "pass"
        ):
            outcome["actions_taken"] = str(data.get("actions_taken", ""))
    open_ids = {t.task_id for t in state.tasks.values() if t.state == "open"}
    village = session.get(OrgUnit, data.get("village_id"))
    appeal_until = None
    if ComplaintTask.APPEAL_WINDOW in open_ids:
        job_dues = [
            j.due_at
            for j in state.jobs.values()
            if j.state == "pending" and j.task_id.startswith("appeal")
        ]
        appeal_until = day(max(job_dues)) if job_dues else None
    due = _due(state)
    holder = _holder(session, state)
    attachments = session.scalars(
        select(Attachment.id).where(Attachment.case_id == case.id)
    ).all()
    session.rollback()
    return Tracking(
        case_id=case.id,
        status=str(data.get("case_status", state.status)),
        category=str(data.get("category", "")),
        village=village.name if village is not None else "",
        filed_on=day(case.created_at),
        holder=holder,
        due_on=day(due) if due is not None else None,
        anonymous=bool(data.get("anonymous", True)),
        replies=replies,
        outcome=outcome,
        can_rate=ComplaintTask.RETURN_VISIT in open_ids,
        can_appeal=ComplaintTask.APPEAL_WINDOW in open_ids,
        appeal_until=appeal_until,
        identity_accessed=accessed,
        merged=data.get("case_status") == "merged",
        attachments=len(attachments),
    )
