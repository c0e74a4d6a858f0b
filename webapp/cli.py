"""The `jianfu` command: database, demo, deploy, server, worker, replay and audit."""

from __future__ import annotations

import logging
import os
import secrets
import sys
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from models import Case
from models.db import check_durability, make_engine, make_sessionmaker
from models.db import database_url as resolve_url
from models.migrate import upgrade
from workflows import (
    audit,
    audit_export,
    audit_runs,
    calendar_admin,
    demo,
    processes,
    receipts,
    replay,
    vault,
    worker,
)
from workflows.access import SYSTEM_ACTOR

DEFAULT_BPMN = Path(__file__).resolve().parent.parent / "bpmn"
bpmn_dir_option = click.option(
    "--bpmn-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEFAULT_BPMN,
    show_default=True,
    help="Folder with the .bpmn/.dmn files to deploy.",
)
url_option = click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="SQLAlchemy URL (default: $DATABASE_URL or the SQLite file).",
)


@contextmanager
def _sessions(url: str | None) -> Iterator[sessionmaker[Session]]:
    """A sessionmaker on a checked engine, disposed (connections closed) afterwards."""
    engine = make_engine(resolve_url(url))
    try:
        check_durability(engine)
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


@click.group()
def main() -> None:
    """Jianfu (减负): the burden-reduction case engine."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # one line per task state is noise


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
    with _sessions(database_url) as make, make() as session:
        for pv in processes.deploy(session, bpmn_dir):
            click.echo(f"{pv.process_id} v{pv.version} {pv.content_hash[:12]}")


def _load_demo(make: sessionmaker[Session], bpmn_dir: Path) -> demo.DemoData | None:
    from webapp import complaint_settings

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
    with _sessions(database_url) as make:
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


class AnonymousRequestHandler(WSGIRequestHandler):
    """werkzeug's request log without the client address: no IP is written anywhere
    (docs/complaints.md). The app still sees the address, for webapp/throttle.py only."""

    def log(self, type: str, message: str, *args: Any) -> None:
        getattr(_request_log, type)("[%s] " + message.rstrip(), self.log_date_time_string(),
                                    *args)


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
        stop = worker.start_in_process(app.extensions["jianfu.db"].sessions, signer=_env_signer(),
                                       verify_every=_verify_every())
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
    with _sessions(database_url) as make:
        _print_logins(_load_demo(make, DEFAULT_BPMN))
    click.echo(f"Jianfu is running at http://{host}:{port}/  (Ctrl+C stops it)")
    _serve(database_url, host, port, True)


@main.command("worker")
@url_option
@click.option("--poll", default=1.0, show_default=True, type=float, help="Seconds between polls.")
@click.option("--once", is_flag=True, help="Fire one batch of due jobs and exit.")
def worker_cmd(database_url: str | None, poll: float, once: bool) -> None:
    """Fire due timers (several workers may run at once; each job fires exactly once)."""
    with _sessions(database_url) as make:
        if once:
            click.echo(f"fired {worker.run_once(make)} job(s)")
            return
        worker.run_forever(make, poll=poll, signer=_env_signer(), verify_every=_verify_every())


@main.command("replay")
@url_option
@click.argument("case_id", type=int, required=False)
@click.option("--all", "all_cases", is_flag=True, help="Replay every case (with a progress bar).")
def replay_cmd(database_url: str | None, case_id: int | None, all_cases: bool) -> None:
    """Re-run recorded events on the pinned process version; exit 1 on any divergence."""
    if (case_id is None) == (not all_cases):
        raise click.UsageError("give a CASE_ID or --all")
    failed = 0
    with _sessions(database_url) as make, make() as session:
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


@main.group("audit")
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
    with _sessions(database_url) as make, make() as session:
        # Recorded as an audit run: the audit page shows the last verification.
        run = audit_runs.record(session, source="cli", public_key=_env_public_key())
        events = session.scalar(select(func.count()).select_from(Case))
    if not run.ok:
        for found in run.problems:
            click.echo(str(found["text"]), err=True)
        click.echo(f"audit FAILED: {len(run.problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(f"audit ok: {events} cases, every chain and checkpoint verifies")


def _env_signer() -> audit_export.Signer | None:
    """The checkpoint signer when JIANFU_AUDIT_KEY is set (workers sign periodically)."""
    return _signer() if os.environ.get("JIANFU_AUDIT_KEY") else None


def _env_public_key() -> str | None:
    """The key checkpoint signatures are verified with: JIANFU_AUDIT_PUBLIC_KEY (hex), else
    the public half of JIANFU_AUDIT_KEY; None when neither is set."""
    public = os.environ.get("JIANFU_AUDIT_PUBLIC_KEY", "").strip()
    if public:
        return public
    signer = _env_signer()
    return signer.public_hex if signer is not None else None


def _verify_every() -> float | None:
    """Seconds between the worker's recorded verifications (JIANFU_AUDIT_VERIFY_EVERY;
    0 turns them off; default worker.VERIFY_EVERY)."""
    raw = os.environ.get("JIANFU_AUDIT_VERIFY_EVERY", "").strip()
    if not raw:
        return worker.VERIFY_EVERY
    try:
        return float(raw) or None
    except ValueError as err:
        raise click.UsageError("JIANFU_AUDIT_VERIFY_EVERY must be a number of seconds") from err


def _signer() -> audit_export.Signer:
    seed = os.environ.get("JIANFU_AUDIT_KEY", "")
    if not seed:
        raise click.UsageError("set JIANFU_AUDIT_KEY (see `jianfu audit keygen`)")
    try:
        return audit_export.Signer(seed)
    except ValueError as err:
        raise click.UsageError(str(err)) from err


@audit_group.command("keygen")
def audit_keygen() -> None:
    """Print a new Ed25519 signing key (keep it secret) and its public key (give it out)."""
    signer, seed = audit_export.Signer.generate()
    click.echo(f"JIANFU_AUDIT_KEY={seed}")
    click.echo(f"public key: {signer.public_hex}")


@audit_group.command("sign")
@url_option
def audit_sign(database_url: str | None) -> None:
    """Checkpoint the log tip and sign every unsigned checkpoint with JIANFU_AUDIT_KEY."""
    signer = _signer()
    with _sessions(database_url) as make, make() as session:
        n = audit_export.sign_checkpoints(session, signer)
    click.echo(f"signed {n} checkpoint(s); public key {signer.public_hex}")


@audit_group.command("export")
@url_option
@click.option("--file", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def audit_export_cmd(database_url: str | None, out: Path) -> None:
    """Write the whole history, signed at its tip, to a file an auditor verifies offline."""
    signer = _signer()
    with _sessions(database_url) as make, make() as session:
        counts = audit_export.export(session, signer, out)
    click.echo(
        f"exported {counts['events']} events of {counts['cases']} cases, "
        f"{counts['checkpoints']} signed checkpoints to {out}; "
        f"public key {signer.public_hex}"
    )


@audit_group.command("checkpoint")
@url_option
def audit_checkpoint(database_url: str | None) -> None:
    """Record a checkpoint of the current log tip."""
    with _sessions(database_url) as make, make() as session:
        cp = audit.checkpoint(session)
    click.echo("log is empty" if cp is None else f"checkpoint at {cp.size}: {cp.hash}")


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
    with _sessions(database_url) as make, make() as session:
        row = calendar_admin.add_override(session, SYSTEM_ACTOR, day.date(), workday, note)
        click.echo(f"{row.day} is now a {'working day' if workday else 'day off'} ({row.note})")


@calendar_group.command("list")
@url_option
def calendar_list(database_url: str | None) -> None:
    """List the overrides, oldest first."""
    with _sessions(database_url) as make, make() as session:
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
    from workflows import open311 as channels
    from workflows.errors import ValidationFailedError

    with _sessions(database_url) as make, make() as session:
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
    from workflows import open311 as channels

    with _sessions(database_url) as make, make() as session:
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
