"""The org tree import and export (issue 20; docs/administration.md, "The org tree").

    rows = read_rows(data, "tree.xlsx")           # org_file: CSV or XLSX
    plan = plan_import(session, rows, as_of=day)  # org_plan: refused (plan.errors) or changes
    apply_import(session, actor, plan)            # each change one administration event
    to_csv(export_rows(session))                  # the same format back

Applying makes each change through `record.record`, so the change and its `admin_action`
event commit together; parents come before their children. An import stopped half-way
(a crash) is finished by importing the same file again: what is done plans as no change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgUnit
from workflows.admin import record
from workflows.admin.org_file import OrgFileError, OrgRow, RowError, read_rows, to_csv, to_xlsx
from workflows.admin.org_plan import (
    DUPLICATE_OFFICIAL,
    Change,
    ImportPlan,
    check_and_plan,
    known_units,
    plan_import,
)
from workflows.kernel import processes
from workflows.kernel.access import Actor
from workflows.kernel.errors import ConflictError, NotFoundError, ValidationFailedError

__all__ = ["Change", "ImportPlan", "OrgFileError", "OrgRow", "RowError", "apply_import",
           "export_rows", "plan_edit", "plan_import", "read_rows", "to_csv", "to_xlsx"]
STALE = "unit '%(code)s' changed since the plan was made: plan the import again"


def _require(actor: Actor) -> None:
    """The command line (the system actor) or an administrator."""
    if not actor.is_system:
        record.require_admin(actor)


def apply_import(session: Session, actor: Actor, plan: ImportPlan, *,
                 now: datetime | None = None) -> int:
    """Make the plan's changes, parents first, each with its administration event; the
    number made. A refused plan raises ValidationFailedError; a unit changed by someone else
    since the plan was made raises ConflictError (the changes before it are kept: plan
    again and apply the rest)."""
    _require(actor)
    if plan.errors:
        raise ValidationFailedError({"file": [str(e) for e in plan.errors]})
    if plan.changes:
        processes.latest(session, record.PROCESS)  # NotFoundError before any change
    for change in plan.changes:
        record.record(session, actor, change.action, {"unit": change.code},
                      before=change.before, after=change.after,
                      change=partial(_make, change), now=now)
    return len(plan.changes)


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _unit(session: Session, code: str | None) -> OrgUnit | None:
    if code is None:
        return None
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def _make(change: Change, session: Session) -> None:
    after = change.after
    if change.action == "unit.add":
        parent = _unit(session, after.get("parent"))
        unit = OrgUnit(code=change.code, name=after["name"], kind=after["kind"],
                       parent_id=parent.id if parent else None, path="/",
                       official_code=after.get("official_code"),
                       valid_from=_day(after.get("valid_from")),
                       valid_to=_day(after.get("valid_to")))
        session.add(unit)
        session.flush()
        unit.path = f"{parent.path if parent else '/'}{unit.id}/"
        return
    found = _unit(session, change.code)
    if found is None:
        raise NotFoundError(f"no unit {change.code}")
    unit = found
    now = _now_values(session, unit)
    if any(now[k] != v for k, v in change.before.items()):
        raise ConflictError(STALE % {"code": change.code})
    for key, value in after.items():
        if key == "parent":
            _move(session, unit, _unit(session, value))
        elif key in ("valid_from", "valid_to"):
            setattr(unit, key, _day(value))
        else:
            setattr(unit, key, value)


def _now_values(session: Session, unit: OrgUnit) -> dict[str, Any]:
    parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    return {"name": unit.name, "official_code": unit.official_code,
            "parent": parent.code if parent else None,
            "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
            "valid_to": unit.valid_to.isoformat() if unit.valid_to else None}


def _move(session: Session, unit: OrgUnit, parent: OrgUnit | None) -> None:
    """Hang `unit` under `parent`: its path and every descendant's are rewritten (ids, and
    so every case, task and history, stay)."""
    if parent is None:
        raise NotFoundError("no such parent unit")
    old, new = unit.path, f"{parent.path}{unit.id}/"
    unit.parent_id = parent.id
    below = session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(old,
                                                                          autoescape=True)))
    for each in below:
        each.path = new + each.path[len(old):]


def _tree_key(unit: OrgUnit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def export_rows(session: Session) -> list[OrgRow]:
    """Every unit, active or not, parents before children, as rows of a file (numbered as
    they would be in it); importing them back changes nothing."""
    units = sorted(session.scalars(select(OrgUnit)), key=_tree_key)
    codes = {u.id: u.code for u in units}
    return [OrgRow(number, u.code, u.official_code or "", u.name,
                   codes.get(u.parent_id, "") if u.parent_id else "", u.kind,
                   u.valid_from.isoformat() if u.valid_from else "",
                   u.valid_to.isoformat() if u.valid_to else "")
            for number, u in enumerate(units, start=2)]


def plan_edit(session: Session, code: str, values: dict[str, str], *,
              as_of: date) -> tuple[ImportPlan, int]:
    """The change of one unit's name, official code or validity (`values` as typed), checked
    as an import of the whole tree with that row edited; and that row's number. The plan's
    errors are only the ones the edit brings (a tree already wrong elsewhere does not block
    it)."""
    rows = export_rows(session)
    index = next((i for i, r in enumerate(rows) if r.code == code), None)
    if index is None or code not in known_units(session):
        raise NotFoundError("no such unit")
    row = rows[index]

    def typed(key: str, was: str) -> str:
        return values[key].strip() if key in values else was

    edited = [*rows]
    edited[index] = replace(row, name=typed("name", row.name),
                            official_code=typed("official_code", row.official_code),
                            valid_from=typed("valid_from", row.valid_from),
                            valid_to=typed("valid_to", row.valid_to))
    number = row.row
    base = {_key(e) for e in check_and_plan(session, rows, as_of=as_of)[0]}
    errors, changes = check_and_plan(session, edited, as_of=as_of)
    mine = edited[index].official_code
    errors = [e for e in errors if e.row == number or (
        _key(e) not in base
        # the edited row's clash is named on it (OFFICIAL_TAKEN): not again on the other's
        and not (e.text == DUPLICATE_OFFICIAL and dict(e.params).get("code") == mine))]
    if errors:
        return ImportPlan(as_of, [], errors), number
    return ImportPlan(as_of, [c for c in changes if c.code == code and c.row], []), number


def _key(error: RowError) -> tuple[int, str, str]:
    return error.row, error.column, error.message
