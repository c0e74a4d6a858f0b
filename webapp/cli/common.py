"""What the `jianfu` command's groups share: the options, a checked sessionmaker, and the
audit key and verification settings taken from the environment. Only click is imported at
start-up; the database and the engine when a command uses them (tests/unit/test_cli_startup.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from workflows.kernel import audit_export

DEFAULT_BPMN = Path(__file__).resolve().parents[2] / "bpmn"
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
def sessions(url: str | None) -> Iterator[sessionmaker[Session]]:
    """A sessionmaker on a checked engine, disposed (connections closed) afterwards; the
    features are registered with the kernel first."""
    from models.db import check_durability, make_engine, make_sessionmaker
    from models.db import database_url as resolve_url
    from workflows import features

    features.install()
    engine = make_engine(resolve_url(url))
    try:
        check_durability(engine)
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def env_signer() -> audit_export.Signer | None:
    """The checkpoint signer when JIANFU_AUDIT_KEY is set (workers sign periodically)."""
    return signer() if os.environ.get("JIANFU_AUDIT_KEY") else None


def env_public_key() -> str | None:
    """The key checkpoint signatures are verified with: JIANFU_AUDIT_PUBLIC_KEY (hex), else
    the public half of JIANFU_AUDIT_KEY; None when neither is set."""
    public = os.environ.get("JIANFU_AUDIT_PUBLIC_KEY", "").strip()
    if public:
        return public
    key = env_signer()
    return key.public_hex if key is not None else None


def verify_every() -> float | None:
    """Seconds between the worker's recorded verifications (JIANFU_AUDIT_VERIFY_EVERY;
    0 turns them off; default worker.VERIFY_EVERY)."""
    from workflows.kernel import worker

    raw = os.environ.get("JIANFU_AUDIT_VERIFY_EVERY", "").strip()
    if not raw:
        return worker.VERIFY_EVERY
    try:
        return float(raw) or None
    except ValueError as err:
        raise click.UsageError("JIANFU_AUDIT_VERIFY_EVERY must be a number of seconds") from err


def signer() -> audit_export.Signer:
    """The signer of JIANFU_AUDIT_KEY; a usage error when it is missing or malformed."""
    from workflows.kernel import audit_export

    seed = os.environ.get("JIANFU_AUDIT_KEY", "")
    if not seed:
        raise click.UsageError("set JIANFU_AUDIT_KEY (see `jianfu audit keygen`)")
    try:
        return audit_export.Signer(seed)
    except ValueError as err:
        raise click.UsageError(str(err)) from err
