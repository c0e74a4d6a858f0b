"""The receipt in Chromium (issue 18, items 6 and 7), on a phone in Chinese and on a desktop
in English: a 14 MB phone photo is attached and filed; reloading the receipt page (as after
switching to the camera) shows the same code again; the tracking button opens the complaint
with the code; the QR address opens it without a tap."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.webapp.test_complaint_large_photo import phone_photo

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


@pytest.fixture(params=["phone-zh", "desktop-en"])
def page(request: pytest.FixtureRequest, chromium: Any) -> Any:
    from tests.browser.conftest import PHONE

    context = chromium.new_context(**(PHONE if request.param == "phone-zh" else DESKTOP))
    context.set_default_timeout(15000)
    page = context.new_page()
    page.variant = request.param
    yield page
    context.close()


def test_reload_the_receipt_and_track(live_server: str, page: Any, screenshots: Path,
                                      tmp_path: Path) -> None:
    variant = page.variant
    lang = "zh_CN" if variant == "phone-zh" else "en"
    width = 390 if variant == "phone-zh" else 1280
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(phone_photo())
    page.goto(f"{live_server}/report?lang={lang}")
    page.select_option("#category", "too_many_meetings")
    page.select_option("#town_id", page.locator("#town_id option").nth(1).get_attribute("value"))
    page.select_option("#village_id", page.locator("#village_id option[data-town]").first
                       .get_attribute("value"))
    page.fill("#description", "镇里每周要求村干部参加三次会议，还要拍照打卡上传，耽误农忙。")
    page.locator("#step-1 button.next").click()
    page.set_input_files("#files", str(photo))
    assert "error" not in (page.locator("#files-status").get_attribute("class") or "")
    page.locator("#step-2 button.next").click()
    page.locator("button.submit").click()
    page.wait_for_selector("#receipt-code")
    code = page.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code)

    page.reload()  # the tab comes back reloaded after the camera
    page.wait_for_selector("#receipt-code")
    assert page.locator("#receipt-code").inner_text() == code
    assert page.locator("#receipt-again").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(screenshots / f"issue18-receipt-reloaded-{variant}.png"),
                    full_page=True)

    page.locator("#track-now button[type=submit]").click()
    page.wait_for_selector("#complaint-status")
    assert code.replace(" ", "") not in page.url
    page.screenshot(path=str(screenshots / f"issue18-tracking-{variant}.png"), full_page=True)

    page.goto("about:blank")  # the QR code opens a new page
    page.goto(f"{live_server}/report/track#code={code.replace(' ', '')}")
    page.wait_for_selector("#complaint-status")
    assert "#" not in page.url and page.locator("#code").count() == 0
