"""The auditor's way in, in Chromium (issue 18, item 9): logged in, the auditor lands on the
cases to audit, searches one and opens its history; on a 390 px phone without sideways
scrolling, and on a desktop in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.helpers import log_in


def fits(page: Any) -> bool:
    width = page.viewport_size["width"]
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {width} + 1"))


def test_the_auditor_finds_a_case_on_a_phone_and_a_desktop(
        live_server: str, phone: Any, chromium: Any, screenshots: Path) -> None:
    log_in(phone, live_server, "auditor")
    phone.locator("#audit-cases li").first.wait_for()
    assert fits(phone)
    phone.screenshot(path=str(screenshots / "audit-cases-phone.png"), full_page=True)
    phone.fill("#q", "养老服务统计表")
    phone.click("#case-search button[type=submit]")
    assert phone.locator("#audit-cases li").count() == 1
    phone.locator("#audit-cases li a").first.click()
    phone.wait_for_url("**/audit/cases/*")
    assert phone.locator("h1", has_text="养老服务统计表").count() == 1
    # its replay certificate reads as a document on the phone too (issue 18, item 10)
    phone.locator("a", has_text="重放证明").first.click()
    phone.locator("#certificate #verdict").wait_for()
    assert phone.locator(".doc-case", has_text="养老服务统计表").count() == 1
    assert fits(phone)
    phone.screenshot(path=str(screenshots / "certificate-phone.png"), full_page=True)

    desktop = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = desktop.new_page()
    try:
        log_in(page, live_server, "auditor")
        page.goto(f"{live_server}/audit/cases?lang=en")
        assert page.locator("h1", has_text="Cases to audit").count() == 1
        assert page.locator("nav.main", has_text="Supervision dashboard").count() == 1
        assert fits(page)
        page.screenshot(path=str(screenshots / "audit-cases-desktop-en.png"), full_page=True)
    finally:
        desktop.close()
