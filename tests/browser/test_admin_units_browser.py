"""The org unit pages in Chromium (issue 20, item 2): from /admin to the units, a search, a
unit's page and its edit form, an import refused with its errors and an import confirmed;
on a 390 px phone (no sideways scrolling) in Chinese and on a 1280 px desktop in English.
Screenshots go to test-output/browser/ (git-ignored)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.helpers import log_in
from tests.integration.admin_org_files import csv_bytes, row, sample_rows


def page_fits(page: Any) -> bool:
    """No sideways scrolling: the page is no wider than the screen."""
    width = page.viewport_size["width"]
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {width} + 1"))


def test_units_on_a_phone_in_chinese(live_server: str, phone: Any, screenshots: Path,
                                     tmp_path: Path) -> None:
    log_in(phone, live_server, "admin")
    phone.goto(f"{live_server}/admin/")
    phone.click("#admin-sections >> text=组织机构")
    phone.wait_for_url(f"{live_server}/admin/units")
    assert phone.locator("#units tbody tr").count() == 41
    assert page_fits(phone)
    phone.screenshot(path=str(screenshots / "admin-units-phone.png"), full_page=True)
    phone.fill("#q", "大观")
    phone.select_option("#kind", "village")
    phone.click("#unit-search button")
    phone.locator("#unit-count", has_text="共 3 个单位").wait_for()
    phone.click("#units >> text=大观镇示例村2（演示）")
    phone.locator("#unit-form").wait_for()
    phone.fill("#u-official_code", "500119105202")
    phone.click("#unit-form button[type=submit]")
    phone.locator(".error[data-field=official_code]", has_text="500119104").wait_for()
    assert page_fits(phone)
    phone.screenshot(path=str(screenshots / "admin-unit-error-phone.png"), full_page=True)
    phone.fill("#u-official_code", "500119104202")
    phone.fill("#u-name", "大观镇金龙村")
    phone.click("#unit-form button[type=submit]")
    phone.locator(".flash", has_text="已保存").wait_for()
    assert phone.locator("#unit-history li").count() == 1
    phone.screenshot(path=str(screenshots / "admin-unit-phone.png"), full_page=True)

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([*sample_rows(), row("x1", "新村", "nowhere", "村",
                                                   "500119104209")]))
    phone.goto(f"{live_server}/admin/units/import")
    phone.set_input_files("#file", str(bad))
    phone.click("#upload-form button[type=submit]")
    phone.locator("#import-errors", has_text="上级单位“nowhere”不存在").wait_for()
    assert page_fits(phone)
    phone.screenshot(path=str(screenshots / "admin-units-import-refused-phone.png"),
                     full_page=True)
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([*(r for r in sample_rows() if r["code"] != "sqz-v3"),
                                row("sqz-v4", "三泉镇新村", "sqz", "村", "500119100204")]))
    phone.set_input_files("#file", str(good))
    phone.click("#upload-form button[type=submit]")
    phone.locator("#plan").wait_for()
    # add sqz-v4, sqz-v3 inactive, and the rename above undone (the file has the old name)
    assert phone.locator("#plan tbody tr").count() == 3
    assert page_fits(phone)
    phone.screenshot(path=str(screenshots / "admin-units-import-plan-phone.png"),
                     full_page=True)
    phone.click("#confirm-form button[name=confirm]")
    phone.locator(".flash", has_text="导入完成：共 3 处改动").wait_for()


def test_units_on_a_desktop_in_english(live_server: str, chromium: Any,
                                       screenshots: Path) -> None:
    desktop = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = desktop.new_page()
    try:
        log_in(page, live_server, "admin")
        page.goto(f"{live_server}/admin/units?lang=en")
        assert page.locator("h1", has_text="Organization units").count() == 1
        assert page.locator("#units", has_text="Village or community").count() == 1
        assert page_fits(page)
        page.screenshot(path=str(screenshots / "admin-units-desktop-en.png"), full_page=True)
        page.click("#units >> text=大观镇")
        page.locator("#unit-facts", has_text="3 (3 active)").wait_for()
        page.screenshot(path=str(screenshots / "admin-unit-desktop-en.png"), full_page=True)
        page.goto(f"{live_server}/admin/units/import")
        page.screenshot(path=str(screenshots / "admin-units-import-desktop-en.png"),
                        full_page=True)
    finally:
        desktop.close()
