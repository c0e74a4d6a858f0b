"""`jianfu audit ...`: verify, sign, export and checkpoint the tamper-evident history."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from sqlalchemy import func, select

from models import Case
from webapp.cli import common as cli_common
from webapp.cli.common import env_public_key, sessions, url_option
from workflows.kernel import audit, audit_export, audit_runs
from workflows.supervision import certificate_doc


@click.group("audit")
def audit_group() -> None:
    """Verify the tamper-evident history."""


@audit_group.command("verify")
@url_option
@click.option(
    "--file",
    "export_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Verify an export file offline (no database) instead of the database.",
)
@click.option(
    "--public-key",
    default=None,
    help="With --file: the public key (hex) you trust; default: the file's own.",
)
def audit_verify(
    database_url: str | None, export_file: Path | None, public_key: str | None
) -> None:
    """Check every hash chain, the log head and checkpoints; exit 1 naming what broke."""
    if export_file is not None:
        problems = audit_export.verify_export(export_file, public_key)
        for p in problems:
            click.echo(str(p), err=True)
        if problems:
            click.echo(f"export FAILED: {len(problems)} problem(s)", err=True)
            sys.exit(1)
        click.echo(f"export ok: {export_file} verifies (every chain and signed checkpoint)")
        return
    with sessions(database_url) as make, make() as session:
        # Recorded as an audit run: the audit page shows the last verification.
        run = audit_runs.record(session, source="cli", public_key=env_public_key())
        events = session.scalar(select(func.count()).select_from(Case))
    if not run.ok:
        for found in run.problems:
            click.echo(str(found["text"]), err=True)
        click.echo(f"audit FAILED: {len(run.problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(f"audit ok: {events} cases, every chain and checkpoint verifies")


@audit_group.command("keygen")
def audit_keygen() -> None:
    """Print a new Ed25519 signing key (keep it secret) and its public key (give it out)."""
    key, seed = audit_export.Signer.generate()
    click.echo(f"JIANFU_AUDIT_KEY={seed}")
    click.echo(f"public key: {key.public_hex}")


@audit_group.command("sign")
@url_option
def audit_sign(database_url: str | None) -> None:
    """Checkpoint the log tip and sign every unsigned checkpoint with JIANFU_AUDIT_KEY."""
    key = cli_common.signer()
    with sessions(database_url) as make, make() as session:
        n = audit_export.sign_checkpoints(session, key)
    click.echo(f"signed {n} checkpoint(s); public key {key.public_hex}")


@audit_group.command("export")
@url_option
@click.option("--file", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def audit_export_cmd(database_url: str | None, out: Path) -> None:
    """Write the whole history, signed at its tip, to a file an auditor verifies offline."""
    key = cli_common.signer()
    with sessions(database_url) as make, make() as session:
        counts = audit_export.export(session, key, out)
    click.echo(
        f"exported {counts['events']} events of {counts['cases']} cases, "
        f"{counts['checkpoints']} signed checkpoints to {out}; "
        f"public key {key.public_hex}"
    )


@audit_group.command("checkpoint")
@url_option
def audit_checkpoint(database_url: str | None) -> None:
    """Record a checkpoint of the current log tip."""
    with sessions(database_url) as make, make() as session:
        cp = audit.checkpoint(session)
    click.echo("log is empty" if cp is None else f"checkpoint at {cp.size}: {cp.hash}")


@audit_group.command("verify-case")
@click.argument("certificate", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", default=None,
              help="The public key (hex) you trust; default: the one the file names.")
def audit_verify_case(certificate: Path, public_key: str | None) -> None:
    """Check a downloaded replay certificate offline (no database): the case's chain, its
    place in the log up to the signed checkpoint, the signature; exit 1 naming what broke."""
    try:
        doc = json.loads(certificate.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        click.echo(f"unreadable certificate: {err}", err=True)
        sys.exit(1)
    problems = certificate_doc.verify(doc, public_key)
    for p in problems:
        click.echo(str(p), err=True)
    if problems:
        click.echo(f"certificate FAILED: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    cp = doc["proof"]["checkpoint"]
    click.echo(f"certificate ok: case {doc['case']['id']}, {doc['replay']['events']} events, "
               f"in the log's first {cp['size']} entries signed at {cp['at']}")
