"""The world of the app registry tests: the full demo (with its apps and groups), copied for
each test, and helpers to drive requests as the demo users."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import User
from tests.integration.inspection_world import actor, copy_demo, demo_template
from workflows.apps import demo as demo_apps

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in China


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("apps"), now=T0, inspections=True)


@pytest.fixture
def world(sessions: sessionmaker[Session], template: Path) -> Iterator[Session]:
    copy_demo(sessions, template, now=T0, inspections=True)
    with sessions() as session:
        yield session


def driver(session: Session, at: datetime = T0) -> demo_apps.Driver:
    names = session.scalars(select(User.username)).all()
    return demo_apps.Driver(session, {n: actor(session, n) for n in names}, at)
