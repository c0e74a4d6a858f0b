"""The department scorecard pages (/audit/scorecards) on the demo with its inspections and
meetings (workflows/inspections/demo.py): every demo user x every scorecard page (0
unauthorized 2xx, 404 rather than 403); a department's own card names no village and
withholds the comments below three rating villages; the district's cards name them; the
numbers link to the dashboard's case lists and agree with them; the CSV; the links from the
dashboard and /inspections."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Base, OrgKind, OrgUnit, User
from models.db import make_engine, make_sessionmaker
from webapp import create_app
from webapp.core.auth import _fingerprint
from workflows.demo import loader as demo
from workflows.inspections import demo as demo_inspections

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
FULL = {"nb_staff", "nb_head", "dc_staff", "auditor", "admin"}
OWN = {"mz_clerk": "qmzj", "mz_clerk2": "qmzj", "mz_head": "qmzj", "tj_clerk": "qtjj",
       "tj_head": "qtjj", "qnyw_clerk": "qnyw", "qnyw_head": "qnyw"}
NONE = {"ml_official", "xl_official", "ht_official", "nz_official", "sq_official",
        "office_qw", "office_qzf", "wx_approver", "dg_official", "dg_head", "dg_cadre", "dg_cadre2",
        "dg_cadre3"}
VILLAGE = "示例村"  # in every demo village's name


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scorecards") / "world.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        demo.load(session, BPMN_DIR, inspections=True)
    engine.dispose()
    return path


@pytest.fixture
def app(world_db: Path, tmp_path: Path) -> Iterator[Flask]:
    shutil.copy(world_db, tmp_path / "t.db")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "SECRET_KEY": "test"})
    yield app
    app.extensions["jianfu.db"].engine.dispose()


def as_user(app: Flask, username: str) -> FlaskClient:
    """A client logged in as /login leaves the session (without Argon2 each time)."""
    client = app.test_client()
    with app.extensions["jianfu.db"].sessions() as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        with client.session_transaction() as sess:
            sess["uid"], sess["fp"], sess["since"] = user.id, _fingerprint(user), int(time.time())
    return client


def units(app: Flask) -> dict[str, int]:
    with app.extensions["jianfu.db"].sessions() as db:
        return {code: uid for code, uid in db.execute(select(OrgUnit.code, OrgUnit.id))}


def departments(app: Flask) -> list[str]:
    with app.extensions["jianfu.db"].sessions() as db:
        return list(db.scalars(select(OrgUnit.code).where(
            OrgUnit.kind == OrgKind.DEPARTMENT.value)))


def test_every_user_and_every_scorecard_page(app: Flask) -> None:
    with app.extensions["jianfu.db"].sessions() as db:
        users = set(db.scalars(select(User.username)))
    assert users == FULL | set(OWN) | NONE  # a new demo user must be placed here
    ids, depts = units(app), departments(app)
    assert len(depts) == 16
    card = {code: f"/audit/scorecards/{ids[code]}" for code in depts}
    outside = [f"/audit/scorecards/{ids['dgz']}", f"/audit/scorecards/{ids['dgz-v1']}",
               "/audit/scorecards/99999999"]
    lists = ["/audit/scorecards", "/audit/scorecards?sort=people_days",
             "/audit/scorecards?sort=name"]
    unauthorized, allowed = [], 0
    for username in sorted(users):
        client = as_user(app, username)
        wanted: dict[str, bool] = {page: False for page in [*card.values(), *outside, *lists,
                                                            "/audit/scorecards.csv"]}
        if username in FULL:
            wanted.update({page: True for page in [*card.values(), *lists,
                                                   "/audit/scorecards.csv"]})
        elif username in OWN:
            wanted.update({card[OWN[username]]: True, **dict.fromkeys(lists, True)})
        for page, ok in wanted.items():
            status = client.get(page).status_code
            if ok:
                assert status == 200, (username, page, status)
                allowed += 1
            else:
                if 200 <= status < 300:
                    unauthorized.append((username, page))
                assert status == 404, (username, page, status)
    assert unauthorized == []
    assert allowed == len(FULL) * (16 + 3 + 1) + len(OWN) * (1 + 3)
    anonymous = app.test_client()
    for page in [*lists, card["qmzj"], "/audit/scorecards.csv"]:
        assert anonymous.get(page).status_code in (302, 401)
    assert as_user(app, "nb_staff").get("/audit/scorecards?sort=x").status_code in (400, 422)


def _page(app: Flask, username: str, code: str) -> str:
    response = as_user(app, username).get(f"/audit/scorecards/{units(app)[code]}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _main(page: str) -> str:
    """The page without its header (which names the user's roles and units)."""
    return page.split("<main>", 1)[1]


def test_a_departments_own_card_names_no_village(app: Flask) -> None:
    page = _main(_page(app, "mz_head", "qmzj"))
    assert 'id="own-only"' in page and VILLAGE not in page
    assert 'id="rating-list"' not in page and "/audit/dashboard" not in page
    assert re.search(r'id="rating-count">3<', page) and 'id="average">3.67<' in page
    assert re.search(r'id="raters">3<', page)
    comments = re.findall(r"<li><strong>(\d)</strong> · ([^<]+)</li>", page)
    # every village's comment (three villages rated), in the order of the ratings
    assert comments == sorted((str(r), html.escape(c)) for r, c in
                              demo_inspections.RATINGS.values())


def test_comments_wait_for_three_villages(app: Flask) -> None:
    page = _main(_page(app, "qnyw_clerk", "qnyw"))
    _cadre, rating, comment = demo_inspections.LONE_RATING
    assert 'id="comments-withheld"' in page and comment not in page
    assert VILLAGE not in page and 'id="comments"' not in page
    # one village: its rating is the average and the distribution, so neither is shown
    assert "data-rating=" not in page and f"{rating}.00" not in page
    # the district reads it with its village
    full = _main(_page(app, "dc_staff", "qnyw"))
    assert comment in full and "大观镇示例村1（演示）" in full and 'id="own-only"' not in full


def test_the_district_sees_every_village_beside_its_rating(app: Flask) -> None:
    page = _main(_page(app, "nb_staff", "qmzj"))
    rows = re.findall(r'<td class="village"[^>]*>([^<]+)</td>.*?<td class="comment"[^>]*>'
                      r"([^<]*)</td>", page, re.S)
    assert sorted(rows) == sorted(
        (f"大观镇示例村{n}（演示）", html.escape(c))
        for n, (_r, c) in zip((1, 2, 3), demo_inspections.RATINGS.values(), strict=True))


def test_numbers_link_to_the_dashboards_cases(app: Flask) -> None:
    client = as_user(app, "nb_staff")
    page = _main(_page(app, "nb_staff", "qmzj"))
    links = re.findall(r'<dd id="([a-z-]+)"><a href="(/audit/dashboard/cases\?[^"]+)">'
                       r"([^<]+)</a>", page)
    assert {name for name, _h, _v in links} >= {"requested", "approved", "meetings-requested",
                                                 "complaints-filed", "rating-count"}
    for name, href, shown in links:
        listed = client.get(html.unescape(href)).get_data(as_text=True)
        value = re.search(r'id="metric-value">([^<]*)<', listed)
        assert value is not None and value.group(1).strip() == shown, name
    # an auditor sees every card and reads the dashboard too (issue 18, item 9)
    assert "/audit/dashboard/cases?" in _main(_page(app, "auditor", "qmzj"))


def test_the_overview_sorted_by_burden_and_the_csv(app: Flask) -> None:
    page = as_user(app, "nb_staff").get("/audit/scorecards").get_data(as_text=True)
    names = re.findall(r'<tr data-unit="\d+"><th scope="row"><a href="[^"]+">([^<]+)</a>',
                       page)
    assert len(names) == 16 and names[:2] == ["区民政局", "区农业农村委"]
    own = as_user(app, "qnyw_head").get("/audit/scorecards").get_data(as_text=True)
    assert re.findall(r'<tr data-unit="(\d+)">', own) == [str(units(app)["qnyw"])]
    assert "scorecards.csv" not in own
    body = as_user(app, "auditor").get("/audit/scorecards.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "部门" and len(rows) == 17
    mz = next(r for r in rows if r[0] == "区民政局")
    header = rows[0]
    assert mz[header.index("平均负担（1-5）")] == "3.67"
    assert mz[header.index("在村人天数")] == "13"  # 3 villages x 3 x 1 + 2 villages x 2 x 1


def test_links_from_the_dashboard_and_the_inspections_page(app: Flask) -> None:
    dashboard = as_user(app, "nb_staff").get("/audit/dashboard").get_data(as_text=True)
    assert 'id="scorecards-link"' in dashboard
    for username, shown in (("mz_clerk", True), ("dc_staff", True), ("dg_official", False),
                            ("dg_cadre", False)):
        page = as_user(app, username).get("/inspections/").get_data(as_text=True)
        assert ('id="scorecards-link"' in page) is shown, username
