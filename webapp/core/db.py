"""The database for the web layer: one engine per app, one session per request."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.db import check_durability, make_engine, make_sessionmaker

EXTENSION = "jianfu.db"


@dataclass(frozen=True)
class Database:
    """`app.extensions["jianfu.db"]`: the engine and its session factory. Calling it opens
    a session, so it can stand in for a sessionmaker (e.g. for the in-process worker)."""

    engine: Engine
    sessions: sessionmaker[Session]

    def __call__(self) -> Session:
        return self.sessions()


def init_app(app: Flask) -> Database:
    """Create the engine, refuse unsafe durability settings, close sessions on teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    check_durability(engine)
    database = Database(engine, make_sessionmaker(engine))
    app.extensions[EXTENSION] = database
    app.teardown_appcontext(close_session)
    return database


def database() -> Database:
    db: Database = current_app.extensions[EXTENSION]
    return db


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    session: Session = g.db_session
    return session


def close_session(_exc: BaseException | None = None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
