"""The inbox on a 390 px phone in real Chromium: nothing wider than the screen, every
control reachable by the keyboard, and the unit head approves a sign-off from the inbox
with the keyboard alone (Tab to the row's "approve" button, Enter: one action)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.helpers import log_in

SIGN_OFF_CASE = "村级低保台账季报（演示）"
MAX_TABS = 80


def _overflow(page: Any) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width - 390


def test_inbox_on_a_phone_with_the_keyboard(live_server: str, phone: Any,
                                            screenshots: Path) -> None:
    log_in(phone, live_server, "mz_head")
    phone.locator("tr.task-row", has_text=SIGN_OFF_CASE).wait_for()
    assert _overflow(phone) <= 0
    phone.locator("details.filters summary").click()
    assert _overflow(phone) <= 0
    phone.screenshot(path=str(screenshots / "inbox-phone.png"), full_page=True)
    approve = phone.locator("tr.task-row", has_text=SIGN_OFF_CASE).locator(
        "button[name=head_decision][value=approve]")
    phone.locator("body").focus()
    for _ in range(MAX_TABS):
        phone.keyboard.press("Tab")
        if approve.evaluate("b => b === document.activeElement"):
            break
    else:
        raise AssertionError("the approve button is not reachable with Tab")
    phone.keyboard.press("Enter")
    phone.locator(".flash", has_text="已办理").wait_for()
    assert phone.url.endswith("/inbox")
    assert phone.locator("tr.task-row", has_text=SIGN_OFF_CASE).count() == 0
    phone.screenshot(path=str(screenshots / "inbox-phone-approved.png"), full_page=True)


def test_case_page_follow_and_substitutes_fit_a_phone(live_server: str, phone: Any) -> None:
    log_in(phone, live_server, "mz_clerk")
    phone.goto(f"{live_server}/account/substitutes")
    assert _overflow(phone) <= 0
    phone.get_by_label("代办人").select_option(label="民政局经办人二（演示）")
    phone.get_by_role("button", name="设置代办人").click()
    phone.locator(".flash", has_text="已设置代办人").wait_for()
    phone.goto(f"{live_server}/inbox")
    phone.locator("tr.task-row").first.get_by_role("link").first.click()
    phone.get_by_role("button", name="关注此案件").click()
    phone.locator(".flash", has_text="已关注此案件").wait_for()
    assert _overflow(phone) <= 0
