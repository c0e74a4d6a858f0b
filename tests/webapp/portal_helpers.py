"""Helpers for the public complaint page tests: what the database holds after a filing
(the complaint cases, their events, the sealed identity, the whole file) and the fields a
page marks as wrong."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from flask import Flask
from sqlalchemy import select

from models import Case, CaseEvent, ComplaintIdentity
from webapp.core.db import Database

Public = Any  # tests/webapp/conftest.py: Public (the `public` fixture)
NAME, PHONE = "王测试人甲", "13912345678"
URL_ATTRS = re.compile(r'(?:href|src|action|formaction|data-url)="([^"]*)"')


def _db_dump(app: Flask) -> str:
    url = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    app.extensions["jianfu.db"].engine.dispose()
    with sqlite3.connect(url) as conn:
        return "\n".join(conn.iterdump())


def _complaints(app: Flask) -> set[int]:
    """Ids of the complaint cases (the demo has some already)."""
    database: Database = app.extensions["jianfu.db"]
    with database.sessions() as session:
        return set(session.scalars(select(Case.id).where(Case.case_type == "burden_complaint")))


def _events(app: Flask, case_ids: set[int]) -> list[CaseEvent]:
    database: Database = app.extensions["jianfu.db"]
    with database.sessions() as session:
        return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids))))


def _identity(app: Flask, case_id: int) -> ComplaintIdentity | None:
    database: Database = app.extensions["jianfu.db"]
    with database.sessions() as session:
        identity = session.get(ComplaintIdentity, case_id)
        if identity is not None:
            session.expunge(identity)
        return identity


def _field_errors(html: str) -> set[str]:
    return set(re.findall(r'class="error" id="[^"]+" data-field="([^"]+)"', html))
