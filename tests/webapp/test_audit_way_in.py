"""The auditor's way in (issue 18, item 9): an auditor lands on the cases to audit (not an
empty inbox), searches every case by number, title, process and status, reaches each
case's audit views from the list and from the case page, and has the dashboard and the
scorecards in the menu. Everyone else gets 404 on the list."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Case
from tests.webapp.conftest import Web
from workflows.demo.loader import DEMO_USERS

AUDITORS = {"auditor", "dc_staff"}


def logged_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    Web(client, None).login(username)  # type: ignore[arg-type]
    return client


def test_the_auditor_lands_on_the_cases_to_audit(app: Flask) -> None:
    page = logged_in(app, "auditor").get("/inbox").get_data(as_text=True)
    assert "审计案件" in page and 'id="audit-cases"' in page
    nav = page.split('<nav class="main"', 1)[1].split("</nav>", 1)[0]
    assert "审计案件" in nav and "/audit/dashboard" in nav
    assert "/audit/scorecards" in nav and "/inbox" not in nav
    # a clerk still lands on the inbox
    assert 'id="audit-cases"' not in logged_in(app, "mz_clerk").get("/inbox").get_data(
        as_text=True)


def test_every_case_is_found_by_number_title_process_and_status(app: Flask, db: object
                                                                ) -> None:
    client = logged_in(app, "auditor")
    session = db
    cases = list(session.scalars(select(Case)))  # type: ignore[attr-defined]
    session.rollback()  # type: ignore[attr-defined]
    listed = client.get("/audit/cases").get_data(as_text=True)
    assert f"找到 {len(cases)} 件案件" in listed
    target = cases[len(cases) // 2]
    by_number = client.get(f"/audit/cases?q={target.id}").get_data(as_text=True)
    assert f'href="/audit/cases/{target.id}"' in by_number
    by_title = client.get("/audit/cases", query_string={"q": target.title[:4]}).get_data(
        as_text=True)
    assert f'href="/audit/cases/{target.id}"' in by_title
    complaints = client.get("/audit/cases?type=burden_complaint").get_data(as_text=True)
    ids = {int(i) for i in re.findall(r'href="/audit/cases/(\d+)"', complaints)}
    assert ids == {c.id for c in cases if c.case_type == "burden_complaint"}
    closed = client.get("/audit/cases?status=closed").get_data(as_text=True)
    assert {int(i) for i in re.findall(r'href="/audit/cases/(\d+)"', closed)} == {
        c.id for c in cases if c.status == "closed"}
    assert "没有符合条件的案件" in client.get("/audit/cases?q=不存在的标题xyz").get_data(
        as_text=True)


def test_the_case_page_links_its_audit_view_for_auditors_only(app: Flask, db: object) -> None:
    case_id = db.scalar(select(Case.id).where(Case.case_type == "report_form_approval"))  # type: ignore[attr-defined]
    db.rollback()  # type: ignore[attr-defined]
    page = logged_in(app, "auditor").get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/audit/cases/{case_id}"' in page and "本案审计视图" in page
    clerk = logged_in(app, "mz_clerk").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "本案审计视图" not in clerk


def test_only_auditors_reach_the_list_and_they_reach_the_dashboard(app: Flask) -> None:
    for username, *_ in DEMO_USERS:
        client = logged_in(app, username)
        code = client.get("/audit/cases?q=1").status_code
        assert code == (200 if username in AUDITORS else 404), (username, code)
    auditor = logged_in(app, "auditor")
    assert auditor.get("/audit/dashboard").status_code == 200
    assert auditor.get("/audit/scorecards").status_code == 200
