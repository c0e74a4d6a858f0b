"""Staff pages of complaints: hotline filing, the complaint panel (evidence, similar
complaints, identity custodian flow), public replies, response templates, the supervision
queue, and who may reach each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Case, CaseEvent
from tests.webapp.conftest import PASSWORD, PUBLIC_CONFIG, RECEIPT_CODE, Public, csrf_token
from webapp import create_app

PHONE = "13712345678"


@pytest.fixture
def app(template_db: Any, tmp_path: Any) -> Iterator[Flask]:
    import shutil

    shutil.copy(template_db, tmp_path / "t.db")
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


def hotline_filing(app: Flask, client: FlaskClient, **extra: str) -> tuple[int, str]:
    public = Public(app.test_client(), app)
    fields = {**public.filing(), "anonymous": "0", "name": "李四", "phone": PHONE, **extra}
    response = post(client, "/complaints/hotline", "/complaints/hotline", fields)
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    match = RECEIPT_CODE.search(response.get_data(as_text=True))
    assert match
    code = match.group(1).replace(" ", "")
    return public.case_id(code), code


def test_hotline_files_for_a_caller(app: Flask) -> None:
    nb = login(app, "nb_staff")
    page = nb.get("/complaints/hotline").get_data(as_text=True)
    assert "/complaints/hotline" in page and "热线" in page
    case_id, _code = hotline_filing(app, nb)
    with app.extensions["jianfu.db"].sessions() as db:
        case = db.get(Case, case_id)
        started = db.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id))
        assert case is not None and started is not None
        assert started.inputs["data"]["channel"] == "hotline"
        assert started.actor_role == "burden_office" and started.actor_id is not None
        assert PHONE not in case.data
    # Field errors name the field on the staff page too.
    bad = post(nb, "/complaints/hotline", "/complaints/hotline",
               {**Public(app.test_client(), app).filing(), "description": "短"})
    assert bad.status_code == 422 and "description" in bad.get_data(as_text=True)
    # Only 区委农办 files for callers.
    assert login(app, "mz_clerk").get("/complaints/hotline").status_code == 404


def test_identity_custodian_flow_on_the_case_page(app: Flask) -> None:
    nb, dc = login(app, "nb_staff"), login(app, "dc_staff")
    case_id, code = hotline_filing(app, nb)
    page = nb.get(f"/cases/{case_id}").get_data(as_text=True)
    assert PHONE not in page and "李四" not in page
    assert f"/cases/{case_id}/unseal/request" in page
    assert post(nb, f"/cases/{case_id}", f"/cases/{case_id}/unseal/request",
                {"reason": "需要电话核实会议名称"}).status_code == 302
    page = dc.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "需要电话核实会议名称" in page and f"/cases/{case_id}/unseal/decide" in page
    # Intake cannot approve its own request; the supervisor approves.
    assert post(nb, f"/cases/{case_id}", f"/cases/{case_id}/unseal/decide",
                {"approve": "1"}).status_code == 403
    assert post(dc, f"/cases/{case_id}", f"/cases/{case_id}/unseal/decide",
                {"approve": "1"}).status_code == 302
    shown = post(nb, f"/cases/{case_id}", f"/cases/{case_id}/unseal/read", {})
    assert shown.status_code == 200 and PHONE in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    # The complainant sees that the identity was read.
    tracking = Public(app.test_client(), app).track(code).get_data(as_text=True)
    assert "identity-accessed" in tracking


def test_public_reply_reaches_the_complainant_and_internal_does_not(app: Flask) -> None:
    nb = login(app, "nb_staff")
    case_id, code = hotline_filing(app, nb)
    post(nb, f"/cases/{case_id}", f"/cases/{case_id}/comments",
         {"text": "内部意见：先问镇里", "public": ""})
    post(nb, f"/cases/{case_id}", f"/cases/{case_id}/comments",
         {"text": "请补充会议通知的日期", "public": "1"})
    page = nb.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "请补充会议通知的日期" in page and "内部意见：先问镇里" in page
    tracking = Public(app.test_client(), app).track(code).get_data(as_text=True)
    assert "请补充会议通知的日期" in tracking and "内部意见" not in tracking


def test_intake_page_offers_templates_and_similar_complaints(app: Flask) -> None:
    nb = login(app, "nb_staff")
    first, _ = hotline_filing(app, nb)
    second, _ = hotline_filing(app, nb)
    page = nb.get(f"/cases/{second}").get_data(as_text=True)
    assert f"#{first}" in page  # suggested as similar (same village, same text)
    task = re.search(rf'/cases/{second}/tasks/([0-9a-f-]{{36}})', page)
    assert task
    form = nb.get(f"/cases/{second}/tasks/{task.group(1)}").get_data(as_text=True)
    assert 'id="response-template"' in form and 'data-target="reject_reason"' in form


def test_evidence_copies_and_originals(app: Flask, jpeg: Any) -> None:
    public = Public(app.test_client(), app)
    response = public.file(files=[(jpeg(), "x.jpg")])
    match = RECEIPT_CODE.search(response.get_data(as_text=True))
    assert match
    case_id = public.case_id(match.group(1).replace(" ", ""))
    nb, dc = login(app, "nb_staff"), login(app, "dc_staff")
    links = re.findall(rf'/cases/{case_id}/files/(\d+)"', nb.get(f"/cases/{case_id}")
                       .get_data(as_text=True))
    assert links
    copy = nb.get(f"/cases/{case_id}/files/{links[0]}")
    assert copy.status_code == 200 and copy.mimetype == "image/jpeg"
    assert nb.get(f"/cases/{case_id}/files/{links[0]}/original").status_code == 404
    original = dc.get(f"/cases/{case_id}/files/{links[0]}/original")
    assert original.status_code == 200 and original.get_data() == jpeg()
    assert login(app, "tj_clerk").get(f"/cases/{case_id}/files/{links[0]}").status_code == 404


def test_supervision_queue_access(app: Flask) -> None:
    assert login(app, "dc_staff").get("/complaints/supervision").status_code == 200
    assert login(app, "nb_staff").get("/complaints/supervision").status_code == 200
    assert login(app, "mz_head").get("/complaints/supervision").status_code == 404
