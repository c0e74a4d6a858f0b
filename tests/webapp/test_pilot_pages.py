"""The pages of measures 7 and 8 (issue 14, items 6-8; docs/pilots.md): every demo role x
every pilots route (0 unauthorized 2xx, a 404 rather than a 403), a town's plan check
through the generic start and task pages with its evidence uploaded, the administrator's
variant deployment through the page, and the dashboard's pilots section."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import Attachment, Case, OrgUnit, ProcessVersion, User
from tests.webapp.conftest import PUBLIC_CONFIG, Web, csrf_token, demo_db, jpeg_bytes
from webapp import create_app
from webapp.core.auth import _fingerprint
from workflows.kernel import access
from workflows.kernel.ids import PlanCheckTask

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
VARIANT = (BPMN / "pilots" / "burden_complaint.bpmn").read_bytes()


@pytest.fixture(scope="module")
def pilots_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_db(tmp_path_factory.mktemp("pilots") / "demo.db", pilots=True)


@pytest.fixture
def app(pilots_db: Path, tmp_path: Path) -> Iterator[Flask]:
    import shutil

    shutil.copy(pilots_db, tmp_path / "t.db")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "SECRET_KEY": "test", "WTF_CSRF_ENABLED": True, **PUBLIC_CONFIG})
    yield app
    app.extensions["jianfu.db"].engine.dispose()


def _ids(app: Flask) -> dict[str, Any]:
    with app.extensions["jianfu.db"].sessions() as db:
        unit = {u.code: u.id for u in db.scalars(select(OrgUnit))}
        plan = db.scalar(select(Case.id).where(Case.case_type == "five_year_plan_check",
                                               Case.scope_org_unit_id == unit["dgz"]))
        users = {}
        for user in db.scalars(select(User).order_by(User.username)):
            actor = access.load_actor(db, user.id)
            users[user.username] = ((user.id, _fingerprint(user), int(time.time())),
                                    actor.role_names(),
                                    any(r == access.CLERK and u == unit["dgz"]
                                        for r, u, _ in actor.roles))
        variant = db.scalar(select(ProcessVersion.id).where(
            ProcessVersion.bound_unit_id == unit["dgz"]))
        standard = db.scalar(select(ProcessVersion.id).where(
            ProcessVersion.process_id == "burden_complaint",
            ProcessVersion.bound_unit_id.is_(None)))
    return {"unit": unit, "plan": plan, "users": users, "variant": variant,
            "standard": standard}


def _as(app: Flask, session_values: tuple[int, str, int]) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as sess:  # as /login leaves it, without Argon2
        sess["uid"], sess["fp"], sess["since"] = session_values
    return client


def _counts(app: Flask) -> tuple[int, int]:
    with app.extensions["jianfu.db"].sessions() as db:
        return (int(db.scalar(select(func.count()).select_from(Attachment)) or 0),
                int(db.scalar(select(func.count()).select_from(ProcessVersion)) or 0))


def test_every_role_and_pilots_route_gives_no_unauthorized_2xx(app: Flask) -> None:
    ids = _ids(app)
    town, village = ids["unit"]["dgz"], ids["unit"]["dgz-v1"]
    reads = ["/pilots", "/pilots/plans", "/pilots/variants", "/pilots/practices",
             "/pilots/practices?town=" + str(town) + "&status=adopted",
             f"/pilots/towns/{town}", f"/pilots/variants/{ids['variant']}"]
    admin_pages = ["/admin/versions/variant"]
    missing = [f"/pilots/towns/{village}", "/pilots/towns/99999", "/pilots/variants/99999",
               f"/pilots/variants/{ids['standard']}"]
    anonymous = app.test_client()
    for page in reads + admin_pages + missing:
        assert anonymous.get(page).status_code in (302, 401, 404), page
    token_page = "/pilots"
    unauthorized, checked = [], 0
    for username, (session_values, roles, dgz_clerk) in ids["users"].items():
        client = _as(app, session_values)
        staff = bool(roles)
        for page in reads:
            code = client.get(page).status_code
            checked += 1
            if code < 300 and not staff:
                unauthorized.append((username, page, code))
            assert code == (200 if staff else 404) or not staff, (username, page, code)
        for page in admin_pages:
            code = client.get(page).status_code
            checked += 1
            if code < 300 and access.ADMIN not in roles:
                unauthorized.append((username, page, code))
        for page in missing:
            assert client.get(page).status_code == 404, (username, page)
        token = csrf_token(client.get(token_page).get_data(as_text=True)) if staff else ""
        before = _counts(app)
        deploy = client.post("/admin/versions/variant", data={
            "csrf_token": token, "town_id": str(town), "summary": "时限五日",
            "files": (io.BytesIO(VARIANT.replace(b"Pilot variant", b"Pilot " + username.encode())),
                      "burden_complaint.bpmn")}, content_type="multipart/form-data")
        checked += 1
        after = _counts(app)
        if access.ADMIN in roles:
            assert deploy.status_code == 302 and after[1] == before[1] + 1, username
        else:
            assert deploy.status_code in (302, 400, 403, 404), (username, deploy.status_code)
            assert after[1] == before[1], username
        evidence = client.post(f"/pilots/cases/{ids['plan']}/evidence", data={
            "csrf_token": token, "file": (io.BytesIO(jpeg_bytes()), "plan.jpg")},
            content_type="multipart/form-data")
        checked += 1
        added = _counts(app)[0] - after[0]
        if dgz_clerk:
            assert evidence.status_code == 302 and added == 1, username
        else:
            assert evidence.status_code in (302, 400, 403, 404), (username, evidence.status_code)
            assert added == 0, (username, evidence.status_code)
            if evidence.status_code < 300:
                unauthorized.append((username, "evidence", evidence.status_code))
    assert checked > 100
    assert not unauthorized


def _task_url(web: Web, case_id: int, task_id: str) -> str:
    data = web.client.get(f"/api/v1/cases/{case_id}").get_json()
    uuids = [t["task_uuid"] for t in data["tasks"]
             if t["state"] == "open" and t["task_id"] == task_id]
    assert uuids, data
    return f"/cases/{case_id}/tasks/{uuids[0]}"


def test_a_town_reports_its_plan_and_the_office_checks_it(app: Flask) -> None:
    with app.extensions["jianfu.db"].sessions() as db:
        web = Web(app.test_client(), db)
        assert web.login("ht_clerk").status_code == 302
        start = "/cases/new/five_year_plan_check"
        page = web.client.get(start).get_data(as_text=True)
        assert "names_burden_reduction" in page
        # named but no section: refused, naming the field
        bad = web.post_form(start, start, {"title": "河图镇十四五规划", "excerpt": "",
                                           "names_burden_reduction": "y",
                                           "section_reference": "", "form_key": "k1"})
        assert bad.status_code == 422
        assert "section_reference" in bad.get_data(as_text=True)
        ok = web.post_form(start, start, {"title": "河图镇十四五规划", "excerpt": "减负",
                                          "names_burden_reduction": "y",
                                          "section_reference": "第七章", "form_key": "k2"})
        assert ok.status_code == 302
        case_id = int(ok.headers["Location"].rstrip("/").split("/")[-1])
        town = db.scalar(select(OrgUnit.id).where(OrgUnit.code == "htz"))
        db.rollback()
        card = f"/pilots/towns/{town}"
        up = web.client.post(f"/pilots/cases/{case_id}/evidence", data={
            "csrf_token": csrf_token(web.client.get(card).get_data(as_text=True)),
            "file": (io.BytesIO(jpeg_bytes()), "plan.jpg")}, content_type="multipart/form-data")
        assert up.status_code == 302 and up.headers["Location"].endswith(card)
        plans = web.client.get("/pilots/plans").get_data(as_text=True)
        assert "第七章" in plans
        web.client.post("/logout", data={"csrf_token": csrf_token(plans)})
        assert web.login("nb_staff").status_code == 302
        task = _task_url(web, case_id, PlanCheckTask.CHECK_PLAN)
        no_reason = web.post_form(task, task, {"plan_decision": "return", "comment": ""})
        assert no_reason.status_code == 422
        done = web.post_form(task, task, {"plan_decision": "confirm", "comment": ""})
        assert done.status_code == 302
        text = web.client.get(card).get_data(as_text=True)
        assert "已核查" in text and "区委农办工作人员" in text
        dashboard = web.client.get("/audit/dashboard").get_data(as_text=True)
        assert "第七章" in dashboard  # 区委农办 sees the town's row on the dashboard too


def test_the_dashboard_shows_the_plans_and_the_comparison(app: Flask) -> None:
    with app.extensions["jianfu.db"].sessions() as db:
        web = Web(app.test_client(), db)
        web.login("dc_staff")
        html = web.client.get("/audit/dashboard").get_data(as_text=True)
        assert 'id="section-pilots"' in html and 'id="variant-comparison"' in html
        assert "大观镇" in html and "100%" in html
        cards = web.client.get("/audit/scorecards").get_data(as_text=True)
        assert 'id="section-town-cards"' in cards and "/pilots/towns/" in cards
        menu = web.client.get("/inbox").get_data(as_text=True)
        assert 'id="nav-pilots"' in menu
        en = web.client.get("/pilots/variants?lang=en").get_data(as_text=True)
        assert "Variant and standard compared" in en and "Approved" in en


def test_the_variant_page_refuses_a_non_pilot_town_naming_the_field(app: Flask) -> None:
    with app.extensions["jianfu.db"].sessions() as db:
        web = Web(app.test_client(), db)
        web.login("admin")
        town = db.scalar(select(OrgUnit.id).where(OrgUnit.code == "nzz"))
        db.rollback()
        page = "/admin/versions/variant"
        html = web.client.get(page).get_data(as_text=True)
        assert "南城街道" not in html  # only the demonstration towns are offered
        listing = web.client.get("/admin/versions").get_data(as_text=True)
        assert "大观镇试点变体" in listing and "木凉镇试点变体" in listing
        response = web.client.post(page, data={
            "csrf_token": csrf_token(html), "town_id": str(town), "summary": "ab",
            "files": (io.BytesIO(VARIANT), "burden_complaint.bpmn")},
            content_type="multipart/form-data")
        assert response.status_code == 422
        assert "示范镇" in response.get_data(as_text=True)


def test_the_variant_page_shows_what_the_model_changes(app: Flask) -> None:
    ids = _ids(app)
    with app.extensions["jianfu.db"].sessions() as db:
        web = Web(app.test_client(), db)
        web.login("nb_head")
        html = web.client.get(f"/pilots/variants/{ids['variant']}").get_data(as_text=True)
    assert 'id="variant-changes"' in html
    # the real difference of the stored models, not only the note
    assert "working_days_after(limits[&#34;correction&#34;])" in html
    assert "working_days_after(min(limits[&#34;correction&#34;], 5))" in html
    assert "<svg" in html  # the variant's diagram
