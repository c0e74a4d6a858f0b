"""Liveness and readiness: the database answers `SELECT 1`."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from webapp.core.db import database

bp = Blueprint("health", __name__)
logger = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        with database().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        logger.exception("health check: the database does not answer")
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok"), 200
