"""Open311 GeoReport v2 (`/open311/v2`): services, service definitions, filing and reading
back requests with a channel's API key, in JSON and XML."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiChannel, ComplaintIdentity, OrgUnit, User
from webapp import create_app
from webapp.cli.main import main as cli
from workflows.complaints import open311 as channels
from workflows.complaints.forms import CATEGORIES
from workflows.kernel import access, case_additions, cases
from workflows.kernel.ids import ComplaintTask
from workflows.kernel.vault import generate_key

NAME, PHONE = "张三丰", "13912345678"
DAY_PRECISION = re.compile(r"\d{4}-\d\d-\d\dT00:00:00\+08:00")


@pytest.fixture
def app(template_db: Path, tmp_path: Path) -> Iterator[Flask]:
    shutil.copy(template_db, tmp_path / "t.db")
    app = create_app({
        "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": True, "VAULT_KEY": generate_key(), "RECEIPT_SALT": "ab" * 16,
        "RECEIPT_MEMORY_KIB": 1024, "RECEIPT_TIME_COST": 1,
    })
    yield app
    app.extensions["jianfu.db"].engine.dispose()


def _unit(db: Session, code: str) -> int:
    unit_id = db.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
    db.rollback()
    assert unit_id is not None
    return int(unit_id)


@pytest.fixture
def key(db: Session) -> str:
    return channels.add_channel(db, "hotline12345")


@pytest.fixture
def other_key(db: Session) -> str:
    return channels.add_channel(db, "grid")


def _form(db: Session, key: str, **extra: str) -> dict[str, str]:
    return {"api_key": key, "service_code": CATEGORIES[0],
            "description": "村里每月要填七张重复的报表，占用大量时间。",
            "attribute[town_id]": str(_unit(db, "dgz")),
            "attribute[village_id]": str(_unit(db, "dgz-v1")), **extra}


def _file(client: FlaskClient, form: dict[str, str], fmt: str = "json") -> Any:
    response = client.post(f"/open311/v2/requests.{fmt}", data=form)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response


def _errors(response: Any) -> list[str]:
    body = response.get_json()
    assert isinstance(body, list)
    assert all(e["code"] == response.status_code for e in body)
    return [str(e["description"]) for e in body]


def _no_identity(*responses: Any) -> None:
    for response in responses:
        text = response.get_data(as_text=True)
        assert NAME not in text and PHONE not in text and "三丰" not in text


def test_services_json_and_xml(client: FlaskClient) -> None:
    data = client.get("/open311/v2/services.json").get_json()
    assert [s["service_code"] for s in data] == list(CATEGORIES)
    for s in data:
        assert s["group"] == "减负投诉" and s["metadata"] is True and s["type"] == "realtime"
        assert re.search(r"[\u4e00-\u9fff]", s["service_name"])
    response = client.get("/open311/v2/services.xml")
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == list(CATEGORIES)
    assert all(s.findtext("group") == "减负投诉" for s in root.findall("service"))
    assert root.find("service/metadata") is not None
    assert root.findtext("service/metadata") == "true"


def test_service_definition_lists_real_org_units(client: FlaskClient, db: Session) -> None:
    code = CATEGORIES[0]
    data = client.get(f"/open311/v2/services/{code}.json").get_json()
    assert data["service_code"] == code
    attrs = {a["code"]: a for a in data["attributes"]}
    assert set(attrs) == {"town_id", "village_id", "responsible_unit_id", "anonymous"}
    # Optional since a location can place the request (issue 18, item 12).
    assert not attrs["town_id"]["required"] and not attrs["village_id"]["required"]
    assert not attrs["responsible_unit_id"]["required"]
    assert all(a["datatype"] == "singlevaluelist" for a in attrs.values())
    villages = {v["key"]: v["name"] for v in attrs["village_id"]["values"]}
    assert "大观镇示例村1（演示）" in villages[str(_unit(db, "dgz-v1"))]
    towns = {v["key"] for v in attrs["town_id"]["values"]}
    assert str(_unit(db, "dgz")) in towns
    units = {v["name"] for v in attrs["responsible_unit_id"]["values"]}
    assert {"区民政局", "大观镇"} <= units
    assert {v["key"] for v in attrs["anonymous"]["values"]} == {"true", "false"}

    root = ET.fromstring(client.get(f"/open311/v2/services/{code}.xml").data)
    assert root.tag == "service_definition" and root.findtext("service_code") == code
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == [
        "town_id", "village_id", "responsible_unit_id", "anonymous"]
    assert attributes[0].findtext("variable") == "true"
    assert attributes[1].findall("values/value/key")
    assert client.get("/open311/v2/services/nope.json").status_code == 404


def test_round_trip_named_and_anonymous(client: FlaskClient, db: Session, key: str,
                                        app: Flask) -> None:
    named = _file(client, _form(db, key, first_name="三丰", last_name="张", phone=PHONE,
                                email="a@b.cn", lat="29.1", long="107.1"))
    [item] = named.get_json()
    assert re.fullmatch(r"\d{16}", item["receipt_code"])
    # The location is kept now (issue 18, item 12); the e-mail is still dropped.
    assert "email" in item["service_notice"] and "lat" not in item["service_notice"]
    assert named.headers["Cache-Control"] == "no-store"
    anon = _file(client, _form(db, key, **{"attribute[anonymous]": "true",
                                           "last_name": "张", "phone": PHONE}), "xml")
    root = ET.fromstring(anon.data)
    assert root.tag == "service_requests"
    anon_id = root.findtext("request/service_request_id")
    assert anon_id and re.fullmatch(r"\d{16}", root.findtext("request/receipt_code") or "")

    listing = client.get(f"/open311/v2/requests.json?api_key={key}")
    rows = {r["service_request_id"]: r for r in listing.get_json()}
    assert set(rows) == {item["service_request_id"], anon_id}
    for row in rows.values():
        assert row["status"] == "open"
        assert row["agency_responsible"] == "区委农办"
        assert row["expected_datetime"] and row["service_code"] == CATEGORIES[0]
        assert row["address"].startswith("大观镇")
    named_row = rows[item["service_request_id"]]
    assert not DAY_PRECISION.fullmatch(named_row["requested_datetime"])
    assert named_row["requested_datetime"].endswith("+08:00")
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert DAY_PRECISION.fullmatch(rows[anon_id][field]), rows[anon_id]

    one = client.get(f"/open311/v2/requests/{anon_id}.xml?api_key={key}")
    request_xml = ET.fromstring(one.data)
    assert request_xml.tag == "service_requests"
    assert request_xml.findtext("request/status") == "open"
    assert request_xml.findtext("request/agency_responsible") == "区委农办"
    assert DAY_PRECISION.fullmatch(request_xml.findtext("request/requested_datetime") or "")
    filtered = client.get(f"/open311/v2/requests.json?api_key={key}&status=closed")
    assert filtered.get_json() == []
    by_id = client.get(f"/open311/v2/requests.json?api_key={key}"
                       f"&service_request_id={anon_id}&status=closed")
    assert [r["service_request_id"] for r in by_id.get_json()] == [anon_id]
    _no_identity(named, anon, listing, one)
    mine = {int(item["service_request_id"]), int(anon_id)}
    sealed = set(db.scalars(select(ComplaintIdentity.case_id)
                            .where(ComplaintIdentity.case_id.in_(mine))))
    db.rollback()
    assert sealed == {int(item["service_request_id"])}  # the anonymous name/phone were dropped


def _complete(db: Session, username: str, case_id: int, task_id: str,
              fields: dict[str, Any]) -> None:
    user_id = db.scalar(select(User.id).where(User.username == username))
    actor = access.load_actor(db, int(user_id or 0))
    _case, state = cases.get_case(db, actor, case_id)
    [task] = [t for t in state.tasks.values() if t.task_id == task_id and t.state == "open"]
    db.rollback()
    cases.complete_task(db, actor, case_id, task.task_uuid, fields)


def _row(client: FlaskClient, key: str, case_id: int) -> dict[str, Any]:
    [row] = client.get(f"/open311/v2/requests/{case_id}.json?api_key={key}").get_json()
    assert isinstance(row, dict)
    return row


def test_rejected_at_intake_is_closed_with_reason(client: FlaskClient, db: Session,
                                                  key: str) -> None:
    [item] = _file(client, _form(db, key)).get_json()
    case_id = int(item["service_request_id"])
    reason = "不属于基层减负范围，请向区信访办反映。"
    _complete(db, "nb_staff", case_id, ComplaintTask.INTAKE, {
        "intake_decision": "reject", "category": CATEGORIES[0], "reject_reason": reason})
    row = _row(client, key, case_id)
    assert row["status"] == "closed"
    assert row["status_notes"] == reason
    assert row["expected_datetime"] is None
    closed = client.get(f"/open311/v2/requests.json?api_key={key}&status=closed").get_json()
    assert [r["service_request_id"] for r in closed] == [str(case_id)]


def test_driven_to_closure(client: FlaskClient, db: Session, key: str) -> None:
    [item] = _file(client, _form(db, key, **{"attribute[anonymous]": "true"})).get_json()
    case_id = int(item["service_request_id"])
    _complete(db, "nb_staff", case_id, ComplaintTask.INTAKE, {
        "intake_decision": "accept", "category": CATEGORIES[0],
        "responsible_unit_id": _unit(db, "qmzj")})
    row = _row(client, key, case_id)
    assert (row["status"], row["agency_responsible"]) == ("open", "区民政局")
    assert DAY_PRECISION.fullmatch(row["expected_datetime"])
    user_id = db.scalar(select(User.id).where(User.username == "nb_staff"))
    case_additions.add_comment(db, access.load_actor(db, int(user_id or 0)), case_id,
                               "已转区民政局整改。", public=True)
    case_additions.add_comment(db, access.load_actor(db, int(user_id or 0)), case_id,
                               "内部备注：民政局上次也有类似问题。", public=False)
    assert _row(client, key, case_id)["status_notes"] == "已转区民政局整改。"
    _complete(db, "mz_clerk", case_id, ComplaintTask.CORRECTION, {
        "correction_outcome": "done", "findings": "确有重复报表。",
        "actions_taken": "七张报表合并为一张。", "evidence": "通知文号 南民发〔2024〕1号"})
    assert _row(client, key, case_id)["agency_responsible"] == "区委农办"
    _complete(db, "nb_staff", case_id, ComplaintTask.VERIFICATION,
              {"verification_decision": "pass"})
    _complete(db, "nb_staff", case_id, ComplaintTask.RETURN_VISIT,
              {"rating": "satisfied", "visit_channel": "phone"})
    row = _row(client, key, case_id)
    assert row["status"] == "closed"
    assert row["status_notes"] == "七张报表合并为一张。"
    assert row["expected_datetime"] is None
    assert row["agency_responsible"] == "区民政局"
    assert DAY_PRECISION.fullmatch(row["updated_datetime"])


def test_keys_and_channels(client: FlaskClient, db: Session, key: str, other_key: str) -> None:
    assert client.post("/open311/v2/requests.json", data=_form(db, "")).status_code == 403
    bad = client.post("/open311/v2/requests.json", data=_form(db, "wrong"))
    assert bad.status_code == 403 and "api_key" in _errors(bad)[0]
    assert client.get("/open311/v2/requests.json").status_code == 403
    xml = client.get("/open311/v2/requests.xml?api_key=nope")
    assert xml.status_code == 403
    error = ET.fromstring(xml.data)
    assert error.tag == "errors" and error.findtext("error/code") == "403"
    [item] = _file(client, _form(db, key)).get_json()
    rid = item["service_request_id"]
    assert client.get(f"/open311/v2/requests/{rid}.json?api_key={other_key}").status_code == 404
    assert client.get(f"/open311/v2/requests.json?api_key={other_key}").get_json() == []
    for bad_id in ("abc", "1e3", "99999999999999999999", "-1"):
        response = client.get(f"/open311/v2/requests/{bad_id}.json?api_key={key}")
        assert response.status_code == 404, bad_id
    db.execute(ApiChannel.__table__.update().values(active=False))
    db.commit()
    assert client.get(f"/open311/v2/requests/{rid}.json?api_key={key}").status_code == 403


def test_bad_input_names_the_parameter(client: FlaskClient, db: Session, key: str) -> None:
    def fails(status: int, param: str, **extra: str) -> None:
        response = client.post("/open311/v2/requests.json", data=_form(db, key, **extra))
        assert response.status_code == status, response.get_data(as_text=True)
        assert any(d.startswith(param) for d in _errors(response)), _errors(response)

    fails(400, "service_code", service_code="potholes")
    fails(400, "attribute[village_id]", **{"attribute[village_id]": str(_unit(db, "mlz-v1"))})
    fails(400, "attribute[town_id]", **{"attribute[town_id]": "x"})
    fails(400, "attribute[anonymous]", **{"attribute[anonymous]": "maybe"})
    fails(400, "attribute[colour]", **{"attribute[colour]": "red"})
    fails(400, "phone", last_name="张", **{"attribute[anonymous]": "false"})
    fails(400, "description", description="")
    for query, param in (("start_date=yesterday", "start_date"), ("status=pending", "status"),
                         ("service_code=x", "service_code"),
                         ("service_request_id=1,a", "service_request_id"),
                         ("start_date=2024-01-01&end_date=2024-06-01", "end_date")):
        response = client.get(f"/open311/v2/requests.json?api_key={key}&{query}")
        assert response.status_code == 400, query
        assert _errors(response)[0].startswith(param)
    assert client.get("/open311/v2/requests.html").status_code == 404
    assert client.get("/open311/v2/requests.html").get_json()[0]["code"] == 404


def test_cli_adds_and_lists_channels(app: Flask) -> None:
    runner = CliRunner()
    url = app.config["DATABASE_URL"]
    added = runner.invoke(cli, ["channel", "add", "--database-url", url, "wangge"])
    assert added.exit_code == 0, added.output
    key = added.output.strip().rsplit(" ", 1)[-1]
    with app.app_context():
        from webapp.core.db import get_session

        assert channels.channel_for_key(get_session(), key) == "open311:wangge"
    listed = runner.invoke(cli, ["channel", "list", "--database-url", url])
    assert "wangge" in listed.output and key not in listed.output
    again = runner.invoke(cli, ["channel", "add", "--database-url", url, "wangge"])
    assert again.exit_code != 0


def test_filings_per_channel_and_wrong_keys_are_throttled(app: Flask, client: FlaskClient,
                                                          db: Session, key: str,
                                                          other_key: str) -> None:
    app.config.update(OPEN311_FILING_LIMIT="2 per hour", OPEN311_BAD_KEY_LIMIT="3 per hour")
    _file(client, _form(db, key))
    _file(client, _form(db, key))
    over = client.post("/open311/v2/requests.json", data=_form(db, key))
    assert over.status_code == 429 and over.get_json()[0]["code"] == 429
    _file(client, _form(db, other_key))  # another channel has its own budget
    for _ in range(3):
        assert client.get("/open311/v2/requests.json?api_key=wrong").status_code == 403
    assert client.get("/open311/v2/requests.json?api_key=wrong").status_code == 429


def test_open311_has_its_own_budget(app: Flask, client: FlaskClient, db: Session,
                                    key: str) -> None:
    """Issue 17: valid Open311 filings counted against the public pages' 30 POSTs per 10
    minutes per address, contradicting OPEN311_FILING_LIMIT. Open311 has its own per-client
    limit on POSTs, whatever their outcome."""
    app.config.update(PUBLIC_POST_LIMIT="2 per 10 minutes", OPEN311_POST_LIMIT="4 per hour")
    for _ in range(3):
        _file(client, _form(db, key))
    bad = client.post("/open311/v2/requests.json", data=_form(db, key, service_code="nope"))
    assert bad.status_code == 400
    over = client.post("/open311/v2/requests.json", data=_form(db, key))
    assert over.status_code == 429 and over.get_json()[0]["code"] == 429


def test_hostile_input_is_a_field_error_or_harmless(client: FlaskClient, db: Session,
                                                    key: str) -> None:
    """Issue 17: years 9999 and 0001 were 500s; a NUL byte was accepted (PostgreSQL refuses
    it); control characters in a description made requests.xml malformed."""
    for query, param in (("start_date=9999-12-31T23:59:59", "start_date"),
                         ("end_date=0001-01-01T00:00:00", "end_date"),
                         ("start_date=0001-01-01&end_date=0001-01-02", "start_date"),
                         ("end_date=9999-12-31T23:00:00-12:00", "end_date")):
        response = client.get(f"/open311/v2/requests.json?api_key={key}&{query}")
        assert response.status_code == 400, (query, response.status_code)
        assert _errors(response)[0].startswith(param), _errors(response)
    for param, extra in (("description", {"description": "村里每月要填七张重复的报表\x00。"}),
                         ("last_name", {"last_name": "张\x00", "phone": PHONE})):
        response = client.post("/open311/v2/requests.json", data=_form(db, key, **extra))
        assert response.status_code == 400, response.get_data(as_text=True)
        assert any(d.startswith(param) for d in _errors(response)), _errors(response)
    hostile = "村里每月要填七张重复的报表\x01\x08\x1b\x7f，占用大量时间。"
    _file(client, _form(db, key, description=hostile))
    listed = client.get(f"/open311/v2/requests.xml?api_key={key}")
    assert listed.status_code == 200
    root = ET.fromstring(listed.get_data())
    assert any("占用大量时间" in (d.text or "") for d in root.iter("description"))
