"""The report forms' blueprint (`/report-forms`): the registry, the proposal, the review panel,
the village data page and the departments' reading of the shared data."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("report_forms", __name__, template_folder="templates", static_folder="static",
               url_prefix="/report-forms")
