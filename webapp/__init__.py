"""Jianfu's web layer. `create_app` (webapp/factory.py) builds the Flask application; it is
imported when called, so that `import webapp...` (the CLI, a worker) does not pay for every
blueprint, template helper and feature at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Jianfu web application (webapp.factory.create_app)."""
    from webapp.factory import create_app as build

    return build(config)
