"""The administrator's process versions in Chromium (issue 20, item 4): from /admin to the
versions, a version's diagram, and a deployment; on a 390 px phone without sideways
scrolling of the page, and on a desktop, in Chinese and in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.helpers import log_in

BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "report_form_approval.bpmn"


def page_fits(page: Any) -> bool:
    """No sideways scrolling: the page is no wider than the screen (a phone's layout
    viewport would grow with the content, so the screen's width is the measure)."""
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= (page_width || window.innerWidth) + 1"
        .replace("page_width", str(page.viewport_size["width"]))))


def test_versions_on_a_phone_and_a_desktop(live_server: str, phone: Any, chromium: Any,
                                           screenshots: Path, tmp_path: Path) -> None:
    log_in(phone, live_server, "admin")
    phone.goto(f"{live_server}/admin/")
    phone.click("text=流程版本")
    phone.wait_for_url(f"{live_server}/admin/versions")
    assert page_fits(phone)
    assert phone.locator("#versions li.version").count() >= 7
    links = phone.locator("nav.main > a")
    for i in range(links.count()):  # no menu link broken into one-character columns
        box = links.nth(i).bounding_box()
        assert box is not None and box["height"] < 40, links.nth(i).inner_text()
    phone.screenshot(path=str(screenshots / "admin-versions-phone.png"), full_page=True)
    phone.locator("#versions a", has_text="第 1 版").first.click()
    phone.locator(".diagram svg").wait_for()
    assert page_fits(phone)
    phone.screenshot(path=str(screenshots / "admin-version-phone.png"), full_page=True)

    changed = tmp_path / "report_form_approval.bpmn"
    changed.write_text(BPMN.read_text(encoding="utf-8").replace(
        'name="新增报表审批"', 'name="新增报表审批（修订）"'), encoding="utf-8")
    phone.goto(f"{live_server}/admin/versions/deploy")
    phone.set_input_files("#files", str(changed))
    phone.click("#deploy-submit")
    phone.locator(".flash", has_text="第 2 版").wait_for()
    assert phone.locator("#version-facts", has_text="系统管理员（演示）").count() == 1
    assert page_fits(phone)
    phone.goto(f"{live_server}/admin/record")
    assert phone.locator("#admin-record", has_text="部署流程版本").count() == 1
    assert page_fits(phone)
    phone.screenshot(path=str(screenshots / "admin-record-phone.png"), full_page=True)

    desktop = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = desktop.new_page()
    try:
        log_in(page, live_server, "admin")
        page.goto(f"{live_server}/admin/versions?lang=en")
        assert page.locator("h1", has_text="Process versions").count() == 1
        assert page.locator("#versions", has_text="newest").count() == 1
        assert page_fits(page)
        page.screenshot(path=str(screenshots / "admin-versions-desktop-en.png"), full_page=True)
        page.goto(f"{live_server}/admin/record?lang=en")
        assert page.locator("#admin-record", has_text="Process version deployed").count() == 1
        assert page_fits(page)
        page.screenshot(path=str(screenshots / "admin-record-desktop-en.png"), full_page=True)
    finally:
        desktop.close()
