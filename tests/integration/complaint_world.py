"""Fixtures and helpers of the complaint service tests (test_complaints.py,
test_complaint_codes.py)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import User
from workflows.complaints.filing import ComplaintSettings
from workflows.complaints.receipts import ReceiptHasher
from workflows.kernel import access, cases, orgs
from workflows.kernel.access import Actor
from workflows.kernel.vault import Vault, generate_key

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in China


@pytest.fixture
def settings() -> ComplaintSettings:
    return ComplaintSettings(hasher=ReceiptHasher.for_tests(b"complaint-tests-salt"),
                             vault=Vault.from_config(generate_key()))


@pytest.fixture
def world(demo_world: sessionmaker[Session]) -> Iterator[Session]:
    with demo_world() as session:
        yield session


def actor(session: Session, username: str) -> Actor:
    uid = session.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return access.load_actor(session, uid)


def photo() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


def filing(session: Session, village: str = "dgz-v2", **extra: Any) -> dict[str, Any]:
    v = orgs.by_code(session, village)
    assert v is not None
    return {"category": "too_many_forms", "town_id": v.parent_id, "village_id": v.id,
            "description": "镇里要求每个村每周上报三张内容重复的统计表格，占用大量时间。",
            **extra}


def open_task(session: Session, who: Actor, case_id: int, task_id: str) -> str:
    _, state = cases.get_case(session, who, case_id)
    return next(t.task_uuid for t in state.tasks.values()
                if t.state == "open" and t.task_id == task_id)


def do(session: Session, username: str, case_id: int, task_id: str, at: datetime,
       **fields: Any) -> None:
    who = actor(session, username)
    cases.complete_task(session, who, case_id, open_task(session, who, case_id, task_id),
                        fields, now=at)


def unit_id(session: Session, code: str) -> int:
    unit = orgs.by_code(session, code)
    assert unit is not None
    return unit.id
