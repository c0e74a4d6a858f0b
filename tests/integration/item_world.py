"""The world of the assessment item tests: the demo with its catalog, copied for each test,
and helpers to drive proposals through the service layer as the demo users."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import AssessmentItem, AssessmentItemVersion, User
from tests.integration.inspection_world import copy_demo, demo_template
from workflows.catalog import browse as catalog
from workflows.catalog import demo as demo_items
from workflows.kernel import access, cases
from workflows.kernel.access import Actor

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in China
PROCESS = "assessment_item_approval"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo world with its catalog, built once per module (about forty commands)."""
    return demo_template(tmp_path_factory.mktemp("items"), now=T0, items=True)


@pytest.fixture
def world(sessions: sessionmaker[Session], template: Path) -> Iterator[Session]:
    """The demo world with the demo catalog (5 published items and 3 open proposals): on
    SQLite a copy of the module's template (SQLite's backup API), else loaded afresh."""
    copy_demo(sessions, template, now=T0, items=True)
    with sessions() as session:
        yield session


def actor(session: Session, username: str) -> Actor:
    uid = session.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return access.load_actor(session, uid)


def driver(session: Session, at: datetime = T0) -> demo_items.Driver:
    names = session.scalars(select(User.username)).all()
    return demo_items.Driver(session, {n: actor(session, n) for n in names}, at)


def draft(**extra: Any) -> dict[str, Any]:
    return {**demo_items.NEW_ITEM, "name": "农村儿童之家规范化建设评估",
            "content": "评估村儿童之家的场地设施、儿童主任履职和关爱服务活动开展情况。",
            "effective_date": "2027-01-01", "change_note": "", **extra}


def item_named(session: Session, name: str) -> catalog.CatalogRow:
    return next(r for r in catalog.browse(session) if r.name == name)


def open_task(session: Session, who: Actor, case_id: int, task_id: str) -> str:
    _, state = cases.get_case(session, who, case_id)
    return next(t.task_uuid for t in state.tasks.values()
                if t.state == "open" and t.task_id == task_id)


def catalog_rows(session: Session) -> list[tuple[Any, ...]]:
    items = session.execute(select(
        AssessmentItem.id, AssessmentItem.code, AssessmentItem.current_version,
        AssessmentItem.owner_unit_id, AssessmentItem.status, AssessmentItem.effective_date,
        AssessmentItem.retired_on).order_by(AssessmentItem.id)).all()
    versions = session.execute(select(
        AssessmentItemVersion.item_id, AssessmentItemVersion.version,
        AssessmentItemVersion.change_kind, AssessmentItemVersion.name,
        AssessmentItemVersion.weight, AssessmentItemVersion.effective_date,
        AssessmentItemVersion.published_at, AssessmentItemVersion.case_id,
        AssessmentItemVersion.published_by,
    ).order_by(AssessmentItemVersion.item_id, AssessmentItemVersion.version)).all()
    return [tuple(r) for r in [*items, *versions]]
