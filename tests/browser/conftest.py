"""Browser tests: the app on a live server (werkzeug, a thread) and Debian's Chromium driven
by Playwright. `playwright install` cannot download browsers here: the tests use
/usr/bin/chromium, which `.ci/run` installs (apt-get install -y chromium)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from models import Base
from models.db import make_engine, make_sessionmaker
from tests.browser.helpers import log_in
from webapp import create_app
from webapp.cli.main import make_anonymous_server
from workflows.demo import loader as demo

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = REPO / "test-output" / "browser"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "zh-CN"}


@pytest.fixture(scope="session")
def browser_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser-template") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, REPO / "bpmn")
    engine.dispose()
    return path


@pytest.fixture
def live_app(browser_template_db: Path, tmp_path: Path) -> Iterator[Flask]:
    shutil.copy(browser_template_db, tmp_path / "live.db")
    app = create_app({
        "DATABASE_URL": f"sqlite:///{tmp_path}/live.db", "SECRET_KEY": "browser-test",
        "SESSION_COOKIE_SECURE": False, "RECEIPT_MEMORY_KIB": 1024, "RECEIPT_TIME_COST": 1,
        "RECEIPT_SALT": "6b" * 16, "VAULT_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    })
    yield app
    app.extensions["jianfu.db"].engine.dispose()


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[str]:
    """The app at http://127.0.0.1:<free port> (the server logs no client address)."""
    server = make_anonymous_server(live_app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    # The public address (JIANFU_BASE_URL): receipts' QR codes point under it.
    live_app.config["BASE_URL"] = f"http://127.0.0.1:{server.port}"
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `.ci/run` installs it (apt-get install -y "
                    "chromium); `playwright install` cannot download browsers here")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A page in a 390 x 844 touch phone context (no network beyond the live server)."""
    context = chromium.new_context(**PHONE)
    context.set_default_timeout(5000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def no_js_phone(chromium: Any) -> Iterator[Any]:
    """The same phone with JavaScript turned off."""
    context = chromium.new_context(**PHONE, java_script_enabled=False)
    context.set_default_timeout(5000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def people(chromium: Any) -> Iterator[Any]:
    """people(base, username, device): a logged-in page of its own (zh-CN) per person."""
    contexts: list[Any] = []

    def page_for(base: str, username: str, device: dict[str, Any]) -> Any:
        context = chromium.new_context(**device, locale="zh-CN")
        context.set_default_timeout(20000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, base, username)
        return page

    try:
        yield page_for
    finally:
        for context in contexts:
            context.close()
