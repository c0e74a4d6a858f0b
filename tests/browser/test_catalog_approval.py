"""A new assessment item in a real browser (Chromium): a 民政局 clerk proposes it from the
catalog and drafts it, the unit head signs it off, 区委农办 forwards it, 区委办公室 and
区政府办公室 both sign it off, and it appears in the catalog with its history."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import REPO
from tests.browser.helpers import decide, log_in_new_page, submit

ITEM = "农村儿童之家规范化建设评估"


@pytest.fixture
def desk(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(8000)
    try:
        yield context
    finally:
        context.close()


def _open_task(page: Any, base: str, case_id: int, task_name: str) -> None:
    """Open the task from the case page (the user's own view of the proposal)."""
    page.goto(f"{base}/cases/{case_id}")
    row = page.locator("li", has_text=task_name).filter(has=page.get_by_role("link",
                                                                            name="打开表单"))
    row.get_by_role("link", name="打开表单").click()
    page.locator("h1", has_text=task_name).wait_for()


def test_draft_sign_off_and_publish_in_the_browser(live_server: str, desk: Any,
                                                  screenshots: Path) -> None:
    base = live_server
    problems: list[str] = []

    page = log_in_new_page(desk, base, "mz_clerk")
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.get_by_role("link", name="考核项目目录").click()
    page.get_by_role("link", name="申请新增项目").click()
    page.fill("#f-title", f"{ITEM}（新增）")
    page.click("button:has-text('建立申请')")
    page.wait_for_selector("#f-name")
    case_id = int(re.search(r"/cases/(\d+)/tasks/", page.url).group(1))  # type: ignore[union-attr]
    page.fill("#f-name", ITEM)
    page.select_option("#f-target", "villages")
    page.fill("#f-content", "评估村儿童之家的场地设施、儿童主任履职和关爱服务活动开展情况。")
    page.fill("#f-criteria", "按星级标准评定一至五星")
    page.select_option("#f-method", "on_site")
    page.select_option("#f-frequency", "yearly")
    page.select_option("#f-period", "q3")
    page.fill("#f-weight", "2")
    page.fill("#f-legal_basis", "《关于加强农村留守儿童关爱保护工作的意见》")
    page.fill("#f-effective_date", "2027-01-01")
    submit(page)

    page = log_in_new_page(desk, base, "mz_head")
    _open_task(page, base, case_id, "部门负责人签批")
    decide(page, "head_decision", "approve")

    page = log_in_new_page(desk, base, "nb_staff")
    _open_task(page, base, case_id, "区委农办审核")
    assert page.locator("#item-panel").is_visible()
    assert "重复和交叉查重" in page.locator("#item-panel").inner_text()
    page.screenshot(path=str(screenshots / "catalog-review.png"), full_page=True)
    decide(page, "review_decision", "forward")

    for username, task in (("office_qw", "区委办公室会签"), ("office_qzf", "区政府办公室会签")):
        page = log_in_new_page(desk, base, username)
        _open_task(page, base, case_id, task)
        decide(page, "office_decision", "approve")

    page.goto(f"{base}/catalog")
    page.get_by_role("link", name=ITEM).click()
    history = page.locator("#versions").inner_text()
    assert "第1版" in history and "区政府办公室审批人（演示）" in history
    page.screenshot(path=str(screenshots / "catalog-item.png"), full_page=True)
    assert problems == []
    assert REPO.exists()
