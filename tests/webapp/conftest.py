"""Fixtures for the web layer: a fresh SQLite file with the demo data per test.

The demo data is built once per session into a template file (argon2 hashing and the
demo cases take a few seconds) and copied for every test.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Base, Case
from models.db import make_engine, make_sessionmaker
from webapp import create_app
from webapp.db import Database
from workflows import demo

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
PASSWORD = demo.DEMO_PASSWORD
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, BPMN_DIR)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture
def app(template_db: Path, tmp_path: Path) -> Iterator[Flask]:
    shutil.copy(template_db, tmp_path / "t.db")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "SECRET_KEY": "test", "WTF_CSRF_ENABLED": True})
    yield app
    app.extensions["jianfu.db"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    database: Database = app.extensions["jianfu.db"]
    with database.sessions() as session:
        yield session


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Web:
    """Drives the pages the way a browser does: GET a page, post its form with the token."""

    # Demo case titles (see workflows/demo.py).
    SIGN_OFF_CASE = "村级低保台账季报（演示）"  # waits for mz_head's sign-off
    REVIEW_CASE = "养老服务统计表（演示）"  # waits for nb_staff's review
    DRAFT_CASE = "新增村级报表申请（草稿）（演示）"  # waits for mz_clerk's draft
    TJ_CASE = "统计局村级报表申请（演示）"  # 统计局's own draft

    def __init__(self, client: FlaskClient, db: Session) -> None:
        self.client = client
        self.db = db

    def login(self, username: str, password: str = PASSWORD) -> Any:
        token = csrf_token(self.client.get("/login").get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": token})

    def post_form(self, page: str, url: str, data: dict[str, Any]) -> Any:
        token = csrf_token(self.client.get(page).get_data(as_text=True))
        return self.client.post(url, data={**data, "csrf_token": token})

    def api_login(self, username: str, password: str = PASSWORD) -> Any:
        return self.client.post("/api/v1/login",
                                json={"username": username, "password": password})

    def case_id(self, title: str) -> int:
        case_id = self.db.scalar(select(Case.id).where(Case.title == title))
        self.db.rollback()  # never hold SQLite's write lock between requests
        assert case_id is not None, title
        return case_id

    def open_task(self, case_id: int) -> str:
        data = self.client.get(f"/api/v1/cases/{case_id}").get_json()
        uuids = [t["task_uuid"] for t in data["tasks"] if t["state"] == "open"]
        assert len(uuids) == 1, data
        return str(uuids[0])


    def case_count(self) -> int:
        count = len(list(self.db.scalars(select(Case.id))))
        self.db.rollback()
        return count


@pytest.fixture
def web(client: FlaskClient, db: Session) -> Web:
    return Web(client, db)
