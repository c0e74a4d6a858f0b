"""Open311 with a stock client (issue 18, item 12): the PyPI `georeport` client (0.3.1)
reads the services and their definition with its jurisdiction; a request as the GeoReport
spec's examples post it (service_code, description and a location: lat/long or an address,
the key as `api_key`) is filed and placed on its town and village by the gazetteer, or left
to intake; discovery.json; another jurisdiction_id is refused on that parameter.

georeport 0.3.1 has no POST method and sends no key on its reads (docs/open311.md): the
POST and the keyed reads are made with `requests` exactly as the spec's examples."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from georeport import GeoReport
from sqlalchemy import select

from models import Case, OrgUnit
from webapp.cli.main import make_anonymous_server
from workflows.complaints import open311 as channels
from workflows.complaints.forms import CATEGORIES, CATEGORY_LABELS
from workflows.kernel.store import load_state

DESCRIPTION = "镇里要求村干部每天在三个政务APP上打卡，耽误村里的正常工作。"


@pytest.fixture
def server(public_app: Flask) -> Iterator[str]:
    httpd = make_anonymous_server(public_app, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.port}/open311/v2"
    finally:
        httpd.shutdown()
        thread.join(10)
        httpd.server_close()


@pytest.fixture
def key(public_app: Flask) -> str:
    with public_app.extensions["jianfu.db"].sessions() as db:
        return channels.add_channel(db, "grid")


def _place(public_app: Flask, case_id: int) -> tuple[str | None, str | None, Any]:
    with public_app.extensions["jianfu.db"].sessions() as db:
        case = db.get(Case, case_id)
        assert case is not None
        data = load_state(db, case).data
        codes = {u.id: u.code for u in db.scalars(select(OrgUnit))}
        return (codes.get(data.get("town_id")), codes.get(data.get("village_id")),
                data.get("reported_location"))


def _post(server: str, key: str, **location: Any) -> requests.Response:
    body = {"api_key": key, "jurisdiction_id": "nanchuan", "service_code": "apps_and_checkins",
            "description": DESCRIPTION, **location}
    return requests.post(f"{server}/requests.json", data=body, timeout=30)


def test_the_georeport_client_reads_services(server: str) -> None:
    client = GeoReport(server, jurisdiction="nanchuan")
    services = client.get_service_list()
    assert [s["service_code"] for s in services] == list(CATEGORIES)
    assert {s["service_name"] for s in services} == set(CATEGORY_LABELS.values())
    definition = client.get_service_definition("apps_and_checkins")
    required = {a["code"]: a["required"] for a in definition["attributes"]}
    assert required["town_id"] is False and required["village_id"] is False
    xml = GeoReport(server, jurisdiction="nanchuan", output_format="xml").get_service_list()
    assert len(xml) == len(CATEGORIES)
    with pytest.raises(requests.HTTPError) as refused:
        GeoReport(server, jurisdiction="beijing").get_service_list()
    assert refused.value.response.status_code == 400
    assert "jurisdiction_id" in refused.value.response.json()[0]["description"]
    # Reads of requests need the channel's key, which this client does not send.
    with pytest.raises(requests.HTTPError) as unkeyed:
        GeoReport(server, jurisdiction="nanchuan").get_service_requests()
    assert unkeyed.value.response.status_code == 403


def test_a_post_with_coordinates_is_placed_and_read_back(server: str, key: str,
                                                         public_app: Flask) -> None:
    # 兴隆镇示例村2 is at 29.0810, 107.0380 in the demo gazetteer: 400 m from it.
    response = _post(server, key, lat="29.0840", long="107.0360")
    assert response.status_code == 201, response.text
    [item] = response.json()
    assert len(item["receipt_code"]) == 16
    town, found, location = _place(public_app, int(item["service_request_id"]))
    assert (town, found) == ("xlz", "xlz-v2") and location and "," in location
    read = requests.get(f"{server}/requests/{item['service_request_id']}.json",
                        params={"api_key": key, "jurisdiction_id": "nanchuan"}, timeout=30)
    assert read.status_code == 200
    assert read.json()[0]["address"] == "兴隆镇 兴隆镇示例村2（演示）"
    listed = requests.get(f"{server}/requests.json", params={"api_key": key}, timeout=30)
    assert [r["service_request_id"] for r in listed.json()] == [item["service_request_id"]]


def test_a_post_with_an_address_is_placed(server: str, key: str, public_app: Flask) -> None:
    response = _post(server, key, address_string="重庆市南川区大观镇 示例村3 村委会")
    assert response.status_code == 201, response.text
    case_id = int(response.json()[0]["service_request_id"])
    assert _place(public_app, case_id)[:2] == ("dgz", "dgz-v3")
    town_only = _post(server, key, address_string="南川区河图镇政府门口")
    assert town_only.status_code == 201
    assert _place(public_app, int(town_only.json()[0]["service_request_id"]))[:2] == ("htz", None)
    assert "所在村由区委农办受理时确定" in town_only.json()[0]["service_notice"]


def test_an_unknown_place_is_left_to_intake(server: str, key: str, public_app: Flask) -> None:
    response = _post(server, key, lat="39.9042", long="116.4074",
                     address_string="北京市东城区")
    assert response.status_code == 201, response.text
    item = response.json()[0]
    assert "由区委农办受理时确定" in item["service_notice"]
    town, village, location = _place(public_app, int(item["service_request_id"]))
    assert (town, village) == (None, None) and location == "北京市东城区；39.904200,116.407400"
    with public_app.extensions["jianfu.db"].sessions() as db:
        case = db.get(Case, int(item["service_request_id"]))
        assert case is not None and case.status == "intake"


def test_bad_locations_and_jurisdictions_name_their_parameter(server: str, key: str) -> None:
    for location, param in (({"lat": "29.1"}, "long"), ({"lat": "200", "long": "107"}, "lat"),
                            ({"lat": "nan", "long": "107"}, "lat"),
                            ({"lat": "29.1", "long": "x"}, "long")):
        response = _post(server, key, **location)
        assert response.status_code == 400, location
        assert response.json()[0]["description"].startswith(f"{param}:"), response.text
    wrong = requests.post(f"{server}/requests.json", timeout=30, data={
        "api_key": key, "jurisdiction_id": "chaoyang", "service_code": "other",
        "description": DESCRIPTION, "address_string": "大观镇示例村1"})
    assert wrong.status_code == 400
    assert wrong.json()[0]["description"].startswith("jurisdiction_id:")


def test_discovery(server: str) -> None:
    found = requests.get(f"{server}/discovery.json", timeout=30).json()
    assert found["endpoints"][0]["url"] == server
    assert found["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in found["endpoints"][0]["formats"]
    xml = requests.get(f"{server}/discovery.xml", timeout=30)
    assert xml.status_code == 200 and "<discovery>" in xml.text and "<endpoint>" in xml.text
