"""Bulk import of people from a CSV or XLSX file (docs/administration.md, "People and roles").

Columns (English or Chinese headers, any order): `username`/用户名 and `display_name`/姓名
required, `email`/电子邮箱, `roles`/角色 ("clerk@qmzj;unit_head@qmzj"), `active`/启用
(是/否, yes/no, 1/0). `plan_people_import` reads the whole file and says what would change,
or lists every bad row with its row number (as the spreadsheet numbers it) and column; a file
with any bad row applies nothing. `apply_people_import` applies a clean plan, one recorded
action per change, so importing the same file twice changes nothing the second time. Roles
in the file are granted when missing; roles not in the file are kept (revoke on the page or
with `jianfu role revoke`). An empty cell keeps what the person has.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import User, utcnow
from workflows.admin import people
from workflows.admin import people_rules as rules
from workflows.kernel.access import Actor
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ValidationFailedError

MAX_ROWS = 5000
MAX_BYTES = 2_000_000
HEADERS = {
    "username": "username", "用户名": "username", "display_name": "display_name",
    "姓名": "display_name", "email": "email", "电子邮箱": "email", "roles": "roles",
    "角色": "roles", "active": "active", "启用": "active",
}
REQUIRED = ("username", "display_name")
YES = frozenset({"1", "yes", "y", "true", "是", "启用"})
NO = frozenset({"0", "no", "n", "false", "否", "停用"})
ROLE_SPLIT = re.compile(r"[;；,，\s]+")


@dataclass(frozen=True)
class RowError:
    row: int  # 1 is the header row
    column: str  # as the file names it ("" for the whole file)
    message: str


@dataclass(frozen=True)
class PlannedPerson:
    row: int
    username: str
    action: str  # "add" | "update" | "unchanged"
    user_id: int | None
    # field -> (now, from the file) for display_name and email
    changes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    new_roles: tuple[tuple[str, int, str], ...] = ()  # (role, unit id, "role@code")
    active: bool | None = None  # the change of state, None when it stays


@dataclass(frozen=True)
class ImportPlan:
    people: list[PlannedPerson]
    errors: list[RowError]

    @property
    def changes(self) -> list[PlannedPerson]:
        return [p for p in self.people if p.action != "unchanged"]


@dataclass(frozen=True)
class ImportResult:
    added: list[people.Added]
    updated: int
    unchanged: int


def read_rows(data: bytes, filename: str) -> list[list[str]]:
    """The file's rows as text cells (header first)."""
    if len(data) > MAX_BYTES:
        raise ValidationFailedError({"file": [f"the file is larger than {MAX_BYTES} bytes"]})
    if filename.lower().endswith(".xlsx"):
        return _xlsx_rows(data)
    if not filename.lower().endswith(".csv"):
        raise ValidationFailedError({"file": ["choose a .csv or .xlsx file"]})
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailedError({"file": ["the file is not UTF-8 or GB18030 text"]})
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a broken file
        raise ValidationFailedError({"file": ["the file is not a readable .xlsx workbook"]}) \
            from err
    try:
        sheet = book.worksheets[0]
        return [["" if c is None else str(c).strip() for c in row]
                for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _flag(value: str) -> bool | None:
    low = value.strip().lower()
    return True if low in YES else False if low in NO else None


def plan_people_import(session: Session, actor: Actor, data: bytes,
                       filename: str) -> ImportPlan:
    """What importing the file would do, or every bad row (nothing is changed)."""
    rules.require_people_admin(actor)
    rows = [r for r in read_rows(data, filename) if any(c for c in r)]
    if not rows:
        return ImportPlan([], [RowError(1, "", "the file is empty")])
    header = rows[0]
    errors: list[RowError] = []
    columns: dict[str, int] = {}
    names: dict[str, str] = {}
    for i, title in enumerate(header):
        key = HEADERS.get(title.strip().lower()) if title.strip() else None
        if key is None:
            errors.append(RowError(1, title, "unknown column"))
        elif key in columns:
            errors.append(RowError(1, title, "this column appears twice"))
        else:
            columns[key], names[key] = i, title
    errors += [RowError(1, key, "this column is required") for key in REQUIRED
               if key not in columns]
    if errors:
        return ImportPlan([], errors)
    if len(rows) - 1 > MAX_ROWS:
        return ImportPlan([], [RowError(MAX_ROWS + 2, "", f"at most {MAX_ROWS} rows")])
    planned: list[PlannedPerson] = []
    seen: set[str] = set()
    today = WorkCalendar.local_date(utcnow())
    for number, row in enumerate(rows[1:], start=2):
        cells = {k: (row[i] if i < len(row) else "") for k, i in columns.items()}
        found: list[RowError] = []
        person = _plan_row(session, actor, number, cells, names, seen, today, found)
        errors += found
        if person is not None and not found:
            planned.append(person)
    return ImportPlan(planned if not errors else [], errors)


def _plan_row(session: Session, actor: Actor, number: int, cells: dict[str, str],
              names: dict[str, str], seen: set[str], today: date,
              errors: list[RowError]) -> PlannedPerson | None:
    def bad(key: str, message: str) -> None:
        errors.append(RowError(number, names.get(key, key), message))

    username = cells["username"].strip().lower()
    if not rules.USERNAME.match(username):
        bad("username", rules.MSG_USERNAME)
        return None
    if username in seen:
        bad("username", "this username appears twice in the file")
        return None
    seen.add(username)
    user = session.scalar(select(User).where(func.lower(User.username) == username))
    changes: dict[str, tuple[str | None, str | None]] = {}
    for key, check in (("display_name", rules.check_name), ("email", rules.check_email)):
        value = cells.get(key, "")
        if not value.strip():
            if user is None and key == "display_name":
                bad(key, rules.MSG_NAME)
            continue
        try:
            value = check(value) or ""
        except ValidationFailedError as err:
            bad(key, err.fields[key][0])
            continue
        now = getattr(user, key) if user is not None else None
        if now != value:
            changes[key] = (now, value)
    active = _flag(cells["active"]) if cells.get("active", "").strip() else None
    if cells.get("active", "").strip() and active is None:
        bad("active", "write 是 or 否 (yes or no)")
    held = {(r.role, r.org_unit_id) for r in user.roles} if user is not None else set()
    new_roles: dict[tuple[str, int], str] = {}
    for spec in (s for s in ROLE_SPLIT.split(cells.get("roles", "")) if s):
        try:
            role, unit = rules.parse_role(session, spec, today)
        except ValidationFailedError as err:
            bad("roles", f"{spec}: {next(iter(err.fields.values()))[0]}")
            continue
        if (role, unit.id) not in held:
            new_roles[(role, unit.id)] = rules.role_text(role, unit.code)
    if user is None and active is False:
        bad("active", "a new person must be active")
    change_state = active if user is not None and active is not None \
        and active != user.active else None
    if change_state is False and user is not None:
        try:
            rules.check_not_self_or_last(session, actor, user, "active")
        except ValidationFailedError as err:
            bad("active", err.fields["active"][0])
    action = "add" if user is None else (
        "update" if changes or new_roles or change_state is not None else "unchanged")
    return PlannedPerson(number, username, action, user.id if user is not None else None,
                         changes, tuple((r, u, t) for (r, u), t in new_roles.items()),
                         change_state)


def apply_people_import(session: Session, actor: Actor, data: bytes, filename: str, *,
                        now: datetime | None = None) -> tuple[ImportPlan, ImportResult | None]:
    """Plan the file again and, when it has no bad row, apply it. Each change is its own
    recorded action; new people get one-time passwords (in the result, shown once)."""
    plan = plan_people_import(session, actor, data, filename)
    if plan.errors:
        return plan, None
    added, updated = [], 0
    for p in plan.changes:
        if p.action == "add":
            shown = p.changes.get("display_name", (None, p.username))[1] or p.username
            email = p.changes.get("email", (None, None))[1]
            added.append(people.add_person(session, actor, p.username, shown, email=email,
                                           roles=tuple(t for _r, _u, t in p.new_roles),
                                           now=now))
            continue
        assert p.user_id is not None
        updated += 1
        if p.changes:
            user = rules.person(session, p.user_id)
            name = p.changes.get("display_name", (None, user.display_name))[1]
            email = p.changes.get("email", (None, user.email))[1]
            people.edit_person(session, actor, p.user_id, display_name=name or "",
                               email=email, now=now)
        for role, unit_id, _text in p.new_roles:
            people.grant_role(session, actor, p.user_id, role, unit_id, now=now)
        if p.active is True:
            people.reactivate(session, actor, p.user_id, now=now)
        elif p.active is False:
            people.deactivate(session, actor, p.user_id, now=now)
    session.rollback()
    return plan, ImportResult(added, updated, len(plan.people) - len(plan.changes))
