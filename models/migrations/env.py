"""Alembic environment for Jianfu.

Run through `models.migrate` (no alembic.ini): the URL comes from the Config's main option
"sqlalchemy.url", the connection from `models.db.make_engine` so the SQLite pragmas
(WAL, synchronous FULL, foreign keys) apply to migrations too. A caller may instead hand
over an open connection in `config.attributes["connection"]`.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

import models
from models.base import UTCDateTime
from models.db import database_url, make_engine

config = context.config
target_metadata = models.Base.metadata
# On PostgreSQL a migration waiting for a table lock would queue every query on that table
# behind it: give up after this long instead (run it again when the system is quieter).
LOCK_TIMEOUT = "10s"


def _run(dialect: str) -> None:
    with context.begin_transaction():
        if dialect == "postgresql":
            context.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        context.run_migrations()


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our UTCDateTime as plain sa.DateTime(): migrations must not import app types."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=True,
        compare_server_default=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(config.get_main_option("sqlalchemy.url")),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
    )
    _run(context.get_context().dialect.name)


def run_migrations_online() -> None:
    given: Connection | None = config.attributes.get("connection")
    if given is not None:
        configure(given)
        _run(given.dialect.name)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # Batch migrations rebuild a table (copy, drop, rename): with foreign keys
                # on, dropping a table that populated tables refer to fails. Off for the
                # migration (outside any transaction, on the driver's connection), then
                # every reference is checked before the connection is given back.
                connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                    "PRAGMA foreign_keys=OFF")
            configure(connection)
            _run(connection.dialect.name)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                connection.rollback()
                if broken:
                    raise RuntimeError(f"the migration left broken references: {broken[:5]}")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
