"""Issue 4: an official's day in real Chromium (desktop): log in, claim a task, approve one
from the inbox in at most 2 clicks, return one with a reason from the task page's decision
buttons, reassign one as the unit head, switch to English; screenshots of each step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import log_in

SIGN_OFF_CASE = "村级低保台账季报（演示）"  # waits for mz_head's sign-off
DRAFT_CASE = "新增村级报表申请（草稿）（演示）"  # waits for mz_clerk's draft
REVIEW_CASE = "养老服务统计表（演示）"  # waits for 区委农办's review


@pytest.fixture
def desk(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(8000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def log_out(page: Any) -> None:
    page.get_by_role("button", name="退出").click()


def test_an_officials_day(live_server: str, desk: Any, screenshots: Path) -> None:
    shots = screenshots / "official"
    shots.mkdir(parents=True, exist_ok=True)
    # The unit head approves the sign-off from the inbox: one click on the row's button.
    log_in(desk, live_server, "mz_head")
    desk.screenshot(path=str(shots / "1-inbox.png"), full_page=True)
    row = desk.locator("tr.task-row", has_text=SIGN_OFF_CASE)
    clicks = 0
    row.locator("button[name=head_decision][value=approve]").click()
    clicks += 1
    desk.locator(".flash", has_text="已办理").wait_for()
    assert clicks <= 2
    assert desk.locator("tr.task-row", has_text=SIGN_OFF_CASE).count() == 0

    # The head reassigns the clerk's draft to the second clerk from the case page.
    log_out(desk)
    log_in(desk, live_server, "mz_clerk")
    desk.locator("tr.task-row", has_text=DRAFT_CASE).get_by_role("link").first.click()
    case_url = desk.url.split("/tasks/")[0]
    log_out(desk)
    log_in(desk, live_server, "mz_head")
    desk.goto(case_url)
    desk.locator("select[name=to_user_id]").last.select_option(label="民政局经办人二（演示）")
    desk.get_by_role("button", name="改派").click()
    desk.locator(".flash", has_text="已改派").wait_for()
    desk.screenshot(path=str(shots / "2-reassigned.png"), full_page=True)
    log_out(desk)

    # 区委农办 claims the review, then returns it with a reason from the task page.
    log_in(desk, live_server, "nb_staff")
    row = desk.locator("tr.task-row", has_text=REVIEW_CASE)
    row.get_by_role("button", name="认领").click()
    desk.locator("tr.task-row", has_text=REVIEW_CASE).locator(".badge").wait_for()
    desk.locator("tr.task-row", has_text=REVIEW_CASE).get_by_role("link", name="打开表单").click()
    desk.locator("#f-comment").fill("与一套表重复，请先核对已有数据")
    desk.screenshot(path=str(shots / "3-task.png"), full_page=True)
    desk.get_by_role("button", name="退回修改").click()
    desk.locator(".flash", has_text="已办理").wait_for()
    # English, with the same session.
    desk.get_by_role("link", name="English").first.click()
    desk.get_by_role("link", name="Inbox").first.wait_for()
    desk.screenshot(path=str(shots / "4-english.png"), full_page=True)
    assert "Log out" in desk.content()
