"""Burden complaints, what the complainant does with the receipt code: open the case by
it, reply or add evidence, rate the return visit, appeal, and track it. Filing is in
`workflows.complaints.filing`; see docs/complaints.md.

Nothing here ever sees an IP address, a User-Agent or a client file name; only the
Argon2id hash of a code is looked up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Attachment, Case, ComplaintReceipt, OrgUnit
from workflows.complaints import photos
from workflows.complaints.filing import (
    COMPLAINANT,
    MAX_CASE_FILES,
    MAX_MESSAGE,
    PROCESS,
    ComplaintSettings,
)
from workflows.complaints.intake import own_remarks
from workflows.complaints.receipts import normalize
from workflows.kernel import case_additions, forms, uploads
from workflows.kernel.cases import _now
from workflows.kernel.commands import CommandResult, run_command
from workflows.kernel.errors import InvalidTransitionError, NotFoundError, ValidationFailedError
from workflows.kernel.ids import ComplaintTask
from workflows.kernel.state import (
    ATTACHMENT_ADDED,
    COMMENT_ADDED,
    IDENTITY_ACCESSED,
    TASK_COMPLETED,
    CaseState,
    EventDraft,
    TaskView,
)
from workflows.kernel.store import case_events, load_calendar, load_state
from workflows.kernel.vault import Vault


@dataclass(frozen=True)
class PublicReply:
    on: date
    by: str  # "office" (staff) or "you" (the complainant)
    text: str
    unit: str = ""  # the name of the unit that spoke (staff replies)


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
        data = own_remarks(task_id, forms.validate_task(PROCESS, task_id, fields,
                                                        case_data=state.data))
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
    checked = uploads.check_all(photos.fit_all(files))  # the slow part, before the lock

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
        recorded = case_additions.store_files(session, case.id, case.version + 1, checked,
                                              vault, _now(None, None))
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
            speaker = session.get(OrgUnit, inputs["as_unit_id"]) if "as_unit_id" in inputs else None
            replies.append(PublicReply(day(event.at), by, str(inputs.get("text", "")),
                                       speaker.name if speaker is not None else ""))
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
