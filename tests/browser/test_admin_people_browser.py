"""The administrator in a real browser (Chromium) creates a person, sees the one-time password
once, grants a role at a unit chosen from a list, and sees the role on the person's page: on
a phone (390 x 844) without JavaScript, in Chinese, and at 1280 wide in English. Screenshots
go under test-output/browser/ (admin-people-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import webapp.admin.people  # noqa: F401  (the people pages, until webapp.admin.views imports them)
from tests.browser.helpers import log_in


@pytest.fixture
def desk(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(20000)  # a busy machine: logins hash with argon2
    try:
        yield context.new_page()
    finally:
        context.close()


def _create_and_grant(page: Any, base: str, screenshots: Path, tag: str, lang: str,
                      username: str) -> None:
    chinese = lang == "zh_CN"
    log_in(page, base, "admin")
    page.goto(f"{base}/admin/people?lang={lang}")
    page.screenshot(path=str(screenshots / f"admin-people-list-{tag}.png"), full_page=True)
    page.click("#new-person")
    page.fill("#p-username", username)
    page.fill("#p-display_name", "李四" if chinese else "Li Si")
    page.select_option("#g-role", "clerk")
    page.select_option("#g-unit", label="区民政局")
    page.screenshot(path=str(screenshots / f"admin-people-new-{tag}.png"), full_page=True)
    page.click("#new-person-form button[type=submit]")
    secret = page.locator("#one-time-password").inner_text()
    assert len(secret) == 14
    page.screenshot(path=str(screenshots / f"admin-people-password-{tag}.png"), full_page=True)
    page.click("a.button[href*='/admin/people/']")
    page.select_option("#g-role", "unit_head")
    page.select_option("#g-unit", label="区民政局")
    page.click("#grant-form button[type=submit]")
    page.locator(".flash", has_text="立即生效" if chinese else "works at once").wait_for()
    roles = page.locator("#role-list").inner_text()
    assert ("经办人 · 区民政局" if chinese else "Clerk · 区民政局") in roles
    assert ("单位负责人 · 区民政局" if chinese else "Unit head · 区民政局") in roles
    history = page.locator("#history").inner_text()
    assert ("授予角色" if chinese else "Role granted") in history
    page.screenshot(path=str(screenshots / f"admin-people-person-{tag}.png"), full_page=True)
    page.goto(f"{base}/admin/people?q={username}")
    assert page.locator("#people-list tbody tr").count() == 1


def test_phone_without_javascript_in_chinese(live_server: str, no_js_phone: Any,
                                             screenshots: Path) -> None:
    no_js_phone.set_default_timeout(20000)
    _create_and_grant(no_js_phone, live_server, screenshots, "phone-zh", "zh_CN", "li_si")


def test_desk_in_english(live_server: str, desk: Any, screenshots: Path) -> None:
    _create_and_grant(desk, live_server, screenshots, "desk-en", "en", "li_si_en")
