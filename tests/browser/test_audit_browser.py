"""An auditor in a real browser (Chromium): opens a complaint's audit history, steps through
time event by event (next, then previous), opens the replay certificate and downloads its
printable version (saved under test-output/audit/ as HTML and PDF); verifies the history
from the audit page. The supervision office opens the dashboard and follows a chart bar to
the cases behind it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from models import Case, CaseEvent
from tests.browser.conftest import REPO
from tests.browser.helpers import log_in_new_page

OUT = REPO / "test-output" / "audit"


@pytest.fixture
def desk(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                   accept_downloads=True)
    context.set_default_timeout(20000)  # a busy CI machine: logins hash with argon2
    try:
        yield context
    finally:
        context.close()


def _busiest_complaint(app: Flask) -> tuple[int, int]:
    with app.extensions["jianfu.db"].sessions() as db:
        rows = db.execute(
            select(CaseEvent.case_id, func.count())
            .join(Case, Case.id == CaseEvent.case_id)
            .where(Case.case_type == "burden_complaint")
            .group_by(CaseEvent.case_id)
        ).all()
    case_id, events = max(rows, key=lambda r: (r[1], r[0]))
    return int(case_id), int(events)


def _at(page: Any, case_id: int) -> int:
    """The event the time-travel page shows (from its address and its event line)."""
    match = re.search(rf"/audit/cases/{case_id}/at/(\d+)$", page.url)
    assert match, page.url
    seq = int(match.group(1))
    assert page.locator("#current-event").inner_text().startswith(f"#{seq} ")
    return seq


def test_history_time_travel_and_certificate(live_server: str, live_app: Flask, desk: Any,
                                             screenshots: Path) -> None:
    base = live_server
    case_id, events = _busiest_complaint(live_app)
    assert events >= 3
    problems: list[str] = []
    page = log_in_new_page(desk, base, "auditor")
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    page.goto(f"{base}/audit/cases/{case_id}")
    assert page.locator("li.event").count() == events
    page.locator(f"a[href='/audit/cases/{case_id}/at/1']").first.click()
    assert _at(page, case_id) == 1
    assert page.locator("a[rel=prev]").count() == 0
    seen_status = [page.locator("#status-at").inner_text()]
    for expected in range(2, events + 1):
        page.locator("a[rel=next]").click()
        assert _at(page, case_id) == expected
        seen_status.append(page.locator("#status-at").inner_text())
    assert page.locator("a[rel=next]").count() == 0
    assert len(set(seen_status)) >= 2, seen_status  # the case moved on
    page.screenshot(path=str(screenshots / "audit-time-travel.png"), full_page=True)
    page.locator("a[rel=prev]").click()
    assert _at(page, case_id) == events - 1

    page.goto(f"{base}/audit/cases/{case_id}")
    page.locator(f"a[href='/audit/cases/{case_id}/certificate']").click()
    page.wait_for_url(f"**/audit/cases/{case_id}/certificate")  # the click navigates
    page.locator("#verdict").wait_for()
    assert page.locator("#verdict.ok").count() == 1
    final_hash = page.locator("#final-hash").inner_text()
    page.locator("a[href$='print=1']").click()
    page.wait_for_url(re.compile(r"print=1"))
    assert page.locator("#final-hash").inner_text() == final_hash
    # a document: the case named, no staff menu or log-out button (issue 18, item 10)
    assert page.locator("nav").count() == 0 and page.locator("text=退出登录").count() == 0
    assert page.locator(".doc-case", has_text=f"案件 {case_id}").count() == 1
    OUT.mkdir(parents=True, exist_ok=True)
    html_file = OUT / f"certificate-case-{case_id}.html"
    html_file.write_text(page.content(), encoding="utf-8")
    pdf_file = OUT / f"certificate-case-{case_id}.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf_file), format="A4")
    assert final_hash in html_file.read_text(encoding="utf-8")
    assert pdf_file.read_bytes()[:5] == b"%PDF-" and pdf_file.stat().st_size > 2000

    # The audit page: verify now, and the verdict is shown.
    page.goto(f"{base}/audit")
    page.click("#verify-now")
    page.locator("#last-verdict.ok").wait_for()
    assert problems == []


def test_dashboard_chart_bars_lead_to_their_cases(live_server: str, desk: Any,
                                                  screenshots: Path) -> None:
    page = log_in_new_page(desk, live_server, "dc_staff")
    page.locator("nav.main a[href='/audit/dashboard']").click()
    chart = page.locator("svg#chart-filed")
    chart.wait_for()
    page.screenshot(path=str(screenshots / "supervision-dashboard.png"), full_page=True)
    bar = chart.locator("a.chart-link").first
    shown = bar.locator("text.chart-value").text_content()
    assert shown is not None and shown.isdigit()
    bar.click()
    page.locator("#case-count").wait_for()
    assert page.locator("#case-count").inner_text() == shown
    assert page.locator("tr.case-row").count() == int(shown)
