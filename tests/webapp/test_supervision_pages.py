"""Issue 7 items 4-6 on the web: the audit page (last verification, breaks, "verify now"),
the supervision dashboard (every number links to its cases and equals their count; SVG
charts; CSV and XLSX), sampling; and every role x every audit and dashboard page."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select, text

from models import AuditRun, Base, Case, User
from models.db import make_engine, make_sessionmaker
from tests.integration import dashboard_world
from tests.webapp.conftest import PASSWORD, PUBLIC_CONFIG, csrf_token
from webapp import create_app
from workflows.demo import loader as demo
from workflows.supervision import dashboard, dashboard_export

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
METRIC_FILED = "投诉数"  # complaints.filed in zh_CN
NUMBER_LINK = re.compile(r'<a href="(/audit/dashboard/cases\?[^"]+)">([^<]+)</a>')
AUDITORS = {"auditor", "dc_staff"}
DASHBOARD = {"dc_staff", "nb_staff", "nb_head", "auditor"}  # auditors read it (issue 18)
SUPERVISORS = {"dc_staff"}


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo plus complaints at every outcome (tests/integration/dashboard_world.py)."""
    path = tmp_path_factory.mktemp("supervision-world") / "world.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, BPMN_DIR)
        dashboard_world.build(session)
    engine.dispose()
    return path


@pytest.fixture
def app(world_db: Path, tmp_path: Path) -> Iterator[Flask]:
    shutil.copy(world_db, tmp_path / "t.db")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "SECRET_KEY": "test", **PUBLIC_CONFIG})
    yield app
    app.extensions["jianfu.db"].engine.dispose()


def login(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": PASSWORD,
                                "csrf_token": token})
    return client


def post(client: FlaskClient, page: str, url: str, data: dict[str, Any]) -> Any:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def db(app: Flask) -> Any:
    return app.extensions["jianfu.db"].sessions()


# ------------------------------------------------------------------ permissions


def test_every_role_and_every_audit_and_dashboard_page(app: Flask) -> None:
    """Every user (every role of the demo) x every page: 2xx only where allowed, else 404
    (never a 403 that confirms the page exists); nobody logged out gets in."""
    with db(app) as session:
        users = list(session.scalars(select(User.username)))
        case_id = session.scalar(select(Case.id).where(Case.case_type == "burden_complaint"))
    drawn = login(app, "dc_staff")
    done = post(drawn, "/audit/sampling", "/audit/sampling", {"size": "2", "seed": "perm",
                                                               "case_types": "burden_complaint"})
    draw_page = urlsplit(done.headers["Location"]).path
    key = "all:all@all"
    pages: dict[str, set[str]] = {
        f"/audit/cases/{case_id}": AUDITORS, f"/audit/cases/{case_id}/at/1": AUDITORS,
        f"/audit/cases/{case_id}/certificate": AUDITORS,
        f"/audit/cases/{case_id}/certificate?print=1": AUDITORS,
        "/audit": AUDITORS,
        "/audit/dashboard": DASHBOARD, "/audit/dashboard?dim=village&period=2026-10": DASHBOARD,
        f"/audit/dashboard/cases?metric=complaints.filed&key={key}": DASHBOARD,
        "/audit/dashboard.csv": DASHBOARD, "/audit/dashboard.xlsx": DASHBOARD,
        "/audit/sampling": SUPERVISORS, draw_page: SUPERVISORS,
    }
    posts: dict[str, set[str]] = {"/audit/verify": AUDITORS, "/audit/sampling": SUPERVISORS}
    unauthorized_2xx = []
    allowed = 0
    for user in users:
        client = login(app, user)
        token = csrf_token(client.get("/inbox").get_data(as_text=True))
        for page, who in pages.items():
            status = client.get(page).status_code
            if user in who:
                assert status == 200, (user, page, status)
                allowed += 1
            else:
                if 200 <= status < 300:
                    unauthorized_2xx.append((user, page))
                assert status == 404, (user, page, status)
        for url, who in posts.items():
            data = {"csrf_token": token, "size": "1", "seed": f"p-{user}",
                    "case_types": "report_form_approval"}
            status = client.post(url, data=data).status_code
            if user in who:
                assert status in (302, 303), (user, url, status)
            else:
                if status < 400:
                    unauthorized_2xx.append((user, url))
                assert status == 404, (user, url, status)
    assert unauthorized_2xx == []
    assert allowed == sum(len(who & set(users)) for who in pages.values())
    anonymous = app.test_client()
    for page in pages:
        assert anonymous.get(page).status_code in (302, 401)
    for url in posts:  # no session: the CSRF check refuses first, nothing runs
        assert anonymous.post(url).status_code in (302, 400, 401)


# ------------------------------------------------------------------ the dashboard


def linked_count(client: FlaskClient, href: str) -> tuple[int, str]:
    """The number of cases a number's link lists, and the value that page states."""
    page = client.get(html.unescape(href))
    assert page.status_code == 200, href
    body = page.get_data(as_text=True)
    count = int(re.search(r'id="case-count">(\d+)<', body).group(1))  # type: ignore[union-attr]
    assert count == len(re.findall(r'class="case-row"', body))
    value = re.search(r'id="metric-value">([^<]*)<', body).group(1)  # type: ignore[union-attr]
    return count, value.strip()


