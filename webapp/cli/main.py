"""The `jianfu` command: database, demo, deploy, server, worker, replay and audit."""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from models import Case
from models.db import database_url as resolve_url
from models.migrate import upgrade
from webapp.cli.audit import audit_group
from webapp.cli.common import (
    DEFAULT_BPMN,
    bpmn_dir_option,
    env_signer,
    sessions,
    url_option,
    verify_every,
)
from webapp.cli.org import org_group
from webapp.cli.users import admin_group, role_group, user_group
from workflows import features
from workflows.complaints import receipts
from workflows.demo import loader as demo
from workflows.kernel import calendar_admin, processes, replay, vault, worker
from workflows.kernel.access import SYSTEM_ACTOR


@click.group()
def main() -> None:
    """Jianfu (减负): the burden-reduction case engine."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # one line per task state is noise
    features.install()


@main.command("init-db")
@url_option
def init_db(database_url: str | None) -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade(database_url)
    click.echo("database is at the latest schema")


@main.command("deploy")
@url_option
@bpmn_dir_option
def deploy_cmd(database_url: str | None, bpmn_dir: Path) -> None:
    """Store the current bpmn/ files as new process versions (unchanged files are kept)."""
    with sessions(database_url) as make, make() as session:
        for pv in processes.deploy(session, bpmn_dir):
            click.echo(f"{pv.process_id} v{pv.version} {pv.content_hash[:12]}")


def _load_demo(make: sessionmaker[Session], bpmn_dir: Path) -> demo.DemoData | None:
    from webapp.complaints import settings as complaint_settings

    env = {k.removeprefix("JIANFU_"): v for k, v in os.environ.items() if k.startswith("JIANFU_")}
    settings = complaint_settings.from_config({**_local_config(None), **env})
    with make() as session:
        if not demo.is_empty(session):
            processes.deploy(session, bpmn_dir)
            return None
        return demo.load(session, bpmn_dir, complaint_settings=settings, items=True,
                         inspections=True)


def _print_logins(data: demo.DemoData | None) -> None:
    if data is None:
        click.echo(f"database already has data; demo logins use the password {demo.DEMO_PASSWORD}")
        return
    click.echo(f"demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for login in data.logins:
        click.echo(f"  {login.username:<12} {login.display_name}  [{login.roles}]")
    click.echo("demo complaint receipt codes (track them at /report/track):")
    for code, about in data.receipts:
        click.echo(f"  {receipts.format_code(code)}  {about}")


@main.command("demo")
@url_option
@bpmn_dir_option
def demo_cmd(database_url: str | None, bpmn_dir: Path) -> None:
    """Load demo org units, users and cases into an empty database."""
    upgrade(database_url)
    with sessions(database_url) as make:
        _print_logins(_load_demo(make, bpmn_dir))


def _local_secret(name: str = "secret_key", make: Any = None) -> str:
    """A secret kept in instance/ so that logins, sealed data and receipt codes survive a
    restart of `make run` (production sets the JIANFU_* variables instead)."""
    path = Path("instance") / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make() if make else secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _local_config(url: str | None) -> dict[str, object]:
    """Config for local runs: instance/ secrets for whatever the environment does not set."""
    config: dict[str, object] = {}
    if url is not None:
        config["DATABASE_URL"] = resolve_url(url)
    for key, name, make in (
        ("SECRET_KEY", "secret_key", None),
        ("VAULT_KEY", "vault_key", vault.generate_key),
        ("RECEIPT_SALT", "receipt_salt", None),
    ):
        if not os.environ.get(f"JIANFU_{key}"):
            config[key] = _local_secret(name, make)
    return config


_request_log = logging.getLogger("werkzeug")


# An Open311 key in a query string (`api_key=...`): never written to the log.
_SECRET_PARAM = re.compile(r"(api_key=)[^&\s\"]*", re.IGNORECASE)


class AnonymousRequestHandler(WSGIRequestHandler):
    """werkzeug's request log without the client address: no IP is written anywhere
    (docs/complaints.md). The app still sees the address, for webapp/core/throttle.py only.
    Open311 keys in query strings are blanked, and the one `Server` header is the app's
    (no Werkzeug or Python version)."""

    def log(self, type: str, message: str, *args: Any) -> None:
        line = _SECRET_PARAM.sub(r"\1[hidden]", message.rstrip() % args if args else message)
        getattr(_request_log, type)("[%s] %s", self.log_date_time_string(), line.rstrip())

    def send_response(self, code: int, message: str | None = None) -> None:
        """As http.server's, without its `Server: Werkzeug/... Python/...` header."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())


