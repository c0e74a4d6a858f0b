"""The checks of one org tree row on its own (docs/administration.md, "The org tree"): the
values it must have, its kind, its dates and the form of its official code. The checks that
need the other rows and the database are in org_plan.py.

Every message is an English template; MESSAGES lists them all (the web layer translates
them; tests/integration/test_admin_org_checks.py checks the list is complete)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from models import OrgKind
from workflows.admin import org_codes
from workflows.admin.org_file import KIND_NAMES, OrgRow, RowError, row_error

CODE_FORM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NAME_MAX = 200
# A name never starts like a spreadsheet formula (an export opened in Excel runs none).
FORMULA_START = ("=", "+", "-", "@")

REQUIRED = "required"
BAD_CODE = "letters, digits, '-', '_' or '.', at most 64, starting with a letter or digit"
LONG_NAME = "at most %(n)s characters"
FORMULA_NAME = "a name may not start with = + - or @"
BAD_KIND = "unknown kind '%(kind)s': district, department, town or village (区, 部门, 镇, " \
    "街道, 村, 社区)"
DISTRICT_PARENT = "the district has no parent"
BAD_DATE = "'%(value)s' is not a date as YYYY-MM-DD"
END_BEFORE_START = "the end date is before the start date"
DIVISION_FORM = "a %(kind)s's official code is 12 digits"
TOWN_ZEROS = "a town's official code ends in 000 (and is not the district's)"
VILLAGE_ZEROS = "a village's official code does not end in 000"
DISTRICT_FORM = "the district's official code is 12 digits ending in 000000"
USCC_FORM = "not a unified social credit code (18 characters, GB 32100-2015)"
USCC_CHECK = "the check character of '%(code)s' is wrong (expected %(expected)s)"
MESSAGES = (REQUIRED, BAD_CODE, LONG_NAME, FORMULA_NAME, BAD_KIND, DISTRICT_PARENT, BAD_DATE,
            END_BEFORE_START, DIVISION_FORM, TOWN_ZEROS, VILLAGE_ZEROS, DISTRICT_FORM,
            USCC_FORM, USCC_CHECK)


@dataclass(frozen=True)
class UnitSpec:
    """A row that passed its own checks, its values parsed."""

    row: int
    code: str
    official_code: str | None
    name: str
    parent_code: str | None
    kind: OrgKind
    valid_from: date | None
    valid_to: date | None

    def active_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))


def parse_kind(text: str) -> OrgKind | None:
    return KIND_NAMES.get(text.strip().lower())


def _date(row: OrgRow, column: str, errors: list[RowError]) -> date | None:
    text = getattr(row, column)
    if not text:
        return None
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    errors.append(row_error(row.row, column, BAD_DATE, value=text))
    return None


def official_code_errors(row: int, kind: OrgKind, code: str) -> list[RowError]:
    """The form of an official code for a unit of `kind` (its place under its parent is
    checked with the whole tree)."""
    col = "official_code"
    if kind is OrgKind.DEPARTMENT:
        if not org_codes.uscc_form(code):
            return [row_error(row, col, USCC_FORM)]
        if not org_codes.uscc_valid(code):
            return [row_error(row, col, USCC_CHECK, code=code,
                              expected=org_codes.uscc_check_char(code[:17]))]
        return []
    if not org_codes.is_division_code(code):
        return [row_error(row, col, DIVISION_FORM, kind=kind.value)]
    if kind is OrgKind.DISTRICT and not code.endswith("000000"):
        return [row_error(row, col, DISTRICT_FORM)]
    if kind is OrgKind.TOWN and (not code.endswith("000") or code.endswith("000000")):
        return [row_error(row, col, TOWN_ZEROS)]
    if kind is OrgKind.VILLAGE and code.endswith("000"):
        return [row_error(row, col, VILLAGE_ZEROS)]
    return []


def check_row(row: OrgRow) -> tuple[UnitSpec | None, list[RowError]]:
    """The row's values parsed, or None with what is wrong (every problem of the row)."""
    errors: list[RowError] = []
    n = row.row
    for column in ("code", "name", "kind"):
        if not getattr(row, column):
            errors.append(row_error(n, column, REQUIRED))
    if row.code and not CODE_FORM.match(row.code):
        errors.append(row_error(n, "code", BAD_CODE))
    if len(row.name) > NAME_MAX:
        errors.append(row_error(n, "name", LONG_NAME, n=NAME_MAX))
    if row.name.startswith(FORMULA_START):
        errors.append(row_error(n, "name", FORMULA_NAME))
    kind = parse_kind(row.kind) if row.kind else None
    if row.kind and kind is None:
        errors.append(row_error(n, "kind", BAD_KIND, kind=row.kind))
    if kind is OrgKind.DISTRICT and row.parent_code:
        errors.append(row_error(n, "parent_code", DISTRICT_PARENT))
    if kind not in (None, OrgKind.DISTRICT) and not row.parent_code:
        errors.append(row_error(n, "parent_code", REQUIRED))
    start, end = _date(row, "valid_from", errors), _date(row, "valid_to", errors)
    if start and end and end < start:
        errors.append(row_error(n, "valid_to", END_BEFORE_START))
    if kind is not None:
        if row.official_code:
            errors += official_code_errors(n, kind, row.official_code)
        elif kind in (OrgKind.TOWN, OrgKind.VILLAGE):
            errors.append(row_error(n, "official_code", REQUIRED))
    if errors or kind is None:
        return None, errors
    return UnitSpec(n, row.code, row.official_code or None, row.name, row.parent_code or None,
                    kind, start, end), []
