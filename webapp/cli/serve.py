"""`jianfu serve` (production: gunicorn, N worker processes) and `jianfu run` (local: migrate,
demo, the development server with the timer worker in the same process)."""

from __future__ import annotations

import click

from webapp.cli.common import url_option


@click.command("serve")
@url_option
@click.option("--bind", "-b", "binds", multiple=True, default=["127.0.0.1:5000"],
              show_default=True, help="HOST:PORT (or unix:PATH) to listen on; repeatable.")
@click.option("--workers", "-w", default=2, show_default=True, type=click.IntRange(min=1),
              help="Web worker processes.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(min=1),
              help="Threads per worker process (more than 1: gunicorn's gthread workers).")
@click.option("--timeout", default=60, show_default=True, type=click.IntRange(min=1),
              help="Seconds a request may take before its worker is restarted.")
@click.option("--access-log", default="-", show_default=True,
              help="File for the access log ('-': standard error; '' turns it off).")
@click.option("--pid", "pidfile", default=None, type=click.Path(dir_okay=False),
              help="Write the master's process id to this file (for `kill -HUP`).")
def serve(database_url: str | None, binds: tuple[str, ...], workers: int, threads: int,
          timeout: int, access_log: str, pidfile: str | None) -> None:
    """Serve the web application with gunicorn (HUP: graceful restart)."""
    from webapp.cli import production

    production.run(database_url, list(binds), workers, threads, timeout,
                   access_log or None, pidfile)


@click.command("run")
@url_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run_cmd(database_url: str | None, host: str, port: int) -> None:
    """Migrate, load the demo if the database is empty, and serve with the worker in-process."""
    from models.migrate import upgrade
    from webapp import wsgi
    from webapp.cli.common import DEFAULT_BPMN, env_signer, sessions, verify_every
    from webapp.cli.data import load_demo, print_logins
    from webapp.cli.devserver import make_anonymous_server, request_log
    from workflows.kernel import worker

    upgrade(database_url)
    with sessions(database_url) as make:
        print_logins(load_demo(make, DEFAULT_BPMN))
    click.echo(f"Jianfu is running at http://{host}:{port}/  (Ctrl+C stops it)")
    local = host in ("127.0.0.1", "localhost", "::1")
    app = wsgi.create(database_url, secure_cookies=not local)
    stop = worker.start_in_process(app.extensions["jianfu.db"].sessions, signer=env_signer(),
                                   verify_every=verify_every())
    server = make_anonymous_server(app, host, port)
    request_log.info("serving on http://%s:%s/ (development server)", host, server.port)
    try:
        server.serve_forever()
    finally:
        stop.set()
