"""Planning an org tree import (docs/administration.md, "The org tree"): the rows checked
against each other and the database, then the changes that would make the database say what
the file says. Nothing here writes; org_import.apply_import applies a plan.

A unit of the database missing from the file is never deleted: it is marked inactive from
the import's date (`valid_to` = the day before `as_of`) unless it already is."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgKind, OrgUnit
from workflows.admin import org_codes
from workflows.admin.org_checks import UnitSpec, check_row
from workflows.admin.org_file import OrgRow, RowError, row_error

# The units the processes route work to: every real district's file carries them.
REQUIRED_UNITS = {"nanchuan": OrgKind.DISTRICT, "qwnb": OrgKind.DEPARTMENT,
                  "qwdcb": OrgKind.DEPARTMENT, "qwbgs": OrgKind.DEPARTMENT,
                  "qzfbgs": OrgKind.DEPARTMENT}
PARENT_KIND = {OrgKind.DEPARTMENT: OrgKind.DISTRICT, OrgKind.TOWN: OrgKind.DISTRICT,
               OrgKind.VILLAGE: OrgKind.TOWN}

DUPLICATE_CODE = "duplicate code '%(code)s' (also row %(other)s)"
DUPLICATE_OFFICIAL = "duplicate official code '%(code)s' (also row %(other)s)"
OFFICIAL_TAKEN = "official code '%(code)s' belongs to unit '%(other)s' in the database"
UNKNOWN_PARENT = "unknown parent '%(parent)s'"
WRONG_PARENT = "a %(kind)s's parent must be a %(expected)s; '%(parent)s' is a %(actual)s"
CYCLE = "cycle: %(path)s"
KIND_CHANGED = "the kind cannot change ('%(code)s' is a %(kind)s in the database)"
SECOND_DISTRICT = "only one district: '%(other)s' is the district"
TOWN_PREFIX = "a town's official code starts with its district's 6 digits %(prefix)s"
VILLAGE_PREFIX = "a village's official code starts with its town's 9 digits %(prefix)s"
OUTLIVES_PARENT = "the unit stays in force after its parent '%(parent)s' ends on %(day)s"
REQUIRED_UNIT = "the file must carry the %(kind)s '%(code)s': the processes route work to it"
REQUIRED_ACTIVE = "'%(code)s' must stay in force: the processes route work to it"
MESSAGES = (DUPLICATE_CODE, DUPLICATE_OFFICIAL, OFFICIAL_TAKEN, UNKNOWN_PARENT, WRONG_PARENT,
            CYCLE, KIND_CHANGED, SECOND_DISTRICT, TOWN_PREFIX, VILLAGE_PREFIX,
            OUTLIVES_PARENT, REQUIRED_UNIT, REQUIRED_ACTIVE)
FIELDS = ("name", "official_code", "parent", "valid_from", "valid_to")


@dataclass(frozen=True)
class Change:
    """One unit's change: `action` is the administration record's ("unit.add", "unit.edit",
    "unit.move", "unit.deactivate", "unit.reactivate"); `before`/`after` its changed
    fields as plain JSON (dates ISO, the parent as its code); `row` the file's row (0 for
    a unit missing from the file); `depth` its depth in the new tree (parents first)."""

    action: str
    code: str
    name: str
    row: int
    before: dict[str, Any]
    after: dict[str, Any]
    depth: int

    def describe(self) -> str:
        """One line for the command line."""
        if self.action == "unit.add":
            diff = ", ".join(f"{k} {v}" for k, v in self.after.items() if k != "name")
        else:
            diff = ", ".join(f"{k}: {self.before.get(k) or '-'} -> {self.after.get(k) or '-'}"
                             for k in self.after)
        return f"{self.action} {self.code} {self.name} ({diff})"


@dataclass
class ImportPlan:
    """The changes an import would make, or (`errors` not empty) why it is refused."""

    as_of: date
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    def counts(self) -> dict[str, int]:
        return dict(Counter(c.action for c in self.changes))


@dataclass(frozen=True)
class Known:
    """A unit of the database, as plain values."""

    code: str
    name: str
    kind: OrgKind
    parent_code: str | None
    official_code: str | None
    valid_from: date | None
    valid_to: date | None

    def active_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))


def known_units(session: Session) -> dict[str, Known]:
    units = list(session.scalars(select(OrgUnit).order_by(OrgUnit.id)))
    codes = {u.id: u.code for u in units}
    return {u.code: Known(u.code, u.name, OrgKind(u.kind),
                          codes.get(u.parent_id) if u.parent_id else None, u.official_code,
                          u.valid_from, u.valid_to) for u in units}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _values(unit: Known | UnitSpec) -> dict[str, Any]:
    return {"name": unit.name, "official_code": unit.official_code,
            "parent": unit.parent_code, "valid_from": _iso(unit.valid_from),
            "valid_to": _iso(unit.valid_to)}


class _Planner:
    def __init__(self, known: dict[str, Known], as_of: date) -> None:
        self.known = known
        self.as_of = as_of
        self.errors: list[RowError] = []
        self.specs: dict[str, UnitSpec] = {}
        self.in_file: set[str] = set()  # every code the file names, its row right or not

    def err(self, row: int, column: str, text: str, **params: object) -> None:
        self.errors.append(row_error(row, column, text, **params))

    def read(self, rows: list[OrgRow]) -> None:
        """Each row on its own, then duplicates (the first row of a code is the one kept)."""
        first: dict[str, int] = {}
        official: dict[str, int] = {}
        for row in rows:
            spec, problems = check_row(row)
            self.errors += problems
            if row.code in first:
                self.err(row.row, "code", DUPLICATE_CODE, code=row.code, other=first[row.code])
                continue
            if row.code:
                first[row.code] = row.row
                self.in_file.add(row.code)
            oc = row.official_code
            if oc and oc in official:
                self.err(row.row, "official_code", DUPLICATE_OFFICIAL, code=oc,
                         other=official[oc])
            elif oc:
                official[oc] = row.row
            if spec is not None:
                self.specs[spec.code] = spec

    # What the tree will be: the file's rows over the database's units.
    def kind(self, code: str) -> OrgKind | None:
        unit = self.specs.get(code) or self.known.get(code)
        return unit.kind if unit else None

    def parent(self, code: str) -> str | None:
        unit = self.specs.get(code) or self.known.get(code)
        return unit.parent_code if unit else None

    def official(self, code: str) -> str | None:
        unit = self.specs.get(code) or self.known.get(code)
        return unit.official_code if unit else None

    def end(self, code: str) -> date | None:
        if code in self.specs:
            return self.specs[code].valid_to
        unit = self.known[code]
        return self.retired_end(unit) or unit.valid_to

    def retired_end(self, unit: Known) -> date | None:
        """The end a unit missing from the file gets; None when it already ended."""
        day = self.as_of - timedelta(days=1)
        return day if unit.valid_to is None or unit.valid_to > day else None

    def check_tree(self) -> None:
        taken = {k.official_code: k.code for k in self.known.values() if k.official_code}
        districts = [c for c, k in self.known.items() if k.parent_code is None]
        for spec in sorted(self.specs.values(), key=lambda s: s.row):
            self.check_unit(spec, taken, districts)
        self.check_cycles()
        self.check_required()

    def check_unit(self, spec: UnitSpec, taken: dict[str, str], districts: list[str]) -> None:
        n, old = spec.row, self.known.get(spec.code)
        if old is not None and old.kind is not spec.kind:
            self.err(n, "kind", KIND_CHANGED, code=spec.code, kind=old.kind.value)
        holder = taken.get(spec.official_code or "")
        if holder is not None and holder != spec.code:
            self.err(n, "official_code", OFFICIAL_TAKEN, code=spec.official_code, other=holder)
        if spec.kind is OrgKind.DISTRICT:
            others = [d for d in districts if d != spec.code] + [
                s.code for s in self.specs.values()
                if s.kind is OrgKind.DISTRICT and s.row < n]
            if others:
                self.err(n, "code", SECOND_DISTRICT, other=others[0])
            return
        parent = spec.parent_code or ""
        parent_kind = self.kind(parent)
        if parent_kind is None and parent in self.in_file:
            return  # the parent's own row is wrong (reported there)
        if parent_kind is None:
            self.err(n, "parent_code", UNKNOWN_PARENT, parent=parent)
            return
        expected = PARENT_KIND[spec.kind]
        if parent_kind is not expected:
            self.err(n, "parent_code", WRONG_PARENT, kind=spec.kind.value,
                     expected=expected.value, parent=parent, actual=parent_kind.value)
        self.check_prefix(spec, parent)
        ends = self.end(parent)
        if ends is not None and (spec.valid_to is None or spec.valid_to > ends):
            self.err(n, "valid_to", OUTLIVES_PARENT, parent=parent, day=ends.isoformat())

    def check_prefix(self, spec: UnitSpec, parent: str) -> None:
        mine, theirs = spec.official_code, self.official(parent)
        if not mine or not theirs or not org_codes.is_division_code(theirs):
            return
        if spec.kind is OrgKind.TOWN and \
                org_codes.district_prefix(mine) != org_codes.district_prefix(theirs):
            self.err(spec.row, "official_code", TOWN_PREFIX,
                     prefix=org_codes.district_prefix(theirs))
        if spec.kind is OrgKind.VILLAGE and \
                org_codes.town_prefix(mine) != org_codes.town_prefix(theirs):
            self.err(spec.row, "official_code", VILLAGE_PREFIX,
                     prefix=org_codes.town_prefix(theirs))

    def check_cycles(self) -> None:
        done: set[str] = set()
        for start in sorted(self.specs, key=lambda c: self.specs[c].row):
            trail: list[str] = []
            code: str | None = start
            while code is not None and code not in done and code not in trail:
                trail.append(code)
                code = self.parent(code)
            if code is not None and code in trail:
                loop = trail[trail.index(code):]
                rows = [self.specs[c].row for c in loop if c in self.specs]
                first = min(rows) if rows else 0
                self.err(first, "parent_code", CYCLE, path=" → ".join([*loop, code]))
            done.update(trail)

    def check_required(self) -> None:
        for code, kind in REQUIRED_UNITS.items():
            spec = self.specs.get(code)
            if spec is None:
                if code not in self.in_file:
                    self.err(0, "code", REQUIRED_UNIT, kind=kind.value, code=code)
            elif spec.kind is not kind:
                self.err(spec.row, "kind", REQUIRED_UNIT, kind=kind.value, code=code)
            elif not spec.active_on(self.as_of):
                self.err(spec.row, "valid_to", REQUIRED_ACTIVE, code=code)

    def depth(self, code: str) -> int:
        steps, parent = 0, self.parent(code)
        while parent is not None and steps < 100:
            steps, parent = steps + 1, self.parent(parent)
        return steps

    def changes(self) -> list[Change]:
        out: list[Change] = []
        for code, spec in self.specs.items():
            old = self.known.get(code)
            new = _values(spec)
            if old is None:
                after = {"kind": spec.kind.value, **{k: v for k, v in new.items() if v}}
                out.append(Change("unit.add", code, spec.name, spec.row, {}, after,
                                  self.depth(code)))
                continue
            was = _values(old)
            changed = [k for k in FIELDS if was[k] != new[k]]
            if not changed:
                continue
            out.append(Change(self.action(old, spec, changed), code, spec.name, spec.row,
                              {k: was[k] for k in changed}, {k: new[k] for k in changed},
                              self.depth(code)))
        for code, old in self.known.items():
            day = self.retired_end(old) if code not in self.specs else None
            if day is not None:
                out.append(Change("unit.deactivate", code, old.name, 0,
                                  {"valid_to": _iso(old.valid_to)}, {"valid_to": _iso(day)},
                                  self.depth(code)))
        return sorted(out, key=lambda c: (c.action == "unit.deactivate", c.depth, c.row))

    def action(self, old: Known, spec: UnitSpec, changed: list[str]) -> str:
        if "parent" in changed:
            return "unit.move"
        before, after = old.active_on(self.as_of), spec.active_on(self.as_of)
        if after and not before:
            return "unit.reactivate"
        if before and not after:
            return "unit.deactivate"
        return "unit.edit"


def plan_import(session: Session, rows: list[OrgRow], *, as_of: date) -> ImportPlan:
    """What importing `rows` on `as_of` (a local date) would change; refused (`errors`, every
    one found, by row) when any row is wrong. Reads only."""
    errors, changes = check_and_plan(session, rows, as_of=as_of)
    return ImportPlan(as_of, [] if errors else changes, errors)


def check_and_plan(session: Session, rows: list[OrgRow], *,
                   as_of: date) -> tuple[list[RowError], list[Change]]:
    """Every error of the rows, and the changes of the rows that passed their own checks
    (for org_import.plan_edit; an import with errors is refused whole)."""
    planner = _Planner(known_units(session), as_of)
    planner.read(rows)
    planner.check_tree()  # over the rows that passed their own checks: every error at once
    return sorted(planner.errors, key=lambda e: (e.row, e.column)), planner.changes()
