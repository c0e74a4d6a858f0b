"""The report form registry as a projection of the approval cases (docs/report_forms.md).

`project` runs inside the command cycle, in the transaction of the event that ends a proposal
published ("published") or satisfied from shared data ("all_held"), and writes the registry
rows from the case data of that event. `rebuild` recomputes the registry from the events.
Nobody writes registry rows anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models import Case, FormStatus, OrgUnit, ReportForm, ReportFormVersion
from workflows.kernel import processes
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ConflictError, InvalidTransitionError, NotFoundError
from workflows.kernel.ids import ProcessId
from workflows.kernel.state import CaseState, EventDraft, apply_event
from workflows.kernel.store import case_events, draft_of, load_calendar
from workflows.report_forms.forms import parse_fields

PROCESS = str(ProcessId.REPORT_FORM_APPROVAL)
WRITES = frozenset({"published", "all_held"})


def publishes(old: CaseState | None, new: CaseState) -> bool:
    return new.status in WRITES and (old is None or old.status not in WRITES)


def _code(session: Session, year: int) -> str:
    prefix = f"BB-{year}-"
    count = session.scalar(select(func.count()).select_from(ReportForm)
                           .where(ReportForm.code.startswith(prefix)))
    return f"{prefix}{(count or 0) + 1:03d}"


def _version(form_id: int, number: int, kind: str, data: dict[str, Any], day: date,
             case_id: int, at: datetime, actor_id: int | None) -> ReportFormVersion:
    towns = data.get("town_ids") or []
    return ReportFormVersion(
        form_id=form_id, version=number, change_kind=kind, name=str(data["form_name"]),
        purpose=str(data["purpose"]), legal_basis=str(data["legal_basis"]),
        frequency=str(data["frequency"]), due_day=int(data["due_day"]),
        towns=sorted(int(t) for t in towns) if towns else "all",
        submission=str(data["submission"]),
        fields=parse_fields(list(data.get("field_lines") or [])), effective_date=day,
        change_note=str(data.get("change_note") or ""), published_at=at, case_id=case_id,
        published_by=actor_id)


def write_publication(session: Session, case_id: int, data: dict[str, Any], status: str,
                      at: datetime, actor_id: int | None) -> ReportForm:
    """Write the registry rows a finished proposal stands for.

    :raise ConflictError: the form changed since the proposal started
    """
    kind = str(data.get("change_kind") or "new")
    day = WorkCalendar.local_date(at)
    collection = "shared" if status == "all_held" else "villages"
    if kind == "new":
        form = ReportForm(id=case_id, code=_code(session, day.year), current_version=1,
                          owner_unit_id=int(data["owner_unit_id"]),
                          status=FormStatus.IN_FORCE, collection=collection,
                          effective_date=day, retired_on=None)
        session.add(form)
        session.flush()
        session.add(_version(form.id, 1, kind, data, day, case_id, at, actor_id))
        session.flush()
        return form
    found = session.get(ReportForm, int(data["form_id"]))
    if found is None:
        raise InvalidTransitionError("the form of this proposal is not in the registry")
    if found.current_version != data.get("base_version") or found.status != FormStatus.IN_FORCE:
        raise ConflictError("the form was changed or retired after this proposal started; "
                            "return it for revision")
    number = found.current_version + 1
    fields = data if kind == "change" else {**data, **(data.get("current") or {})}
    session.add(_version(found.id, number, kind, fields, day, case_id, at, actor_id))
    found.current_version = number
    if kind == "retire":
        found.status = FormStatus.RETIRED
        found.retired_on = day
    else:
        found.collection = collection
    session.flush()
    return found


def project(session: Session, case: Case, draft: EventDraft, old: CaseState | None,
            new: CaseState) -> None:
    """The command-cycle hook: write the registry when this event finishes a proposal."""
    if case.case_type != PROCESS or not publishes(old, new):
        return
    write_publication(session, case.id, new.data, new.status, draft.at, draft.actor_id)


def rebuild(session: Session) -> int:
    """Recompute the registry from the approval cases' events (in publication order) and
    commit; returns the number of versions written."""
    found: list[tuple[int, int, dict[str, Any], str, datetime, int | None]] = []
    for case in session.scalars(select(Case).where(Case.case_type == PROCESS)
                                .order_by(Case.id)):
        defn = processes.definition(session, case.process_version_id)
        state: CaseState | None = None
        for ev in case_events(session, case.id):
            new, _ = apply_event(defn, case.id, ev.seq, state, draft_of(ev),
                                 load_calendar(session, ev.at))
            if publishes(state, new):
                found.append((ev.global_seq, case.id, new.data, new.status, ev.at,
                              ev.actor_id))
            state = new
    session.execute(delete(ReportFormVersion))
    session.execute(delete(ReportForm))
    for _, case_id, data, status, at, actor_id in sorted(found, key=lambda f: f[0]):
        write_publication(session, case_id, data, status, at, actor_id)
    session.commit()
    return len(found)


# ------------------------------------------------------------------ read side


@dataclass(frozen=True)
class FormRow:
    form: ReportForm
    version: ReportFormVersion
    owner: str

    @property
    def fields(self) -> list[dict[str, Any]]:
        return list(self.version.fields)

    def towns(self) -> list[int] | None:
        """The towns whose villages fill the form (None: every town)."""
        towns = self.version.towns
        return list(towns) if isinstance(towns, list) else None


def rows(session: Session, *, status: str | None = None,
         owner_unit_id: int | None = None) -> list[FormRow]:
    query = (select(ReportForm, ReportFormVersion, OrgUnit.name)
             .join(ReportFormVersion, (ReportFormVersion.form_id == ReportForm.id)
                   & (ReportFormVersion.version == ReportForm.current_version))
             .join(OrgUnit, OrgUnit.id == ReportForm.owner_unit_id)
             .order_by(ReportForm.code))
    if status is not None:
        query = query.where(ReportForm.status == status)
    if owner_unit_id is not None:
        query = query.where(ReportForm.owner_unit_id == owner_unit_id)
    return [FormRow(f, v, owner) for f, v, owner in session.execute(query)]


def row(session: Session, form_id: int) -> FormRow:
    found = [r for r in rows(session) if r.form.id == form_id]
    if not found:
        raise NotFoundError("no such form")
    return found[0]


def versions(session: Session, form_id: int) -> list[ReportFormVersion]:
    return list(session.scalars(select(ReportFormVersion)
                                .where(ReportFormVersion.form_id == form_id)
                                .order_by(ReportFormVersion.version)))


def snapshot(session: Session) -> list[tuple[Any, ...]]:
    """Every registry row and version as plain values (the rebuild test compares these)."""
    forms = [(f.id, f.code, f.current_version, f.owner_unit_id, f.status, f.collection,
              f.effective_date, f.retired_on) for f in session.scalars(
                  select(ReportForm).order_by(ReportForm.id))]
    vs = [(v.form_id, v.version, v.change_kind, v.name, v.purpose, v.legal_basis,
           v.frequency, v.due_day, v.towns, v.submission, v.fields, v.effective_date,
           v.change_note, v.published_at, v.case_id, v.published_by)
          for v in session.scalars(select(ReportFormVersion)
                                   .order_by(ReportFormVersion.form_id,
                                             ReportFormVersion.version))]
    return [*forms, *vs]
