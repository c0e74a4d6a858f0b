"""The pages of measures 7 and 8 (docs/pilots.md) in real Chromium, on a 390 x 844 phone and
on a desktop, in Chinese and in English, as the roles that use them: nothing wider than the
phone's screen (tables scroll inside their box), the menu leads there, a town clerk uploads
the plan's evidence without JavaScript, and the administrator's variant form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from models import Base
from models.db import make_engine, make_sessionmaker
from tests.browser.conftest import CHROMIUM_ARGS, REPO  # noqa: F401
from tests.browser.helpers import log_in
from tests.webapp.conftest import jpeg_bytes
from workflows.demo import loader as demo

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def browser_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with the pilots' data (plan checks, variants, practices)."""
    path = tmp_path_factory.mktemp("pilots-browser") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, REPO / "bpmn", pilots=True)
    engine.dispose()
    return path


@pytest.fixture
def desktop(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(**DESKTOP)
    context.set_default_timeout(5000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _overflow(page: Any, width: int) -> int:
    scroll: int = page.evaluate("document.documentElement.scrollWidth")
    return scroll - width


def _section_overflow(page: Any, section: str, width: int) -> int:
    """How far the section's own boxes (outside the tables' scroll boxes) pass the screen."""
    right: int = page.evaluate("""([sel, w]) => Math.max(0, ...[...document.querySelectorAll(
        sel + ' *')].filter(el => !el.closest('.table-scroll')).map(el => Math.ceil(
        el.getBoundingClientRect().right)))""", [section, width])
    return right - width


def _town_id(page: Any, base: str, name: str) -> str:
    page.goto(f"{base}/pilots/plans")
    href: str = page.locator("#plan-table a", has_text=name).get_attribute("href")
    return href.rsplit("/", 1)[-1]


PAGES = {  # who looks at what
    "nb_staff": ["/pilots", "/pilots/variants", "/pilots/practices"],
    "dc_staff": ["/audit/dashboard#section-pilots"],
    "admin": ["/admin/versions/variant"],
}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_pilots_page_fits_a_phone_and_a_desktop(live_server: str, phone: Any,
                                                      desktop: Any, screenshots: Path,
                                                      lang: str) -> None:
    for page, width, kind in ((phone, 390, "phone"), (desktop, 1280, "desktop")):
        for username, urls in PAGES.items():
            page.context.clear_cookies()
            log_in(page, live_server, username)
            page.goto(f"{live_server}/inbox?lang={lang}")
            if username != "admin":
                page.locator("#nav-pilots").click()
                page.wait_for_url(f"{live_server}/pilots")
            for url in urls:
                page.goto(f"{live_server}{url}")
                assert page.locator("h1").count() >= 1
                if "#" in url:  # a section of a page others own: that section fits
                    section = "#" + url.split("#")[1]
                    assert page.locator(section).count() == 1
                    assert _section_overflow(page, section, width) <= 0, (kind, lang, url)
                else:
                    assert _overflow(page, width) <= 0, (kind, lang, url)
                name = url.strip("/").split("#")[0].replace("/", "-")
                page.screenshot(path=str(screenshots / f"pilots-{name}-{username}-{kind}-"
                                         f"{lang}.png"), full_page=True)
        page.goto(f"{live_server}/pilots/variants")
        page.locator("#variant-table a").last.click()
        page.locator("#variant-changes ins").first.wait_for()
        assert _overflow(page, width) <= 0
        page.screenshot(path=str(screenshots / f"pilots-variant-{kind}-{lang}.png"),
                        full_page=True)
        town = _town_id(page, live_server, "大观镇")
        page.goto(f"{live_server}/pilots/towns/{town}")
        assert _overflow(page, width) <= 0
        page.screenshot(path=str(screenshots / f"pilots-town-{kind}-{lang}.png"),
                        full_page=True)
    # the town's card lists its own variant; the comparison reads the same on both screens
    assert "大观镇" in desktop.locator("#variant-table").inner_text()
    for page in (phone, desktop):
        page.goto(f"{live_server}/pilots/variants?lang={lang}")
        rows = page.locator("#variant-comparison tbody tr")
        assert rows.count() == 4
        assert rows.nth(2).locator("td").first.inner_text() == "100%"


def test_a_town_clerk_uploads_the_plan_evidence_without_javascript(
        live_server: str, no_js_phone: Any, screenshots: Path, tmp_path: Path) -> None:
    page = no_js_phone
    page.goto(f"{live_server}/login")
    page.fill("#username", "dg_official")
    page.fill("#password", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/inbox")
    town = _town_id(page, live_server, "大观镇")
    page.goto(f"{live_server}/pilots/towns/{town}")
    before = page.locator("#town-plan dd").nth(5).inner_text()
    photo = tmp_path / "plan.jpg"
    photo.write_bytes(jpeg_bytes())
    page.locator("#town-plan input[type=file]").set_input_files(str(photo))
    page.locator("#town-plan .evidence-form button[type=submit]").click()
    page.locator(".flash", has_text="佐证材料已上传").wait_for()
    after = page.locator("#town-plan dd").nth(5).inner_text()
    assert int(after) == int(before) + 1
    assert _overflow(page, 390) <= 0
    page.screenshot(path=str(screenshots / "pilots-town-evidence-phone.png"), full_page=True)
    page.goto(f"{live_server}/cases/new/five_year_plan_check")
    assert _overflow(page, 390) <= 0
    page.screenshot(path=str(screenshots / "pilots-plan-start-phone.png"), full_page=True)
