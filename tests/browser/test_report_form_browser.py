"""A village cadre fills a pre-filled form on a 390 x 844 phone in real Chromium with
JavaScript off: the form calendar says "3 of 5 fields already filled", the form fits two
screens and asks only for the two fields still missing; after saving, nothing remains. Then
the pages of the feature as the roles that use them, in both languages (screenshots in
test-output/browser/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCREEN = 844


def _log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", "jianfu-demo-2026")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _overflow(page: Any) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width - 390


def test_a_cadre_fills_a_prefilled_form_on_a_phone_without_javascript(
        live_server: str, no_js_phone: Any, screenshots: Path) -> None:
    page = no_js_phone
    _log_in(page, live_server, "dg_cadre")
    page.click("#nav-village-data")
    card = page.locator(".form-card", has_text="社会救助月报").first
    card.wait_for()
    assert "5 项中已有 3 项自动填好" in card.inner_text()
    assert _overflow(page) <= 0
    page.screenshot(path=str(screenshots / "report-forms-village-phone.png"), full_page=True)
    card.get_by_role("link").click()
    page.locator("#filled-count", has_text="5 项中已有 3 项自动填好").wait_for()
    height: int = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2 * SCREEN, height  # at most two screens
    assert _overflow(page) <= 0
    inputs = page.locator("#to-fill input")
    assert inputs.count() == 2  # only what is not held yet
    page.screenshot(path=str(screenshots / "report-forms-fill-phone.png"), full_page=True)
    page.get_by_label("低保户数 (户)").fill("15")
    page.get_by_label("本月新增救助人数 (人)").fill("2")
    page.get_by_role("button", name="保存").click()
    page.locator("#filled-count", has_text="5 项中已有 5 项自动填好").wait_for()
    assert page.locator("#to-fill").count() == 0
    page.screenshot(path=str(screenshots / "report-forms-filled-phone.png"), full_page=True)
    page.goto(f"{live_server}/report-forms/village?lang=en")
    page.locator(".form-card", has_text="5 of 5 fields already filled").first.wait_for()
    assert _overflow(page) <= 0
    page.screenshot(path=str(screenshots / "report-forms-village-phone-en.png"),
                    full_page=True)


def test_the_other_roles_pages_in_both_languages(live_server: str, phone: Any,
                                                 screenshots: Path) -> None:
    page = phone
    for username, path, marker in (
            ("mz_clerk", "/report-forms", "#registry"),
            ("mz_clerk", "/report-forms/indicators", "#dictionary"),
            ("tj_clerk", "/report-forms/data", "#values"),
            ("dc_staff", "/audit/dashboard/forms", "#forms-per-department")):
        page.context.clear_cookies()
        _log_in(page, live_server, username)
        for lang in ("zh_CN", "en"):
            page.goto(f"{live_server}{path}?lang={lang}")
            page.locator(marker).wait_for()
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=str(screenshots / f"report-forms-{name}-{lang}.png"),
                            full_page=True)


def test_the_reviewer_sees_the_field_check_and_the_clerk_the_draft(
        live_server: str, chromium: Any, screenshots: Path) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(5000)
    page = context.new_page()
    try:
        _log_in(page, live_server, "nb_staff")
        page.goto(f"{live_server}/inbox")
        page.get_by_role("link", name="养老服务统计表（演示）").first.click()
        panel = page.locator("#form-field-check")
        panel.wait_for()
        assert "对应指标：户籍人口" in panel.inner_text()
        assert "suggestions" not in page.content()  # no raw check data on the page
        page.screenshot(path=str(screenshots / "report-forms-review-desktop.png"),
                        full_page=True)
        context.clear_cookies()
        _log_in(page, live_server, "mz_clerk")
        page.goto(f"{live_server}/inbox")
        page.get_by_role("link", name="新增村级报表申请（草稿）（演示）").first.click()
        page.get_by_role("link", name="打开表单").first.click()
        page.locator("#f-field_lines").wait_for()
        page.screenshot(path=str(screenshots / "report-forms-draft-desktop.png"),
                        full_page=True)
    finally:
        context.close()
