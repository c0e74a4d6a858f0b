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
from webapp.core.db import Database
from workflows.demo import loader as demo

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
PASSWORD = demo.DEMO_PASSWORD
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def demo_db(path: Path, **options: Any) -> Path:
    """A new SQLite file at `path` with the demo data (`options` go to
    workflows.demo.loader.load)."""
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, BPMN_DIR, **options)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database that `app` copies for each test (a test module may override it)."""
    path = demo_db(tmp_path_factory.mktemp("template") / "demo.db")
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

    # Demo case titles (see workflows/demo/loader.py).
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


# ---------------------------------------------------------------- public complaint pages

# Cheap Argon2id for receipt codes (the default 64 MiB x 3 would make each lookup ~0.15 s).
PUBLIC_CONFIG: dict[str, Any] = {
    "RECEIPT_MEMORY_KIB": 1024,
    "RECEIPT_TIME_COST": 1,
    "RECEIPT_SALT": "5a" * 16,
    "VAULT_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",  # 32 bytes, tests only
}
RECEIPT_CODE = re.compile(r'id="receipt-code">(\d{4} \d{4} \d{4} \d{4})<')


def _public_app(template_db: Path, folder: Path, **config: Any) -> Flask:
    """An app on a fresh copy of the demo database, set up for the public pages."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(template_db, folder / "t.db")
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{folder}/t.db",
                       "SECRET_KEY": "test", "WTF_CSRF_ENABLED": True,
                       **PUBLIC_CONFIG, **config})


@pytest.fixture
def public_app(template_db: Path, tmp_path: Path) -> Iterator[Flask]:
    app = _public_app(template_db, tmp_path)
    yield app
    app.extensions["jianfu.db"].engine.dispose()


@pytest.fixture
def public_for(template_db: Path, tmp_path: Path) -> Iterator[Any]:
    """public_for(**config): a `Public` driver on its own app with extra configuration."""
    apps: list[Flask] = []

    def make(**config: Any) -> Public:
        app = _public_app(template_db, tmp_path / f"app{len(apps)}", **config)
        apps.append(app)
        return Public(app.test_client(), app)

    yield make
    for app in apps:
        app.extensions["jianfu.db"].engine.dispose()


@pytest.fixture
def jpeg() -> Any:
    return jpeg_bytes


def jpeg_bytes(size: tuple[int, int] = (64, 48), color: str = "#3a7") -> bytes:
    """A small real JPEG (Pillow)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=80)
    return out.getvalue()


class Public:
    """Drives the public pages as a phone's browser would (no JS: the plain form)."""

    def __init__(self, client: FlaskClient, app: Flask) -> None:
        self.client = client
        self.app = app

    def token(self, page: str = "/report") -> str:
        return csrf_token(self.client.get(page).get_data(as_text=True))

    def places(self) -> tuple[int, int, int]:
        """(town, one of its villages, a village of another town)."""
        from workflows.complaints.filing import filing_options

        database: Database = self.app.extensions["jianfu.db"]
        with database.sessions() as session:
            towns = [t for t in filing_options(session).towns if t[2]]
        return towns[0][0], towns[0][2][0][0], towns[1][2][0][0]

    def filing(self, **fields: Any) -> dict[str, Any]:
        town, village, _other = self.places()
        data: dict[str, Any] = {
            "category": "too_many_meetings", "town_id": str(town), "village_id": str(village),
            "responsible_unit_id": "", "description": "镇里每周要求村干部参加三次会议，耽误农忙。",
            "anonymous": "1",
        }
        data.update(fields)
        return {k: v for k, v in data.items() if v is not None}

    def post_multipart(self, url: str, fields: dict[str, Any],
                       files: list[tuple[bytes, str]] | None = None) -> Any:
        """POST multipart/form-data from bytes: the test client would spool a large body
        to a temporary file that it never closes."""
        import io

        from werkzeug.datastructures import FileStorage, MultiDict
        from werkzeug.test import encode_multipart

        parts: list[tuple[str, Any]] = list(fields.items())
        parts += [("files", FileStorage(io.BytesIO(b), name, content_type="image/jpeg"))
                  for b, name in files or []]
        boundary, body = encode_multipart(MultiDict(parts))
        return self.client.post(url, data=body,
                                content_type=f"multipart/form-data; boundary={boundary}")

    def file(self, files: list[tuple[bytes, str]] | None = None, **fields: Any) -> Any:
        data: dict[str, Any] = {**self.filing(**fields), "csrf_token": self.token(),
                                "submission": fields.get("submission", "")}
        return self.post_multipart("/report", data, files)

    def file_ok(self, **fields: Any) -> str:
        """File a complaint; its receipt code (16 digits)."""
        response = self.file(**fields)
        assert response.status_code == 200, response.get_data(as_text=True)
        match = RECEIPT_CODE.search(response.get_data(as_text=True))
        assert match, "no receipt code on the page"
        return match.group(1).replace(" ", "")

    def track(self, code: str, **environ: Any) -> Any:
        token = self.token("/report/track")
        return self.client.post("/report/track", data={"code": code, "csrf_token": token},
                                environ_base=environ)

    def case_id(self, code: str) -> int:
        from webapp.complaints.settings import EXTENSION
        from workflows.complaints.tracking import case_for_code

        database: Database = self.app.extensions["jianfu.db"]
        with database.sessions() as session:
            return case_for_code(session, code, self.app.extensions[EXTENSION])


@pytest.fixture
def public(public_app: Flask) -> Public:
    return Public(public_app.test_client(), public_app)
