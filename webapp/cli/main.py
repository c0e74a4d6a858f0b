"""The `jianfu` command: database, demo, deploy, server, worker, replay and audit.

Start-up imports click only: each command's module (and the database, the engine, Flask)
is imported when that command runs (webapp/cli/lazy.py; issue 15, item 5).
"""

from __future__ import annotations

import logging
from typing import Any

import click

from webapp.cli.lazy import LazyGroup

# name: (module:attribute, the command's first help line, shown by `jianfu --help`).
COMMANDS: dict[str, tuple[str, str]] = {
    "init-db": ("webapp.cli.data:init_db",
                "Create or upgrade the database schema (Alembic migrations)."),
    "deploy": ("webapp.cli.data:deploy_cmd",
               "Store the current bpmn/ files as new process versions (unchanged files are "
               "kept)."),
    "demo": ("webapp.cli.data:demo_cmd",
             "Load demo org units, users and cases into an empty database."),
    "replay": ("webapp.cli.data:replay_cmd",
               "Re-run recorded events on the pinned process version; exit 1 on any "
               "divergence."),
    "worker": ("webapp.cli.data:worker_cmd",
               "Fire due timers (several workers may run at once; each job fires exactly "
               "once)."),
    "serve": ("webapp.cli.serve:serve",
              "Serve the web application with gunicorn (HUP: graceful restart)."),
    "run": ("webapp.cli.serve:run_cmd",
            "Migrate, load the demo if the database is empty, and serve with the worker "
            "in-process."),
    "calendar": ("webapp.cli.registers:calendar_group",
                 "Announced changes to the official working-day calendar."),
    "channel": ("webapp.cli.registers:channel_group",
                "Open311 channels: partner systems that file complaints with an API key."),
    "complaints": ("webapp.cli.registers:complaints_group", "Keys for burden complaints."),
    "backup": ("webapp.cli.backup:backup_cmd",
               "Copy the database and the instance secrets into one archive (online)."),
    "restore": ("webapp.cli.backup:restore_cmd",
                "Load a backup into a new, empty database and verify it."),
    "audit": ("webapp.cli.audit:audit_group",
              "Verify the tamper-evident history."),
    "admin": ("webapp.cli.users:admin_group",
              "The first administrator."),
    "user": ("webapp.cli.users:user_group",
             "People: add, deactivate, reset a password, import a file."),
    "role": ("webapp.cli.users:role_group",
             "Roles at units: grant, revoke."),
    "org": ("webapp.cli.org:org_group",
            "Import and export the org tree (district, departments, towns, villages)."),
}


@click.group(cls=LazyGroup, lazy=COMMANDS)
def main() -> None:
    """Jianfu (减负): the burden-reduction case engine."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # one line per task state is noise


def __getattr__(name: str) -> Any:
    """`make_anonymous_server`, where the tests import it from (webapp/cli/devserver.py)."""
    if name == "make_anonymous_server":
        from webapp.cli.devserver import make_anonymous_server

        return make_anonymous_server
    raise AttributeError(name)
