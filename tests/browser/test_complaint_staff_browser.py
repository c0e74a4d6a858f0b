"""Issue 18 in Chromium, on a 390 x 844 phone in Chinese and on a desktop in English:
受理审核 names the unit from a picker (item 1), the case page reads as text (item 2), after
受理 the inbox offers the next task and the 已办 tab finds the case (item 4), and a wrong
receipt code says how many tries remain (item 8)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from models import Case
from tests.browser.helpers import log_in

RAW = re.compile(r"\d{2}:\d{2}:\d{2}\.\d+|\+00:00|\[\]|\{\"")
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}
TEXTS = {
    "zh_CN": {"accept": "受理", "unit": "大观镇", "next": "下一项任务", "done": "已办",
              "tries": "现在还可以再试"},
    "en": {"accept": "Accept", "unit": "大观镇", "next": "Next task", "done": "Done",
           "tries": "You may try"},
}


@pytest.fixture(params=["phone-zh_CN", "desktop-en"])
def view(request: pytest.FixtureRequest, chromium: Any) -> Any:
    from tests.browser.conftest import PHONE

    phone = request.param.startswith("phone")
    context = chromium.new_context(**(PHONE if phone else DESKTOP))
    context.set_default_timeout(15000)
    page = context.new_page()
    page.variant = request.param
    page.lang = request.param.split("-", 1)[1]
    page.width = 390 if phone else 1280
    yield page
    context.close()


def _case(app: Flask, status: str) -> int:
    with app.extensions["jianfu.db"].sessions() as db:
        case_id = db.scalar(select(Case.id).where(Case.case_type == "burden_complaint",
                                                  Case.status == status))
    assert case_id is not None
    return int(case_id)


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.width


def test_intake_case_page_and_done_tab(live_server: str, live_app: Flask, view: Any,
                                       screenshots: Path) -> None:
    page, lang, words = view, view.lang, TEXTS[view.lang]
    log_in(page, live_server, "nb_staff")
    intake = _case(live_app, "intake")
    page.goto(f"{live_server}/cases/{intake}?lang={lang}")
    page.locator(f"a[href^='/cases/{intake}/tasks/']").first.click()
    picker = page.locator("select#f-responsible_unit_id")
    assert picker.is_visible()
    assert page.locator("input#f-responsible_unit_id[type=number]").count() == 0
    picker.select_option(label=words["unit"])
    _fits(page)
    page.screenshot(path=str(screenshots / f"issue18-intake-{page.variant}.png"),
                    full_page=True)
    page.locator("button[name=intake_decision][value=accept]").click()
    page.locator("#offer-next, .flash-success").first.wait_for()
    assert "/inbox" in page.url
    if page.locator("#offer-next").count():
        assert words["next"] in page.locator("#offer-next").inner_text()
    page.get_by_role("link", name=words["done"], exact=True).click()
    page.locator("#done-tasks").wait_for()
    assert page.locator(f"#done-tasks a[href='/cases/{intake}']").count() == 1
    _fits(page)
    page.screenshot(path=str(screenshots / f"issue18-done-tab-{page.variant}.png"),
                    full_page=True)

    verification = _case(live_app, "verification")
    page.goto(f"{live_server}/cases/{verification}?lang={lang}")
    main = page.locator("main").inner_text()
    assert not RAW.search(main), RAW.search(main)
    assert "大观镇示例村1（演示）" in main and "intake" not in main.split("\n")
    _fits(page)
    page.screenshot(path=str(screenshots / f"issue18-case-page-{page.variant}.png"),
                    full_page=True)


def test_a_wrong_code_tells_the_tries_left(live_server: str, view: Any,
                                          screenshots: Path) -> None:
    page = view
    page.goto(f"{live_server}/report/track?lang={page.lang}")
    page.fill("#code", "1234 5678 9012 3456")
    page.locator("#track-form button[type=submit]").click()
    page.locator("#tries-left").wait_for()
    assert TEXTS[page.lang]["tries"] in page.locator("#tries-left").inner_text()
    _fits(page)
    page.screenshot(path=str(screenshots / f"issue18-wrong-code-{page.variant}.png"),
                    full_page=True)