@pytest.mark.parametrize("query", ["", "?dim=unit&period=2026-10"])
def test_every_number_equals_the_cases_behind_its_link(app: Flask, query: str) -> None:
    client = login(app, "nb_staff")
    page = client.get(f"/audit/dashboard{query}").get_data(as_text=True)
    links = NUMBER_LINK.findall(page)
    assert len(links) > 100
    counts: dict[str, int] = {}

    values: dict[tuple[str, str], str] = {}

    def count(metric: str, key: str) -> int:
        target = "/audit/dashboard/cases?" + urlencode({"metric": metric, "key": key})
        if target not in counts:
            counts[target], values[(metric, key)] = linked_count(client, target)
        return counts[target]

    for href, shown in links:
        args = parse_qs(urlsplit(html.unescape(href)).query)
        metric, key = args["metric"][0], args["key"][0]
        if metric in dashboard.RATES:
            top, bottom = dashboard.RATES[metric]
            num, den = count(top, key), count(metric, key)
            assert den == count(bottom, key)
            assert shown == ("—" if not den else f"{num / den * 100:.1f}%"), (metric, key)
        elif metric in dashboard.DIFFERENCES:
            plus, minus = dashboard.DIFFERENCES[metric]
            assert int(shown) == count(plus, key) - count(minus, key)
        elif metric in dashboard.AVERAGES or metric in dashboard.AMOUNTS:
            # An amount (hours, people-days) or an average: the case page shows the same
            # number, and its cases are those that contribute to it.
            assert count(metric, key) >= (1 if shown not in ("0", "—") else 0)
            assert values[(metric, key)] == shown, (metric, key)
        else:
            assert int(shown) == count(metric, key), (metric, key, shown)


def test_the_dashboard_shows_every_part_and_draws_svg_charts(app: Flask) -> None:
    page = login(app, "dc_staff").get("/audit/dashboard").get_data(as_text=True)
    assert 'id="not-built"' not in page  # every part of the dashboard exists now
    for section in ("complaints", "report-forms", "items", "inspections", "meetings",
                    "ledger"):
        assert f'id="section-{section}"' in page, section
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", page, re.S)
    assert len(svgs) >= 2
    for svg in svgs:
        assert " style=" not in svg and "<script" not in svg
        assert re.search(r'<a href="/audit/dashboard/cases\?metric=', svg)
    assert "2026-09" in svgs[0] and "2026-11" in svgs[0]
    assert "<script" not in page and " style=" not in page


def test_csv_and_xlsx_hold_every_number(app: Flask) -> None:
    client = login(app, "dc_staff")
    with db(app) as session:
        board = dashboard.build(session, dashboard.utcnow())
    got = client.get("/audit/dashboard.csv")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert "attachment" in got.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(got.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["类别", "指标", "按"]
    assert len(rows) - 1 == len(dashboard_export.every_cell(board))
    # The row of the total filed complaints names exactly the cases behind it.
    ids = sorted(board.cases("complaints.filed", "all:all@all"))
    wanted = [METRIC_FILED, "all", "all", str(len(ids)), " ".join(map(str, ids))]
    assert any([r[1], r[3], r[5], r[6], r[9]] == wanted for r in rows[1:])
    book = load_workbook(io.BytesIO(client.get("/audit/dashboard.xlsx").get_data()))
    sheet = book.active
    assert sheet is not None and sheet.max_row == len(rows)
    cells = [["" if c.value is None else str(c.value) for c in row]
             for row in sheet.iter_rows(min_row=2)]
    assert any([r[1], r[3], r[5], r[6], r[9]] == wanted for r in cells)


# ------------------------------------------------------------------ the audit page


def test_verify_now_records_a_run_and_the_page_shows_breaks(app: Flask) -> None:
    client = login(app, "auditor")
    assert "尚未校验" in client.get("/audit").get_data(as_text=True)
    assert client.post("/audit/verify").status_code == 400  # no CSRF token
    done = post(client, "/audit", "/audit/verify", {})
    assert done.status_code == 302
    page = client.get("/audit").get_data(as_text=True)
    assert 'class="verdict ok" id="last-verdict"' in page
    with db(app) as session:
        run = session.scalar(select(AuditRun))
        assert run is not None and run.ok and run.source == "web" and run.events_checked > 0
        session.execute(text("UPDATE case_event SET inputs = '{}' WHERE case_id = 2 AND seq = 2"))
        session.commit()
    post(client, "/audit", "/audit/verify", {})
    page = client.get("/audit").get_data(as_text=True)
    assert 'class="verdict broken" id="last-verdict"' in page
    problems = page.split('id="last-problems"')[1].split("</ul>")[0]
    assert "case 2" in problems and "event 2" in problems and "/audit/cases/2" in problems
    with db(app) as session:
        session.execute(text("DELETE FROM audit_run WHERE ok = :f"), {"f": False})
        session.commit()


# ------------------------------------------------------------------ sampling


def test_sampling_draws_and_shows_a_draw_that_repeats(app: Flask) -> None:
    client = login(app, "dc_staff")
    bad = post(client, "/audit/sampling", "/audit/sampling", {"size": "0", "seed": "a b"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert 'data-field="size"' in body and 'data-field="seed"' in body
    done = post(client, "/audit/sampling", "/audit/sampling",
                {"size": "3", "seed": "web-draw",
                 "case_types": ["burden_complaint", "report_form_approval"]})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'class="verdict ok" id="draw-verdict"' in page
    assert '<code id="draw-seed">web-draw</code>' in page
    assert len(re.findall(r"<tr><td><a href=\"/audit/cases/\d+\">", page)) == 3
    listing = client.get("/audit/sampling").get_data(as_text=True)
    assert "web-draw" in listing
    # The reviews wait in 区委督查办's inbox.
    inbox = client.get("/inbox").get_data(as_text=True)
    assert inbox.count("督查复查") >= 3
