"""Pages that did not fit (issue 18, item 5), in Chromium: a 区委农办 head's inbox with seven
tasks on a 390 x 844 phone is a list of compact cards (it was about 5,800 px long), in
Chinese and, on a desktop, in English; the time-travel page keeps its process diagram inside
the screen (it made the page 3,317 px wide on a 1,280 px screen)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from models import Case
from tests.browser.helpers import log_in
from webapp.complaints.settings import EXTENSION
from workflows.complaints import filing
from workflows.complaints.filing import filing_options

MAX_PHONE_PAGE = 4200  # px for seven tasks (was about 5,800)
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


def _file_three(app: Flask) -> None:
    with app.extensions["jianfu.db"].sessions() as db:
        towns = [t for t in filing_options(db).towns if t[2]]
        for n in range(3):
            town = towns[n]
            filing.file_complaint(db, {
                "category": "too_many_meetings", "town_id": town[0], "village_id": town[2][0][0],
                "description": f"镇里每周要求村干部参加三次会议，耽误农忙。（第{n + 1}件）",
                "anonymous": True}, [], settings=app.extensions[EXTENSION])


def _size(page: Any) -> tuple[int, int]:
    width, height = page.evaluate("[document.documentElement.scrollWidth, "
                                  "document.documentElement.scrollHeight]")
    return int(width), int(height)


def test_seven_tasks_on_a_phone(live_server: str, live_app: Flask, phone: Any,
                                chromium: Any, screenshots: Path) -> None:
    _file_three(live_app)
    log_in(phone, live_server, "nb_head")
    rows = phone.locator("tr.task-row")
    assert rows.count() == 7
    width, height = _size(phone)
    phone.screenshot(path=str(screenshots / "issue18-inbox-seven-phone-zh.png"), full_page=True)
    assert width <= 390 and height <= MAX_PHONE_PAGE, (width, height)
    # Every action is still there: claim, open, the quick decision with its unit picker.
    first = rows.nth(0)
    assert first.get_by_role("link", name="打开表单").is_visible()
    assert phone.locator("tr.task-row select[name=responsible_unit_id]").count() >= 1

    context = chromium.new_context(**DESKTOP)
    desk = context.new_page()
    try:
        log_in(desk, live_server, "nb_head")
        desk.goto(f"{live_server}/inbox?lang=en")
        assert desk.locator("tr.task-row").count() == 7
        assert _size(desk)[0] <= 1280
        assert desk.get_by_role("link", name="Open the form").first.is_visible()
        desk.screenshot(path=str(screenshots / "issue18-inbox-seven-desktop-en.png"),
                        full_page=True)
    finally:
        context.close()


def test_the_time_travel_diagram_stays_on_screen(live_server: str, live_app: Flask,
                                                 phone: Any, chromium: Any,
                                                 screenshots: Path) -> None:
    with live_app.extensions["jianfu.db"].sessions() as db:
        case_id = db.scalar(select(Case.id).where(Case.case_type == "burden_complaint",
                                                  Case.status == "verification"))
    assert case_id is not None
    context = chromium.new_context(**DESKTOP)
    desk = context.new_page()
    try:
        log_in(desk, live_server, "dc_staff")
        desk.goto(f"{live_server}/audit/cases/{case_id}/at/3?lang=en")
        desk.locator("#diagram-at svg").wait_for()
        assert _size(desk)[0] <= 1280, _size(desk)
        desk.screenshot(path=str(screenshots / "issue18-time-travel-desktop-en.png"),
                        full_page=True)
    finally:
        context.close()
    log_in(phone, live_server, "dc_staff")
    phone.goto(f"{live_server}/audit/cases/{case_id}/at/3?lang=zh_CN")
    phone.locator("#diagram-at svg").wait_for()
    assert _size(phone)[0] <= 390, _size(phone)
    phone.screenshot(path=str(screenshots / "issue18-time-travel-phone-zh.png"), full_page=True)
