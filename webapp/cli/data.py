"""`jianfu init-db`, `deploy`, `demo`, `replay` and `worker`: the database and its work.

Each command imports what it needs when it runs: a worker's start pays for neither the
migrations nor the demo (tests/unit/test_cli_startup.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click

from webapp.cli.common import bpmn_dir_option, env_signer, sessions, url_option, verify_every

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from workflows.demo.loader import DemoData


@click.command("init-db")
@url_option
def init_db(database_url: str | None) -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    from models.migrate import upgrade

    upgrade(database_url)
    click.echo("database is at the latest schema")


@click.command("deploy")
@url_option
@bpmn_dir_option
def deploy_cmd(database_url: str | None, bpmn_dir: Path) -> None:
    """Store the current bpmn/ files as new process versions (unchanged files are kept)."""
    from workflows.kernel import processes

    with sessions(database_url) as make, make() as session:
        for pv in processes.deploy(session, bpmn_dir):
            click.echo(f"{pv.process_id} v{pv.version} {pv.content_hash[:12]}")


def load_demo(make: sessionmaker[Session], bpmn_dir: Path) -> DemoData | None:
    """Load the demo into an empty database (else only deploy bpmn_dir); None when not empty."""
    from webapp.complaints import settings as complaint_settings
    from webapp.wsgi import local_config
    from workflows.demo import loader as demo
    from workflows.kernel import processes

    env = {k.removeprefix("JIANFU_"): v for k, v in os.environ.items() if k.startswith("JIANFU_")}
    settings = complaint_settings.from_config({**local_config(None), **env})
    with make() as session:
        if not demo.is_empty(session):
            processes.deploy(session, bpmn_dir)
            return None
        return demo.load(session, bpmn_dir, complaint_settings=settings, items=True,
                         inspections=True, lists=True, pilots=True)


def print_logins(data: DemoData | None) -> None:
    from workflows.complaints import receipts
    from workflows.demo import loader as demo

    if data is None:
        click.echo(f"database already has data; demo logins use the password {demo.DEMO_PASSWORD}")
        return
    click.echo(f"demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for login in data.logins:
        click.echo(f"  {login.username:<12} {login.display_name}  [{login.roles}]")
    click.echo("demo complaint receipt codes (track them at /report/track):")
    for code, about in data.receipts:
        click.echo(f"  {receipts.format_code(code)}  {about}")


@click.command("demo")
@url_option
@bpmn_dir_option
def demo_cmd(database_url: str | None, bpmn_dir: Path) -> None:
    """Load demo org units, users and cases into an empty database."""
    from models.migrate import upgrade

    upgrade(database_url)
    with sessions(database_url) as make:
        print_logins(load_demo(make, bpmn_dir))


@click.command("worker")
@url_option
@click.option("--poll", default=1.0, show_default=True, type=float, help="Seconds between polls.")
@click.option("--once", is_flag=True, help="Fire one batch of due jobs and exit.")
def worker_cmd(database_url: str | None, poll: float, once: bool) -> None:
    """Fire due timers (several workers may run at once; each job fires exactly once)."""
    from workflows.kernel import worker

    with sessions(database_url) as make:
        if once:
            click.echo(f"fired {worker.run_once(make)} job(s)")
            return
        worker.run_forever(make, poll=poll, signer=env_signer(), verify_every=verify_every())


@click.command("replay")
@url_option
@click.argument("case_id", type=int, required=False)
@click.option("--all", "all_cases", is_flag=True, help="Replay every case (with a progress bar).")
def replay_cmd(database_url: str | None, case_id: int | None, all_cases: bool) -> None:
    """Re-run recorded events on the pinned process version; exit 1 on any divergence."""
    from sqlalchemy import select

    from models import Case
    from workflows.kernel import replay

    if (case_id is None) == (not all_cases):
        raise click.UsageError("give a CASE_ID or --all")
    failed = 0
    with sessions(database_url) as make, make() as session:
        ids: list[int] = (
            list(session.scalars(select(Case.id).order_by(Case.id)))
            if all_cases
            else [int(case_id or 0)]
        )
        bar: AbstractContextManager[Iterable[int]] = (
            click.progressbar(ids, label="replaying", file=sys.stderr, show_pos=True)
            if all_cases
            else nullcontext(ids)
        )
        with bar as progress:
            for cid in progress:
                report = replay.replay_case(session, cid)
                if not report.ok:
                    failed += 1
                    click.echo(f"\ncase {cid}: DIVERGES", err=True)
                    for diff in report.differences:
                        click.echo(diff, err=True)
                elif not all_cases:
                    click.echo(
                        f"case {cid}: identical ({report.events} events, process "
                        f"{report.process_hash[:12]}, final hash {report.final_hash[:16]})"
                    )
        if all_cases:
            click.echo(f"{len(ids) - failed} of {len(ids)} cases replay identically")
    sys.exit(1 if failed else 0)
