"""Start-up of the `jianfu` command (issue 15, item 5): importing it and `jianfu --help` load
click and nothing heavy; each command's module is imported when that command runs, and the
listed help lines are the commands' own."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click

from webapp.cli.main import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]

# Modules the start-up must not pull in: the app factory and Flask, the engine, password
# hashing, the ORM and migrations, Chinese matching, spreadsheets, the production server.
HEAVY = ("flask", "webapp.factory", "webapp.wsgi", "SpiffWorkflow", "argon2", "sqlalchemy",
         "alembic", "jieba", "rapidfuzz", "openpyxl", "pikepdf", "gunicorn", "models",
         "workflows")


def loaded_after(code: str) -> list[str]:
    """The top-level names of the modules loaded in a fresh interpreter after running code."""
    probe = (f"import sys\n{code}\n"
             "import json; print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return list(json.loads(out.splitlines()[-1]))


def heavy_in(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_importing_the_command_loads_nothing_heavy() -> None:
    assert heavy_in(loaded_after("import webapp.cli\nimport webapp.cli.main")) == []


def test_help_loads_nothing_heavy_and_lists_every_command() -> None:
    code = ("import contextlib, io\nfrom webapp.cli.main import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            "    main(['--help'], standalone_mode=False)\n"
            "assert 'init-db' in out.getvalue() and 'serve' in out.getvalue()")
    assert heavy_in(loaded_after(code)) == []


def test_the_database_commands_module_loads_nothing_heavy() -> None:
    """`jianfu worker` and `init-db` live in webapp.cli.data: each imports what it uses when
    it runs (a worker's start pays for neither the migrations nor the demo)."""
    assert heavy_in(loaded_after("import webapp.cli.data")) == []


def test_serve_help_and_the_server_master_load_no_app() -> None:
    """`jianfu serve`'s master process imports gunicorn but not the app, so that each worker
    builds the app after the fork and a HUP loads the code now on disk."""
    code = ("from webapp.cli.main import main\n"
            "from webapp.cli import production\n"
            "try:\n    main(['serve', '--help'])\nexcept SystemExit:\n    pass")
    loaded = heavy_in(loaded_after(code))
    assert any(m.startswith("gunicorn") for m in loaded)
    assert [m for m in loaded if not m.startswith("gunicorn")] == []


def test_the_listed_help_is_each_commands_own() -> None:
    for name, (target, line) in COMMANDS.items():
        module, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        assert command.name == name
        assert command.get_short_help_str(limit=300) == line, name


def test_every_command_is_reachable() -> None:
    ctx = click.Context(main)
    assert main.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:
        assert main.get_command(ctx, name) is not None
    assert main.get_command(ctx, "no-such-command") is None
