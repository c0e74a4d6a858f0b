"""The lists' blueprints: staff pages under /lists (login), public pages under /village-lists
(no login, no JavaScript)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("lists", __name__, template_folder="templates", url_prefix="/lists")
public_bp = Blueprint("village_lists", __name__, template_folder="templates",
                      url_prefix="/village-lists")
