"""An inspection request in a real browser (Chromium): a 民政局 clerk asks to inspect a
village of 大观镇, the head approves, the automatic checks pass, 大观镇 agrees, 区委农办
approves; the village cadre finds it on the village calendar, the department records what
happened, and the cadre rates the burden; the ledger counts it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from models import OrgUnit

TITLE = "二季度低保工作检查（浏览器）"


@pytest.fixture
def desk(chromium: Any) -> Iterator[Any]:
    """One browser context per person, each logged in once (Argon2 logins are slow)."""
    contexts: dict[str, Any] = {}

    def context_of(username: str) -> Any:
        if username not in contexts:
            context = chromium.new_context(viewport={"width": 1280, "height": 900},
                                           locale="zh-CN")
            context.set_default_timeout(20000)  # a busy machine: logins hash with argon2
            contexts[username] = context
        return contexts[username]

    try:
        yield context_of
    finally:
        for context in contexts.values():
            context.close()


PAGES: dict[str, Any] = {}


def _log_in(desk: Any, base: str, username: str) -> Any:
    key = f"{base}/{username}"
    if key in PAGES:
        return PAGES[key]
    page = desk(username).new_page()
    PAGES[key] = page
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", "jianfu-demo-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/inbox")
    return page


def _open(page: Any, base: str, case_id: int, task_id: str) -> None:
    data = page.request.get(f"{base}/api/v1/cases/{case_id}").json()
    uuid = next(t["task_uuid"] for t in data["tasks"]
                if t["state"] == "open" and t["task_id"] == task_id)
    page.goto(f"{base}/cases/{case_id}/tasks/{uuid}")


def _submit(page: Any) -> None:
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


def test_request_town_review_approval_calendar_rating(live_app: Flask, live_server: str,
                                                     desk: Any, screenshots: Path) -> None:
    base = live_server
    problems: list[str] = []
    page = _log_in(desk, base, "mz_clerk")
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base}/inspections/")
    page.get_by_role("link", name="申请检查考核").click()
    page.fill("#f-title", TITLE)
    page.click("form[action*='/cases/new/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    _open(page, base, case_id, "draft_request")
    page.select_option("#f-inspection_type", "business")
    page.fill("#f-purpose", "检查低保台账")
    page.fill("#f-village_ids", str(_village_id(live_app)))
    page.fill("#f-window_start", "2026-04-13")
    page.fill("#f-window_end", "2026-04-14")
    page.fill("#f-people", "3")
    page.fill("#f-days", "1")
    page.fill("#f-materials", "低保名册")
    _submit(page)

    page = _log_in(desk, base, "mz_head")
    _open(page, base, case_id, "head_review")
    _decide(page, "head_decision", "approve")

    page = _log_in(desk, base, "dg_official")
    _open(page, base, case_id, "town_review")
    _decide(page, "town_decision", "agree")

    page = _log_in(desk, base, "nb_staff")
    _open(page, base, case_id, "approve_request")
    _decide(page, "approval_decision", "approve")

    page = _log_in(desk, base, "dg_cadre")
    page.goto(f"{base}/inspections/calendar")
    page.get_by_role("link", name=TITLE).wait_for()
    page.screenshot(path=str(screenshots / "inspection-calendar.png"), full_page=True)

    page = _log_in(desk, base, "mz_clerk")
    _open(page, base, case_id, "record_outcome")
    page.fill("#f-actual_start", "2026-04-13")
    page.fill("#f-actual_end", "2026-04-13")
    page.fill("#f-actual_people", "2")
    page.fill("#f-actual_days", "1")
    _submit(page)

    page = _log_in(desk, base, "dg_cadre")
    _open(page, base, case_id, "rate_burden")
    page.fill("#f-burden_rating", "2")
    page.fill("#f-rating_comment", "准备材料半天")
    _submit(page)
    page.goto(f"{base}/inspections/ledger")
    assert "2026-04" in page.content()
    assert page.request.get(f"{base}/api/v1/cases/{case_id}").json()["status"] == "closed"
    assert problems == []



def _village_id(app: Flask) -> int:
    with app.extensions["jianfu.db"].sessions() as db:
        vid = db.scalar(select(OrgUnit.id).where(OrgUnit.code == "dgz-v1"))
    assert vid is not None
    return int(vid)
