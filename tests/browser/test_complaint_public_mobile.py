"""A villager on a phone (390 x 844, touch): files an anonymous complaint with one photo in
at most three screens, keeps the receipt code, and tracks the complaint with it."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from PIL import Image

MAX_SCREENS = 3


def _photo(folder: Path) -> Path:
    path = folder / "photo.jpg"
    image = Image.new("RGB", (1200, 900), "#4a7")
    image.paste(Image.new("RGB", (400, 300), "#c84"), (300, 200))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return path


def _visible_steps(page: Any) -> tuple[str, ...]:
    steps: list[str] = page.eval_on_selector_all(
        "fieldset.step", "els => els.filter(e => !e.hidden && e.offsetParent !== null)"
                         ".map(e => e.dataset.step)")
    return tuple(steps)


def _fits_the_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"


def test_anonymous_complaint_on_a_phone(live_server: str, phone: Any, screenshots: Path,
                                        tmp_path: Path) -> None:
    page = phone
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{live_server}/report")
    filing_url = page.url
    screens: list[tuple[str, ...]] = []

    def screen() -> None:
        shown = _visible_steps(page)
        assert len(shown) == 1, f"one step at a time, saw {shown}"
        if not screens or screens[-1] != shown:
            screens.append(shown)

    # Screen 1: what happened.
    screen()
    assert page.locator("h1").inner_text() == "反映村里的负担问题"
    page.select_option("#category", "too_many_meetings")
    town = page.locator("#town_id option").nth(1).get_attribute("value")
    page.select_option("#town_id", town)
    villages = page.locator("#village_id option[data-town]")
    assert villages.count() >= 1
    assert {villages.nth(i).get_attribute("data-town") for i in range(villages.count())} == {town}
    page.select_option("#village_id", villages.first.get_attribute("value"))
    page.fill("#description", "镇里每周要求村干部参加三次会议，还要拍照打卡上传，耽误农忙。")
    _fits_the_phone(page)
    page.screenshot(path=str(screenshots / "1-what-happened.png"), full_page=True)
    page.locator("#step-1 button.next").tap()

    # Screen 2: evidence.
    screen()
    page.set_input_files("#files", str(_photo(tmp_path)))
    assert "1" in page.locator("#files-status").inner_text()
    page.screenshot(path=str(screenshots / "2-evidence.png"), full_page=True)
    page.locator("#step-2 button.next").tap()

    # Screen 3: anonymous (the default): no name or phone asked.
    screen()
    assert page.locator("#anonymous-yes").is_checked()
    assert not page.locator("#name").is_visible() and not page.locator("#phone").is_visible()
    _fits_the_phone(page)
    page.screenshot(path=str(screenshots / "3-anonymous.png"), full_page=True)
    assert page.url == filing_url, "the address must not change while filing"
    page.locator("button.submit").tap()

    page.wait_for_selector("#receipt-code")
    assert len(screens) <= MAX_SCREENS, screens
    assert [s[0] for s in screens] == ["1", "2", "3"]
    assert page.url == filing_url, "the receipt comes back on the same address"
    shown = page.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", shown), shown
    code = shown.replace(" ", "")
    assert page.locator("svg.qr").is_visible()
    assert page.locator("button.print").is_visible()
    _fits_the_phone(page)
    page.screenshot(path=str(screenshots / "4-receipt.png"), full_page=True)

    # Tracking: what the QR code opens; the code goes from the fragment into the form, which
    # is sent at once (issue 18, item 6: no tap needed), and out of the address bar.
    page.goto(f"{live_server}/report/track#code={code}")
    page.wait_for_selector("#complaint-status")
    assert "#" not in page.url
    assert page.locator("#complaint-status").inner_text() == "已收到，正在登记"
    assert page.locator("#complaint-holder").inner_text() == "区委农办"
    assert re.search(r"\d", page.locator("#complaint-due").inner_text())
    assert code not in page.url
    _fits_the_phone(page)
    page.screenshot(path=str(screenshots / "5-tracking.png"), full_page=True)

    outside = [u for u in requests if not u.startswith(live_server)]
    assert not outside, f"requests outside the site: {outside}"
    assert not [u for u in requests if code in u.replace("%20", "")
                and "#" not in u], "the code went into a request URL"
    assert not problems, problems


def test_a_server_error_opens_its_step(live_server: str, phone: Any, screenshots: Path) -> None:
    """The phone number passes the browser's checks but not the server's: the page comes
    back on step 3 with the message, the rest of the input kept."""
    page = phone
    page.goto(f"{live_server}/report")
    page.select_option("#category", "plaques")
    page.select_option("#town_id", page.locator("#town_id option").nth(2).get_attribute("value"))
    page.select_option("#village_id", page.locator("#village_id option[data-town]").first
                       .get_attribute("value"))
    page.fill("#description", "村委会门口要求挂十几块牌子，每块都要自费制作。")
    page.locator("#step-1 button.next").tap()
    page.locator("#step-2 button.next").tap()
    page.locator("label:has(#anonymous-no)").tap()
    assert page.locator("#name").is_visible()
    page.fill("#name", "测试村民")
    page.fill("#phone", "12")
    page.locator("button.submit").tap()
    page.wait_for_selector("#error-summary")
    assert _visible_steps(page) == ("3",)
    assert page.locator("#phone-error").is_visible()
    assert page.input_value("#name") == "测试村民"
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.screenshot(path=str(screenshots / "6-phone-error.png"), full_page=True)
    page.locator("#step-3 button.back").tap()
    page.locator("#step-2 button.back").tap()
    assert page.input_value("#description") == "村委会门口要求挂十几块牌子，每块都要自费制作。"


def test_without_javascript_every_step_shows(live_server: str, no_js_phone: Any) -> None:
    page = no_js_phone
    page.goto(f"{live_server}/report")
    assert _visible_steps(page) == ("1", "2", "3")
    assert not page.locator("#town_id").is_visible()
    assert " / " in page.locator("#village_id option").nth(4).inner_text()
    page.select_option("#category", "other")
    page.select_option("#village_id", index=4)
    page.fill("#description", "没有脚本也能提交：选择“镇 / 村”即可。")
    page.locator("button.submit").click()
    page.wait_for_selector("#receipt-code")
