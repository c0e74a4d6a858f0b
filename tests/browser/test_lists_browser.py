"""The village lists in Chromium (issue 14): the public pages on a 390 x 844 phone with
JavaScript off (no login: the lists in force, a search, the certificate rule and the complaint
form it opens with the category chosen), in Chinese and English; the staff pages as the roles
that use them, on the phone and on a desktop. Screenshots: test-output/browser/lists-*."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from models import Base
from models.db import make_engine, make_sessionmaker
from tests.browser.conftest import PHONE, REPO
from tests.browser.helpers import log_in
from workflows.demo import loader as demo

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def browser_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lists-browser") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, REPO / "bpmn", lists=True)
    engine.dispose()
    return path


def fits(page: Any, width: int = 390) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll}px wide on a {width}px screen"


def test_public_pages_on_a_phone_without_javascript(live_server: str, no_js_phone: Any,
                                                    screenshots: Path) -> None:
    page = no_js_phone
    page.goto(f"{live_server}/village-lists")
    assert page.locator("h1").inner_text() == "哪些事可以要求村里办"
    assert page.locator("script").count() == 0
    fits(page)
    page.screenshot(path=str(screenshots / "lists-public-index-zh.png"), full_page=True)
    # Searching is a plain form: it works without JavaScript.
    page.fill("#q", "低保")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url("**/village-lists?q=*")
    assert page.locator(".list-entry h3", has_text="协助办理农村低保申请").count() == 1
    fits(page)
    page.screenshot(path=str(screenshots / "lists-public-search-zh.png"), full_page=True)
    page.goto(f"{live_server}/village-lists/certificate")
    rule = page.locator("#rule").inner_text()
    assert "未列入本清单的证明事项，不得要求村民委员会出具" in rule
    assert page.locator(".list-entry").count() == 3
    fits(page)
    page.screenshot(path=str(screenshots / "lists-public-certificate-zh.png"), full_page=True)
    page.locator("#report-link").click()
    page.wait_for_url("**/report?category=certificates")
    assert page.locator("#category").input_value() == "certificates"
    page.goto(f"{live_server}/village-lists/certificate?lang=en")
    assert "A certificate that is not on this list may not be demanded" in \
        page.locator("#rule").inner_text()
    fits(page)
    page.screenshot(path=str(screenshots / "lists-public-certificate-en.png"), full_page=True)
    page.goto(f"{live_server}/village-lists/assistance?lang=zh_CN")
    assert "未纳入自治清单、协助清单的事项" in page.locator("#rule").inner_text()
    fits(page)


@pytest.fixture
def desktop(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(**DESKTOP)
    context.set_default_timeout(5000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_staff_pages_as_the_roles_that_use_them(live_server: str, chromium: Any,
                                                screenshots: Path, size: str) -> None:
    context = chromium.new_context(**(PHONE if size == "phone" else DESKTOP))
    context.set_default_timeout(5000)
    width = 390 if size == "phone" else 1280
    try:
        page = context.new_page()
        log_in(page, live_server, "nb_staff")
        page.locator("#nav-lists").first.click() if size == "desktop" else \
            page.goto(f"{live_server}/lists")
        page.wait_for_url("**/lists")
        assert page.locator("h1").inner_text() == "村级事项清单"
        fits(page, width)
        page.screenshot(path=str(screenshots / f"lists-staff-index-{size}-zh.png"),
                        full_page=True)
        page.locator("td a", has_text="协助办理农村低保申请").first.click()
        page.locator("#versions").wait_for()
        assert page.locator("#versions .version").count() == 2
        fits(page, width)
        page.screenshot(path=str(screenshots / f"lists-staff-entry-{size}-zh.png"),
                        full_page=True)
        page.goto(f"{live_server}/lists/work?lang=en")
        assert page.locator("h1").inner_text() == "Village work assignments"
        fits(page, width)
        page.screenshot(path=str(screenshots / f"lists-staff-work-{size}-en.png"),
                        full_page=True)
        page.goto(f"{live_server}/lists/plaques?lang=zh_CN")
        assert page.locator("#plaque-counts").count() == 1
        fits(page, width)
        page.screenshot(path=str(screenshots / f"lists-staff-plaques-{size}-zh.png"),
                        full_page=True)
        # 区委农办 reviews the plaque request from its inbox: the panel shows what is asked.
        page.goto(f"{live_server}/inbox")
        page.locator("a", has_text="村务监督委员会").first.click()
        page.locator("#lists-panel").wait_for()
        assert "村务监督委员会" in page.locator("#lists-panel").inner_text()
        fits(page, width)
        page.screenshot(path=str(screenshots / f"lists-plaque-review-{size}-zh.png"),
                        full_page=True)
    finally:
        context.close()


def test_work_assignment_task_pages_on_a_phone(live_server: str, phone: Any,
                                               screenshots: Path) -> None:
    """The clerk sees why the request came back (no service purchase) on the draft's page;
    the government office sees the match and the check before approving."""
    page = phone
    log_in(page, live_server, "qnyw_clerk")
    page.goto(f"{live_server}/lists/work")
    page.locator("#assignments a", has_text="高标准农田宣传展板制作").click()
    page.wait_for_url("**/cases/*")
    panel = page.locator("#lists-panel").inner_text()
    assert "购买服务" in panel and "退回理由" in panel
    page.locator("a[href*='/tasks/']").first.click()
    page.wait_for_url("**/tasks/*")
    assert page.locator("[name=agreement_ref]").count() == 1
    fits(page)
    page.screenshot(path=str(screenshots / "lists-work-draft-returned-zh.png"), full_page=True)
    page.context.clear_cookies()
    log_in(page, live_server, "office_qzf")
    page.goto(f"{live_server}/lists/work")
    page.locator("#assignments a", has_text="人口变动抽样调查入户登记").click()
    page.wait_for_url("**/cases/*")
    panel = page.locator("#lists-panel").inner_text()
    assert "在清单内" in panel and "协助统计调查入户登记" in panel
    page.locator("a[href*='/tasks/']").first.click()
    page.wait_for_url("**/tasks/*")
    assert page.locator("[name=approval_decision]").count() >= 1
    fits(page)
    page.screenshot(path=str(screenshots / "lists-work-approval-zh.png"), full_page=True)


def test_the_starting_pages_and_the_ledger(live_server: str, phone: Any,
                                           screenshots: Path) -> None:
    """The pages that start a change, as the clerks who use them, and the ledger's new
    columns, in both languages."""
    page = phone
    log_in(page, live_server, "nb_clerk")
    page.goto(f"{live_server}/lists/propose?change_kind=add&lang=en")
    assert page.locator("#list_kind option").count() == 4
    fits(page)
    page.screenshot(path=str(screenshots / "lists-propose-en.png"), full_page=True)
    page.context.clear_cookies()
    log_in(page, live_server, "dg_official")
    page.goto(f"{live_server}/lists/plaques/new?change_kind=merge&lang=zh_CN")
    assert page.locator("#merge_into_id optgroup").count() == 1
    assert page.locator("h1").inner_text() == "整合牌子"
    assert page.locator("label[for=note]").inner_text() == "调整或撤销理由"
    fits(page)
    page.screenshot(path=str(screenshots / "lists-plaque-merge-zh.png"), full_page=True)
    page.goto(f"{live_server}/inspections/ledger")
    assert page.locator("#plaques-hanging").count() == 1
    fits(page)  # the wider table scrolls inside its box, the page does not
    page.screenshot(path=str(screenshots / "lists-ledger-zh.png"), full_page=True)
