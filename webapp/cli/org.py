"""`jianfu org import FILE [--dry-run]` and `jianfu org export`: the org tree from and to a
CSV or XLSX file (docs/administration.md, "The org tree"). The command line acts as the
system actor; every change is an event of the administration record."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

import click

from models import utcnow
from webapp.cli.common import sessions, url_option
from workflows.admin import org_import
from workflows.kernel.access import SYSTEM_ACTOR
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ConflictError, NotFoundError


@click.group("org")
def org_group() -> None:
    """Import and export the org tree (district, departments, towns, villages)."""


@org_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The import's date, YYYY-MM-DD (default: today, China time): units "
                   "missing from the file are inactive from this day.")
@url_option
def import_cmd(file: Path, dry_run: bool, as_of: datetime | None,
               database_url: str | None) -> None:
    """Import FILE (.csv or .xlsx): print one line per change and a count, then apply them
    unless --dry-run. A file with any error is refused whole: every error is printed and
    the exit status is 1."""
    day: date = as_of.date() if as_of else WorkCalendar.local_date(utcnow())
    try:
        rows = org_import.read_rows(file.read_bytes(), file.name)
    except org_import.OrgFileError as err:
        _refuse(err.errors)
    with sessions(database_url) as make, make() as session:
        plan = org_import.plan_import(session, rows, as_of=day)
        if plan.errors:
            _refuse(plan.errors)
        for change in plan.changes:
            click.echo(change.describe())
        counts = ", ".join(f"{n} {action}" for action, n in sorted(plan.counts().items()))
        click.echo(f"{len(plan.changes)} change(s){': ' + counts if counts else ''}")
        if dry_run or not plan.changes:
            click.echo("dry run: nothing changed" if dry_run else "nothing to change")
            return
        try:
            done = org_import.apply_import(session, SYSTEM_ACTOR, plan)
        except NotFoundError as err:
            raise click.ClickException(f"{err}: run `jianfu deploy` first") from err
        except ConflictError as err:
            raise click.ClickException(f"stopped: {err}") from err
        click.echo(f"applied {done} change(s)")


def _refuse(errors: list[org_import.RowError]) -> NoReturn:
    for error in errors:
        click.echo(str(error), err=True)
    click.echo(f"refused: {len(errors)} error(s); nothing changed", err=True)
    sys.exit(1)


@org_group.command("export")
@click.option("--file", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: standard output).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="csv (default) or xlsx; by default the --file's extension decides.")
@click.option("--chinese", is_flag=True, help="Chinese headers and kinds (编码, 名称...).")
@url_option
def export_cmd(out: Path | None, fmt: str | None, chinese: bool,
               database_url: str | None) -> None:
    """Write every unit, active or not, in the import's format (importing it changes
    nothing)."""
    fmt = fmt or ("xlsx" if out is not None and out.suffix.lower() == ".xlsx" else "csv")
    if fmt == "xlsx" and out is None:
        raise click.UsageError("an XLSX export needs --file")
    with sessions(database_url) as make, make() as session:
        rows = org_import.export_rows(session)
    data = (org_import.to_xlsx(rows, chinese=chinese) if fmt == "xlsx"
            else org_import.to_csv(rows, chinese=chinese))
    if out is None:
        click.echo(data, nl=False)  # bytes go to the binary stream as they are
    else:
        out.write_bytes(data)
        click.echo(f"{len(rows)} unit(s) written to {out}", err=True)
