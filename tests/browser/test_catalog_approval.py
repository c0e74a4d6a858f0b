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

ITEM = "农村儿童之家规范化建设评估"


@pytest.fixture
def desk(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(8000)
    try:
        yield context
    finally:
        context.close()


def _log_in(context: Any, base: str, username: str) -> Any:
    context.clear_cookies()
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", "jianfu-demo-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/inbox")
    return page


def _open_task(page: Any, base: str, case_id: int, task_name: str) -> None:
    """Open the task from the case page (the user's own view of the proposal)."""
    page.goto(f"{base}/cases/{case_id}")
    row = page.locator("li", has_text=task_name).filter(has=page.get_by_role("link",
                                                                            name="打开表单"))
    row.get_by_role("link", name="打开表单").click()
    page.locator("h1", has_text=task_name).wait_for()


def _submit(page: Any) -> None:
    """Submit the task form and wait for the "done" message (wherever the app goes next)."""
    page.click("form[method=post] button[type=submit]:has-text('提交')")
    page.locator(".flash", has_text="已办理").wait_for()


def _decide(page: Any, field: str, value: str) -> None:
    """A decision: its button when the form shows decision buttons, else the select."""
    button = page.locator(f"button[name={field}][value={value}]")
    if button.count():
        button.click()
        page.locator(".flash", has_text="已办理").wait_for()
    else:
        page.select_option(f"#f-{field}", value)
        _submit(page)


def test_draft_sign_off_and_publish_in_the_browser(live_server: str, desk: Any,
                                                  screenshots: Path) -> None:
    base = live_server
    problems: list[str] = []

    page = _log_in(desk, base, "mz_clerk")
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
    _submit(page)

    page = _log_in(desk, base, "mz_head")
    _open_task(page, base, case_id, "部门负责人签批")
    _decide(page, "head_decision", "approve")

    page = _log_in(desk, base, "nb_staff")
    _open_task(page, base, case_id, "区委农办审核")
    assert page.locator("#item-panel").is_visible()
    assert "重复和交叉查重" in page.locator("#item-panel").inner_text()
    page.screenshot(path=str(screenshots / "catalog-review.png"), full_page=True)
    _decide(page, "review_decision", "forward")

    for username, task in (("office_qw", "区委办公室会签"), ("office_qzf", "区政府办公室会签")):
        page = _log_in(desk, base, username)
        _open_task(page, base, case_id, task)
        _decide(page, "office_decision", "approve")

    page.goto(f"{base}/catalog")
    page.get_by_role("link", name=ITEM).click()
    history = page.locator("#versions").inner_text()
    assert "第1版" in history and "区政府办公室审批人（演示）" in history
    page.screenshot(path=str(screenshots / "catalog-item.png"), full_page=True)
    assert problems == []
    assert REPO.exists()
