"""`jianfu admin create`, `jianfu user add|disable|reset-password|import`, `jianfu role
grant|revoke`: people and roles from the command line, acting as the system (each change is
recorded in the administration record like the pages' actions; docs/administration.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import OrgUnit, User
from webapp.cli.common import sessions, url_option
from workflows.admin import people, people_import
from workflows.admin import people_rules as rules
from workflows.kernel import access
from workflows.kernel.accounts import MIN_PASSWORD
from workflows.kernel.errors import CaseError, ValidationFailedError

PASSWORD_ENV = "JIANFU_ADMIN_PASSWORD"
SYSTEM = access.SYSTEM_ACTOR


def _explain(err: CaseError) -> str:
    if isinstance(err, ValidationFailedError):
        return "; ".join(f"{k}: {m}" for k, ms in err.fields.items() for m in ms)
    if "not deployed" in str(err):
        return f"{err}: run `jianfu deploy` first"
    return str(err)


@contextmanager
def _session(database_url: str | None) -> Iterator[Session]:
    """A session whose domain errors end the command with a clear message (exit 1)."""
    with sessions(database_url) as make, make() as session:
        try:
            yield session
        except CaseError as err:
            session.rollback()
            raise click.ClickException(_explain(err)) from err


def _user_id(session: Session, username: str) -> int:
    found = session.scalar(select(User.id).where(func.lower(User.username)
                                                 == username.strip().lower()))
    if found is None:
        raise click.ClickException(f"no person with the username {username}")
    return int(found)


def _unit(session: Session, code: str) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise click.ClickException(f"no unit with the code {code}")
    return unit


def _read_password(password_file: Path | None) -> str:
    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        return lines[0].strip() if lines else ""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group("admin")
def admin_group() -> None:
    """The first administrator."""


@admin_group.command("create")
@click.argument("username")
@click.option("--display-name", default="", help="Name shown (default: the username).")
@click.option("--email", default="", help="E-mail address.")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"Read the password from the file's first line (else ${PASSWORD_ENV}, "
                   "else a prompt).")
@url_option
def admin_create(username: str, display_name: str, email: str, password_file: Path | None,
                 database_url: str | None) -> None:
    """Create an administrator (role admin at the root of the org tree)."""
    password = _read_password(password_file)
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"the password needs at least {MIN_PASSWORD} characters")
    with _session(database_url) as session:
        root = session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None))
                              .order_by(OrgUnit.id).limit(1))
        if root is None:
            raise click.ClickException(
                "the org tree is empty: import it first (`jianfu org import FILE`)")
        added = people.add_person(session, SYSTEM, username, display_name or username,
                                  email=email or None,
                                  roles=(rules.role_text(access.ADMIN, root.code),),
                                  password=password)
    click.echo(f"administrator {added.username} created (admin at {root.name})")


@click.group("user")
def user_group() -> None:
    """People: add, deactivate, reset a password, import a file."""


@user_group.command("add")
@click.argument("username")
@click.option("--display-name", required=True, help="Name shown.")
@click.option("--email", default="", help="E-mail address.")
@click.option("--role", "roles", multiple=True, help="role@unitcode, e.g. clerk@qmzj "
              "(repeat for several).")
@url_option
def user_add(username: str, display_name: str, email: str, roles: tuple[str, ...],
             database_url: str | None) -> None:
    """Add a person; prints a one-time password (they choose their own at first login)."""
    with _session(database_url) as session:
        added = people.add_person(session, SYSTEM, username, display_name,
                                  email=email or None, roles=roles)
    click.echo(f"{added.username} added; one-time password: {added.password}")


@user_group.command("disable")
@click.argument("username")
@url_option
def user_disable(username: str, database_url: str | None) -> None:
    """Deactivate a person: their claimed tasks go back to their groups."""
    with _session(database_url) as session:
        released = people.deactivate(session, SYSTEM, _user_id(session, username))
    click.echo(f"{username} deactivated; {len(released)} task(s) back to their groups")


@user_group.command("reset-password")
@click.argument("username")
@url_option
def user_reset_password(username: str, database_url: str | None) -> None:
    """Print a one-time password; the person must choose a new one at next login."""
    with _session(database_url) as session:
        secret = people.reset_password(session, SYSTEM, _user_id(session, username))
    click.echo(f"one-time password for {username}: {secret}")


@user_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only report what would change.")
@url_option
def user_import(file: Path, dry_run: bool, database_url: str | None) -> None:
    """Import people from a CSV or XLSX file (docs/administration.md)."""
    data = file.read_bytes()
    with _session(database_url) as session:
        result: people_import.ImportResult | None = None
        if dry_run:
            plan = people_import.plan_people_import(session, SYSTEM, data, file.name)
        else:
            plan, result = people_import.apply_people_import(session, SYSTEM, data, file.name)
    if plan.errors:
        for e in plan.errors:
            click.echo(f"row {e.row}, column {e.column or '-'}: {e.message}", err=True)
        raise click.ClickException(f"{len(plan.errors)} bad row(s): nothing was imported")
    for p in plan.changes:
        what = [f"{k}: {a or '-'} -> {b or '-'}" for k, (a, b) in p.changes.items()]
        what += [f"grant {t}" for _r, _u, t in p.new_roles]
        if p.active is not None:
            what.append("reactivate" if p.active else "deactivate")
        click.echo(f"row {p.row}: {p.action} {p.username}" + (f" ({'; '.join(what)})"
                                                               if what else ""))
    unchanged = len(plan.people) - len(plan.changes)
    if result is None:
        click.echo(f"dry run: {len(plan.changes)} to change, {unchanged} unchanged")
        return
    for added in result.added:
        click.echo(f"one-time password for {added.username}: {added.password}")
    click.echo(f"{len(result.added)} added, {result.updated} updated, {unchanged} unchanged")


@click.group("role")
def role_group() -> None:
    """Roles at units: grant, revoke."""


@role_group.command("grant")
@click.argument("username")
@click.argument("role")
@click.argument("unit")
@url_option
def role_grant(username: str, role: str, unit: str, database_url: str | None) -> None:
    """Grant ROLE (e.g. clerk) to USERNAME at the unit with the code UNIT."""
    with _session(database_url) as session:
        people.grant_role(session, SYSTEM, _user_id(session, username), role,
                          _unit(session, unit).id)
    click.echo(f"granted {role}@{unit} to {username}")


@role_group.command("revoke")
@click.argument("username")
@click.argument("role")
@click.argument("unit")
@url_option
def role_revoke(username: str, role: str, unit: str, database_url: str | None) -> None:
    """Revoke ROLE of USERNAME at the unit with the code UNIT."""
    with _session(database_url) as session:
        released = people.revoke_role(session, SYSTEM, _user_id(session, username), role,
                                      _unit(session, unit).id)
    click.echo(f"revoked {role}@{unit} from {username}; "
               f"{len(released)} task(s) back to their groups")
