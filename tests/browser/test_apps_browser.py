"""Apps and work groups in a real browser (Chromium): on a 390 x 844 phone, with and
without JavaScript, a village cadre opens the village's apps page and flags an app that is
not registered, which opens the burden complaint form pre-filled with the category for apps
and check-ins and the village; on a desktop, 区委农办 sees the burden estimate and the
duplicate check on the task page, the supervision office the apps aspect, the auditor the
certificate with the estimate. Screenshots in test-output/browser/apps-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models import Base, Case, HumanTask, OrgUnit
from models.db import make_engine, make_sessionmaker
from tests.browser.conftest import REPO
from tests.browser.helpers import log_in
from workflows.demo import loader as demo

WAITING_CASE = "防汛值班打卡小程序（演示）"
REGISTERED_CASE = "防汛值守打卡APP（演示）"


@pytest.fixture(scope="module")
def browser_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full demo (its apps and groups come with the inspections' demo)."""
    path = tmp_path_factory.mktemp("apps-browser") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, REPO / "bpmn", inspections=True)
    engine.dispose()
    return path


@pytest.fixture
def desktop(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _village(live_app: Any) -> int:
    with live_app.extensions["jianfu.db"].sessions() as session:
        found = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "dgz-v1"))
        assert found is not None
        return int(found)


def _flag(page: Any, base: str, village: int, shots: Path, name: str) -> None:
    page.set_default_timeout(20000)
    log_in(page, base, "dg_cadre")
    page.goto(f"{base}/apps/village")
    assert "防汛值守打卡APP" in page.inner_text("main")
    assert page.locator("#village-totals").inner_text().startswith("已登记 2 个应用和工作群")
    page.screenshot(path=str(shots / f"apps-{name}-village.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#flag-app")
    page.wait_for_url(f"{base}/report?*")
    assert page.locator("select[name=category]").input_value() == "apps_and_checkins"
    assert page.locator("select[name=village_id]").input_value() == str(village)
    page.screenshot(path=str(shots / f"apps-{name}-flag-form.png"), full_page=True)


def test_a_cadre_flags_an_unregistered_app_on_a_phone(phone: Any, live_server: str,
                                                      live_app: Any, screenshots: Path) -> None:
    _flag(phone, live_server, _village(live_app), screenshots, "phone")


def test_the_flag_works_without_javascript(no_js_phone: Any, live_server: str, live_app: Any,
                                           screenshots: Path) -> None:
    _flag(no_js_phone, live_server, _village(live_app), screenshots, "phone-nojs")


def _task(live_app: Any, title: str) -> tuple[int, str]:
    with live_app.extensions["jianfu.db"].sessions() as session:
        row = session.execute(select(Case.id, HumanTask.task_uuid)
                              .join(HumanTask, HumanTask.case_id == Case.id)
                              .where(Case.title == title, HumanTask.state == "open")).one()
        return int(row[0]), str(row[1])


def test_the_approver_the_supervisor_and_the_auditor_on_a_desktop(
        desktop: Any, live_server: str, live_app: Any, screenshots: Path) -> None:
    case_id, uuid = _task(live_app, WAITING_CASE)
    log_in(desktop, live_server, "nb_staff")
    for lang in ("zh_CN", "en"):
        desktop.goto(f"{live_server}/cases/{case_id}/tasks/{uuid}?lang={lang}")
        assert "31.3" in desktop.locator("#burden-hours").inner_text()
        assert "防汛值守打卡APP" in desktop.locator("#app-panel").inner_text()
        desktop.screenshot(path=str(screenshots / f"apps-task-{lang}.png"), full_page=True)
    desktop.goto(f"{live_server}/apps?lang=zh_CN")
    desktop.screenshot(path=str(screenshots / "apps-registry-zh_CN.png"), full_page=True)
    desktop.context.clear_cookies()
    log_in(desktop, live_server, "dc_staff")
    desktop.goto(f"{live_server}/audit/dashboard/apps")
    assert desktop.locator("#apps-per-village").count() == 1
    desktop.screenshot(path=str(screenshots / "apps-aspect-zh_CN.png"), full_page=True)
    desktop.context.clear_cookies()
    log_in(desktop, live_server, "auditor")
    registered = _case_id(live_app, REGISTERED_CASE)
    desktop.goto(f"{live_server}/audit/cases/{registered}/certificate")
    assert desktop.locator("#certificate-burden").count() == 1
    desktop.screenshot(path=str(screenshots / "apps-certificate-zh_CN.png"), full_page=True)


def _case_id(live_app: Any, title: str) -> int:
    with live_app.extensions["jianfu.db"].sessions() as session:
        found = session.scalar(select(Case.id).where(Case.title == title))
        assert found is not None
        return int(found)


def test_a_clerk_reads_the_registry_and_asks_for_a_merger(
        desktop: Any, phone: Any, live_server: str, live_app: Any, screenshots: Path) -> None:
    """The registry, an app's page and the merge request as 区民政局's clerk (both languages,
    desktop), and the village page in English on the phone."""
    civil = _case_id(live_app, "民政业务工作群（演示）")
    log_in(desktop, live_server, "mz_clerk")
    for lang in ("zh_CN", "en"):
        desktop.goto(f"{live_server}/apps?lang={lang}&status=all")
        assert desktop.locator("tr.app-row").count() == 3
        desktop.screenshot(path=str(screenshots / f"apps-list-{lang}.png"), full_page=True)
        desktop.goto(f"{live_server}/apps/{civil}?lang={lang}")
        assert desktop.locator("#versions li.version").count() == 2
        desktop.screenshot(path=str(screenshots / f"apps-app-{lang}.png"), full_page=True)
        desktop.goto(f"{live_server}/apps/request?app_change=merge&app_id={civil}&lang={lang}")
        assert desktop.locator("#merge_into_id option").count() == 1
        desktop.screenshot(path=str(screenshots / f"apps-request-{lang}.png"), full_page=True)
    desktop.click("main form[action$='/apps/request'] button[type=submit]")
    desktop.wait_for_url(f"{live_server}/cases/*/tasks/*")
    assert desktop.locator("#app-panel").count() == 1
    desktop.screenshot(path=str(screenshots / "apps-merge-draft-en.png"), full_page=True)
    phone.set_default_timeout(20000)
    log_in(phone, live_server, "dg_cadre")
    phone.goto(f"{live_server}/apps/village?lang=en")
    assert "Report an unregistered app or group" in phone.inner_text("#flag")
    phone.screenshot(path=str(screenshots / "apps-phone-village-en.png"), full_page=True)
