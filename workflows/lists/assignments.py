"""The village work assignment (工作事项准入, measure 6) in the command layer (docs/lists.md).

- `start_data`: only a clerk of a district department asks villages to take on work; adds the
  lane scope of 区政府办公室.
- `draft_inputs`: the villages resolved; the work matched against the self-governance and
  assistance lists in force (`list_match`, the catalog's Chinese matching, shown to the
  reviewer); whether a complete service-purchase record is attached (`purchase_recorded`);
  an agreement that already pays for another approved assignment is refused on its field.
- `review_inputs`: 区委农办's finding "on the list" names an entry in force
  (`list_entry_code` -> `list_entry_id`), or is refused on that field.
- `approval_inputs`: the rule again at approval time, like the inspection quota: the entry
  of an "on the list" finding must still be in force, the agreement must not pay for another
  approved assignment; the decision table decides (`purchase_rule.decide`); a refusal names
  the reason. An approved purchase is recorded as `purchase_claim` and written as a
  `ServicePurchase` row in the same transaction (`project`); its unique agreement reference
  makes two approvals racing on one agreement a conflict, and the retry is refused.
- `rebuild`: the service purchases recomputed from the recorded claims.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Case, CaseEvent, ListEntry, OrgKind, OrgUnit, ServicePurchase
from workflows.kernel import access, registry
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import NotAllowedError, ValidationFailedError
from workflows.kernel.ids import ProcessId, WorkTask
from workflows.kernel.state import TASK_COMPLETED, CaseState, EventDraft
from workflows.lists import matching, purchase_rule
from workflows.lists.changes import GOVERNMENT_OFFICE_CODE, unit_by_code
from workflows.lists.forms import WORK_LISTS, purchase_recorded

PROCESS = str(ProcessId.WORK_ASSIGNMENT)
APPROVED = "approved"


def _today() -> date:
    return WorkCalendar.local_date(registry.command_now() or datetime.now().astimezone())


def start_data(session: Session, actor: Actor, org_unit_id: int, data: dict[str, Any]
               ) -> dict[str, Any]:
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or unit.kind != OrgKind.DEPARTMENT:
        raise NotAllowedError("only a district department asks villages to take on work")
    scopes = {**data.get("lane_scopes", {}),
              access.GOVERNMENT_OFFICE: unit_by_code(session, GOVERNMENT_OFFICE_CODE).id}
    return {**data, "lane_scopes": scopes}


def resolve_villages(session: Session, village_ids: list[int], town_ids: list[int]
                     ) -> list[dict[str, Any]]:
    """The villages picked one by one or by town, as {unit_id, name, town_id}.

    :raise ValidationFailedError: an id that is no village (or no town)
    """
    towns = {u.id: u for u in session.scalars(select(OrgUnit).where(
        OrgUnit.id.in_(town_ids), OrgUnit.kind == OrgKind.TOWN.value))}
    if len(towns) != len(set(town_ids)):
        raise ValidationFailedError({"town_ids": ["choose towns from the list"]})
    picked = {u.id: u for u in session.scalars(select(OrgUnit).where(
        OrgUnit.id.in_(village_ids), OrgUnit.kind == OrgKind.VILLAGE.value))}
    if len(picked) != len(set(village_ids)):
        raise ValidationFailedError({"village_ids": ["choose villages from the list"]})
    if towns:
        picked.update({u.id: u for u in session.scalars(select(OrgUnit).where(
            OrgUnit.parent_id.in_(sorted(towns)), OrgUnit.kind == OrgKind.VILLAGE.value))})
    return [{"unit_id": u.id, "name": u.name, "town_id": u.parent_id}
            for u in sorted(picked.values(), key=lambda u: u.path)]


def agreement_user(session: Session, ref: str, case_id: int) -> int | None:
    """The other approved assignment the agreement already pays for, if any."""
    return session.scalar(select(ServicePurchase.case_id).where(
        ServicePurchase.agreement_ref == ref.strip(), ServicePurchase.case_id != case_id))


def draft_inputs(session: Session, case: Case, state: CaseState, data: dict[str, Any]
                 ) -> dict[str, Any]:
    villages = resolve_villages(session, list(data.get("village_ids") or []),
                                list(data.get("town_ids") or []))
    recorded = purchase_recorded(data)
    if recorded:
        payer = session.get(OrgUnit, int(data["paying_unit_id"]))
        if payer is None or payer.kind != OrgKind.DEPARTMENT:
            raise ValidationFailedError({"paying_unit_id": ["choose a district department"]})
        used = agreement_user(session, str(data["agreement_ref"]), case.id)
        if used is not None:
            raise ValidationFailedError({"agreement_ref": [
                f"this agreement already pays for work assignment {used}"]})
    match = matching.match(session, {"name": data["task_title"],
                                     "content": data["task_description"]},
                           WORK_LISTS, on=_today())
    suggested = "on_list" if any(m["likely"] for m in match["matches"]) else "off_list"
    return {**data, "villages": villages, "list_match": match, "suggested_finding": suggested,
            "purchase_recorded": recorded}


def _entry_in_force(session: Session, code: str, on: date) -> ListEntry | None:
    entry = session.scalar(select(ListEntry).where(ListEntry.code == code.strip().upper()))
    if entry is None or entry.list_kind not in WORK_LISTS or not matching.in_force(entry, on):
        return None
    return entry


def review_inputs(session: Session, case: Case, state: CaseState, data: dict[str, Any]
                  ) -> dict[str, Any]:
    if data.get("list_finding") != "on_list":
        return {**data, "list_entry_id": None}
    entry = _entry_in_force(session, str(data.get("list_entry_code") or ""), _today())
    if entry is None:
        raise ValidationFailedError({"list_entry_code": [
            "no entry with this number in force on the self-governance or assistance list"]})
    return {**data, "list_entry_code": entry.code, "list_entry_id": entry.id}


def approval_inputs(session: Session, case: Case, state: CaseState, data: dict[str, Any]
                    ) -> dict[str, Any]:
    if data.get("approval_decision") != "approve":
        return data
    facts = state.data
    on = _today()
    notes = []
    on_list = False
    if facts.get("list_finding") == "on_list":
        entry = _entry_in_force(session, str(facts.get("list_entry_code") or ""), on)
        on_list = entry is not None
        if not on_list:
            notes.append(f"{facts.get('list_entry_code')} is no longer in force")
    recorded = bool(facts.get("purchase_recorded"))
    if recorded:
        used = agreement_user(session, str(facts.get("agreement_ref")), case.id)
        if used is not None:
            recorded = False
            notes.append(f"the agreement already pays for work assignment {used}")
    result, reason = purchase_rule.decide(purchase_rule.table_source(session, case),
                                          on_list, recorded)
    if result == "refused":
        raise ValidationFailedError({"approval_decision": [reason, *notes]})
    check = {"result": result, "reason": reason, "on_list": on_list, "recorded": recorded,
             "on": on.isoformat()}
    out = {**data, "approval_check": check}
    if result == "purchased":
        out["purchase_claim"] = {k: facts.get(k) for k in (
            "paying_unit_id", "amount", "budget_line", "agreement_ref", "payment_schedule")}
    return out


def _purchase(case_id: int, claim: dict[str, Any], at: datetime) -> ServicePurchase:
    return ServicePurchase(
        case_id=case_id, paying_unit_id=int(claim["paying_unit_id"]),
        amount=Decimal(str(claim["amount"])).quantize(Decimal("0.01")),
        budget_line=str(claim["budget_line"]), agreement_ref=str(claim["agreement_ref"]).strip(),
        payment_schedule=str(claim["payment_schedule"]), approved_at=at)


def project(session: Session, case: Case, draft: EventDraft, old: CaseState | None,
            new: CaseState) -> None:
    if (case.case_type != PROCESS or draft.type != TASK_COMPLETED
            or draft.task_id != WorkTask.APPROVE_ASSIGNMENT or new.status != APPROVED):
        return
    claim = (draft.inputs.get("data") or {}).get("purchase_claim")
    if claim:
        session.add(_purchase(case.id, claim, draft.at))
        # Flushed here so that an agreement taken concurrently fails this command.
        session.flush()


def rebuild(session: Session) -> int:
    """Recompute the service purchases from the recorded claims; returns how many."""
    session.execute(delete(ServicePurchase))
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.inputs, CaseEvent.at)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(Case.case_type == PROCESS, CaseEvent.type == TASK_COMPLETED,
               CaseEvent.task_id == str(WorkTask.APPROVE_ASSIGNMENT))
        .order_by(CaseEvent.global_seq))
    count = 0
    for case_id, inputs, at in rows:
        claim = (inputs.get("data") or {}).get("purchase_claim")
        if claim:
            session.add(_purchase(case_id, claim, at))
            count += 1
    session.flush()
    return count
