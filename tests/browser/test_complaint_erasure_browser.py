"""A complainant erases their personal data from the tracking page on a phone without
JavaScript (issue 17): the section reads in Chinese, fits 390 px, refuses without the box
ticked and erases with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from tests.webapp.conftest import Public


def test_erase_on_a_phone_without_javascript(live_app: Flask, live_server: str,
                                             no_js_phone: Any, screenshots: Path) -> None:
    public = Public(live_app.test_client(), live_app)
    code = public.file_ok(anonymous="0", name="赵六", phone="13700003333")
    page = no_js_phone
    page.goto(f"{live_server}/report/track")
    page.fill("#code", code)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_selector("#erase-title")
    assert page.locator("#erase-title").inner_text() == "您的个人信息"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    page.locator("#erase-title").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "issue17-erase-phone.png"), full_page=True)
    page.locator("form[action$='/track/erase'] button").click()
    page.wait_for_selector("#confirm-error")
    assert "请勾选确认" in page.locator("#confirm-error").inner_text()
    page.check("#erase-confirm")
    page.locator("form[action$='/track/erase'] button").click()
    page.wait_for_selector(".flash")
    assert "已删除" in page.locator(".flash").inner_text()
    page.screenshot(path=str(screenshots / "issue17-erased-phone.png"), full_page=True)
