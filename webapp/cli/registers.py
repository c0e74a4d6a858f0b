"""`jianfu calendar`, `jianfu channel` and `jianfu complaints`: the calendar overrides, the
Open311 channels and the complaint keys."""

from __future__ import annotations

import secrets
from datetime import datetime

import click

from webapp.cli.common import sessions, url_option
from workflows.kernel import calendar_admin, vault
from workflows.kernel.access import SYSTEM_ACTOR


@click.group("calendar")
def calendar_group() -> None:
    """Announced changes to the official working-day calendar."""


@calendar_group.command("override")
@url_option
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DAY")
@click.option("--workday/--day-off", required=True, help="Make DAY a working day or a day off.")
@click.option("--note", required=True, help="Which announcement this follows.")
def calendar_override(database_url: str | None, day: datetime, workday: bool, note: str) -> None:
    """Record that DAY (YYYY-MM-DD) is a working day or a day off, from now on."""
    with sessions(database_url) as make, make() as session:
        row = calendar_admin.add_override(session, SYSTEM_ACTOR, day.date(), workday, note)
        click.echo(f"{row.day} is now a {'working day' if workday else 'day off'} ({row.note})")


@calendar_group.command("list")
@url_option
def calendar_list(database_url: str | None) -> None:
    """List the overrides, oldest first."""
    with sessions(database_url) as make, make() as session:
        for row in calendar_admin.list_overrides(session):
            kind = "working day" if row.is_workday else "day off"
            click.echo(f"{row.day}  {kind:<11}  {row.created_at:%Y-%m-%d %H:%M}  {row.note}")


@click.group("channel")
def channel_group() -> None:
    """Open311 channels: partner systems that file complaints with an API key."""


@channel_group.command("add")
@url_option
@click.argument("name")
def channel_add(database_url: str | None, name: str) -> None:
    """Create channel NAME and print its API key once (only its SHA-256 is stored)."""
    from workflows.complaints import open311 as channels
    from workflows.kernel.errors import ValidationFailedError

    with sessions(database_url) as make, make() as session:
        try:
            key = channels.add_channel(session, name)
        except ValidationFailedError as err:
            raise click.UsageError(f"NAME: {'; '.join(err.fields.get('name', []))}") from err
    click.echo(f"channel {name} added; its cases are marked open311:{name}")
    click.echo(f"API key (shown only now, give it to the partner over a safe channel): {key}")


@channel_group.command("list")
@url_option
def channel_list(database_url: str | None) -> None:
    """List the channels (names, not keys)."""
    from workflows.complaints import open311 as channels

    with sessions(database_url) as make, make() as session:
        for ch in channels.list_channels(session):
            state = "active" if ch.active else "disabled"
            click.echo(f"{ch.name:<24} {state:<8} {ch.created_at:%Y-%m-%d %H:%M}")


@click.group("complaints")
def complaints_group() -> None:
    """Keys for burden complaints."""


@complaints_group.command("keygen")
def complaints_keygen() -> None:
    """Print a new vault key and receipt salt (set them as JIANFU_VAULT_KEY and
    JIANFU_RECEIPT_SALT; losing the vault key loses sealed identities and originals)."""
    click.echo(f"JIANFU_VAULT_KEY={vault.generate_key()}")
    click.echo(f"JIANFU_RECEIPT_SALT={secrets.token_hex(16)}")