class AnonymousWSGIServer(ThreadedWSGIServer):
    """The threaded development server; a request that crashes the handler is logged
    without the client address (socketserver prints it to stderr by default)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        _request_log.exception("error while handling a request")


def make_anonymous_server(app: Any, host: str, port: int) -> AnonymousWSGIServer:
    """A development server (threaded) whose logs never name the client."""
    return AnonymousWSGIServer(host, port, app, handler=AnonymousRequestHandler)


def _serve(url: str | None, host: str, port: int, in_process_worker: bool) -> None:
    from webapp import create_app

    local = host in ("127.0.0.1", "localhost", "::1")
    config = _local_config(url)
    config["DATABASE_URL"] = resolve_url(url)
    config["SESSION_COOKIE_SECURE"] = not local
    app = create_app(config)
    stop = None
    if in_process_worker:
        stop = worker.start_in_process(app.extensions["jianfu.db"].sessions, signer=env_signer(),
                                       verify_every=verify_every())
    server = make_anonymous_server(app, host, port)
    _request_log.info("serving on http://%s:%s/ (development server)", host, server.port)
    try:
        server.serve_forever()
    finally:
        if stop is not None:
            stop.set()


@main.command("serve")
@url_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--with-worker/--no-worker",
    default=False,
    show_default=True,
    help="Also run the timer worker in this process.",
)
def serve(database_url: str | None, host: str, port: int, with_worker: bool) -> None:
    """Run the web app (use a WSGI server such as gunicorn in production)."""
    _serve(database_url, host, port, with_worker)


@main.command("run")
@url_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run_cmd(database_url: str | None, host: str, port: int) -> None:
    """Migrate, load the demo if the database is empty, and serve with the worker in-process."""
    upgrade(database_url)
    with sessions(database_url) as make:
        _print_logins(_load_demo(make, DEFAULT_BPMN))
    click.echo(f"Jianfu is running at http://{host}:{port}/  (Ctrl+C stops it)")
    _serve(database_url, host, port, True)


@main.command("worker")
@url_option
@click.option("--poll", default=1.0, show_default=True, type=float, help="Seconds between polls.")
@click.option("--once", is_flag=True, help="Fire one batch of due jobs and exit.")
def worker_cmd(database_url: str | None, poll: float, once: bool) -> None:
    """Fire due timers (several workers may run at once; each job fires exactly once)."""
    with sessions(database_url) as make:
        if once:
            click.echo(f"fired {worker.run_once(make)} job(s)")
            return
        worker.run_forever(make, poll=poll, signer=env_signer(), verify_every=verify_every())


@main.command("replay")
@url_option
@click.argument("case_id", type=int, required=False)
@click.option("--all", "all_cases", is_flag=True, help="Replay every case (with a progress bar).")
def replay_cmd(database_url: str | None, case_id: int | None, all_cases: bool) -> None:
    """Re-run recorded events on the pinned process version; exit 1 on any divergence."""
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


@main.group("calendar")
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


@main.group("channel")
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


@main.group("complaints")
def complaints_group() -> None:
    """Keys for burden complaints."""


@complaints_group.command("keygen")
def complaints_keygen() -> None:
    """Print a new vault key and receipt salt (set them as JIANFU_VAULT_KEY and
    JIANFU_RECEIPT_SALT; losing the vault key loses sealed identities and originals)."""
    click.echo(f"JIANFU_VAULT_KEY={vault.generate_key()}")
    click.echo(f"JIANFU_RECEIPT_SALT={secrets.token_hex(16)}")


main.add_command(audit_group)
main.add_command(admin_group)
main.add_command(user_group)
main.add_command(role_group)
main.add_command(org_group)
