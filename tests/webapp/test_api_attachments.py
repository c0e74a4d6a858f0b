"""POST /api/v1/cases/<id>/attachments: staff attach a file to a case (issue 4 item 6)."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pikepdf
from flask.testing import FlaskClient

URL = "/api/v1/cases/{}/attachments"


def _attach(client: FlaskClient, case_id: int, data: bytes, mime: str = "image/jpeg",
            key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(URL.format(case_id), data=data, content_type=mime, headers=headers)


def _pdf() -> bytes:
    out = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(out)
    return out.getvalue()


def test_attach_a_photo(web: Any, client: FlaskClient, jpeg: Any) -> None:
    web.api_login("mz_clerk")
    case_id = web.case_id(web.DRAFT_CASE)
    photo = jpeg()
    response = _attach(client, case_id, photo, key="p-1")
    assert response.status_code == 201
    result = response.get_json()
    assert result["case_id"] == case_id
    event = client.get(f"/api/v1/cases/{case_id}").get_json()["events"][-1]
    assert event["type"] == "attachment_added" and event["seq"] == result["seq"]
    [file] = event["inputs"]["attachments"]
    assert file["mime"] == "image/jpeg" and file["size"] == len(photo)
    # the original's hash only for its custodian (区委督查办), the staff copy's for all
    assert "sha256" not in file and len(file["scrubbed_sha256"]) == 64
    assert hashlib.sha256(photo).hexdigest() not in json.dumps(event)
    copy = client.get(f"/cases/{case_id}/files/{file['id']}")  # the scrubbed copy
    assert copy.status_code == 200 and copy.mimetype == "image/jpeg"
    assert _attach(client, case_id, photo, key="p-1").get_json() == result  # a retry
    other = _attach(client, case_id, jpeg(color="#a00"), key="p-1")
    assert other.status_code == 422 and other.get_json()["error"] == "idempotency_mismatch"


def test_attach_a_pdf_as_octet_stream(web: Any, client: FlaskClient) -> None:
    web.api_login("mz_clerk")
    case_id = web.case_id(web.DRAFT_CASE)
    response = _attach(client, case_id, _pdf(), mime="application/octet-stream")
    assert response.status_code == 201
    event = client.get(f"/api/v1/cases/{case_id}").get_json()["events"][-1]
    assert event["inputs"]["attachments"][0]["mime"] == "application/pdf"


def test_what_is_refused(web: Any, client: FlaskClient, jpeg: Any) -> None:
    case_id = web.case_id(web.DRAFT_CASE)
    assert _attach(client, case_id, jpeg()).status_code == 401
    web.api_login("mz_clerk")
    for mime in ("application/json", "text/plain", "multipart/form-data"):
        assert _attach(client, case_id, jpeg(), mime=mime).status_code == 415, mime
    fake = _attach(client, case_id, b"GIF89a not a photo", mime="image/png")
    assert fake.status_code == 422 and "attachments" in fake.get_json()["fields"]
    assert _attach(client, case_id, b"").status_code == 422
    big = _attach(client, case_id, b"\xff\xd8\xff" + bytes(5 * 1024 * 1024))
    assert big.status_code == 413 and big.get_json()["error"] == "payload_too_large"
    web.api_login("tj_clerk")  # another bureau: the case is not in scope
    assert _attach(client, case_id, jpeg()).status_code == 404
    web.api_login("mz_clerk")  # nothing was recorded by the refusals
    types = [e["type"] for e in client.get(f"/api/v1/cases/{case_id}").get_json()["events"]]
    assert "attachment_added" not in types
