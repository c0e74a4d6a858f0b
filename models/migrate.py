"""Schema migrations, driven from code (there is no alembic.ini).

`upgrade()` brings a database to the newest revision; `check_current()` says whether it is
there. New revisions: `python -m models.migrate revision -m "what changed"` autogenerates one
against the database in force (review it before committing).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

from models.base import Base
from models.db import database_url, make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_config(url: str | None = None) -> Config:
    """An Alembic Config for `url` (else $DATABASE_URL, else the SQLite default)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal "%" (URL-encoded passwords) must be doubled.
    cfg.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    """Migrate the database to the newest revision ("head")."""
    command.upgrade(make_config(url), "head")


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Migrate down to `revision` (default: an empty schema). For tests and emergencies."""
    command.downgrade(make_config(url), revision)


def revision(message: str, url: str | None = None) -> None:
    """Autogenerate a new revision from the models against the database at `url`."""
    command.revision(make_config(url), message=message, autogenerate=True)


def head_revisions() -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(make_config()).get_heads())


def current_revisions(url: str | None = None) -> tuple[str, ...]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return tuple(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def check_current(url: str | None = None) -> bool:
    """True when the database at `url` is at the newest revision."""
    return set(current_revisions(url)) == set(head_revisions())


def schema_diff(url: str | None = None) -> list[Any]:
    """Differences between the models and the live schema; empty when they agree."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(ctx, Base.metadata))
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m models.migrate")
    parser.add_argument("--url", default=None, help="database URL (default: $DATABASE_URL)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("upgrade", help="migrate to head")
    sub.add_parser("check", help="exit 1 unless at head and the schema matches the models")
    rev = sub.add_parser("revision", help="autogenerate a new revision")
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    if args.cmd == "upgrade":
        upgrade(args.url)
    elif args.cmd == "revision":
        revision(args.message, args.url)
    else:
        diff = schema_diff(args.url)
        for item in diff:
            print(item)
        if diff or not check_current(args.url):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
