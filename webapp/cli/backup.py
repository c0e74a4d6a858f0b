"""`jianfu backup` and `jianfu restore` (models/backup.py; README, "Backups")."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from webapp.cli.common import sessions, url_option

instance_option = click.option(
    "--instance", "instance", type=click.Path(file_okay=False, path_type=Path),
    default=Path("instance"), show_default=True,
    help="The folder of the instance secrets (those not set as JIANFU_* variables).")


@click.command("backup")
@url_option
@instance_option
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The archive to write (default: backups/jianfu-<UTC time>.tar).")
def backup_cmd(database_url: str | None, instance: Path, output: Path | None) -> None:
    """Copy the database and the instance secrets into one archive (online).

    Others keep working meanwhile; the archive is readable by its owner only."""
    from models import backup

    if output is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        output = Path("backups") / f"jianfu-{stamp}.tar"
    try:
        manifest = backup.backup(database_url, output, instance)
    except backup.BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"backup written: {output} ({manifest.kind}, {manifest.events} events, "
               f"secrets: {', '.join(sorted(_names(output))) or 'none'})")


def _names(archive: Path) -> list[str]:
    import json
    import tarfile

    with tarfile.open(archive) as tar:
        member = tar.extractfile("secrets.json")
        return list(json.loads(member.read())) if member else []


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@url_option
@instance_option
@click.option("--force-secrets", is_flag=True,
              help="Replace secrets in the instance folder that differ from the archive's.")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Afterwards verify the history (audit) and replay every case.")
def restore_cmd(archive: Path, database_url: str | None, instance: Path, force_secrets: bool,
                verify: bool) -> None:
    """Load a backup into a new, empty database and verify it.

    The secrets go into the instance folder; exit 1 if anything does not verify."""
    from models import backup

    try:
        manifest, secrets = backup.restore(archive, database_url)
        written = backup.write_secrets(secrets, instance, force=force_secrets)
    except backup.BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"restored {manifest.events} events ({manifest.kind}, made "
               f"{manifest.created_at}); secrets written to {instance}/: "
               f"{', '.join(written) or 'none'}")
    if not verify:
        return
    problems = verify_restored(database_url)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"restore FAILED verification: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo("restore verified: every chain and checkpoint, every case replays identically")


def verify_restored(database_url: str | None) -> list[str]:
    """Audit problems and replay divergences of the database at `database_url`."""
    from sqlalchemy import select

    from models import Case
    from workflows.kernel import audit, replay

    with sessions(database_url) as make, make() as session:
        problems = [str(p) for p in audit.verify(session)]
        for case_id in session.scalars(select(Case.id).order_by(Case.id)).all():
            if not replay.replay_case(session, case_id).ok:
                problems.append(f"case {case_id} does not replay identically")
    return problems
