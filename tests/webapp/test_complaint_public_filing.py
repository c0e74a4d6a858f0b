"""The public complaint filing page (webapp/complaints/public.py): one form in three labelled steps,
the receipt with its QR code and no code in URLs, a named complaint's identity stored only
sealed, each bad field named with the input kept, filing without JS, and the same form sent
twice. Tracking: test_complaint_public_tracking.py; throttling, headers and CSRF:
test_complaint_public_portal.py."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from models import ComplaintReceipt
from tests.webapp.portal_helpers import (
    NAME,
    PHONE,
    URL_ATTRS,
    Public,
    _complaints,
    _db_dump,
    _events,
    _field_errors,
    _identity,
)
from webapp.complaints.filing_form import qr_svg
from webapp.complaints.settings import EXTENSION
from webapp.core.db import Database
from workflows.kernel.vault import identity_aad

# ---------------------------------------------------------------- the filing page


def test_filing_page_is_one_form_in_three_labelled_steps(public: Public) -> None:
    html = public.client.get("/report").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert len(re.findall(r'<fieldset class="step', html)) == 3
    assert 'accept="image/jpeg,image/png,application/pdf"' in html
    assert re.search(r'<input type="file" id="files" name="files" multiple', html)
    # Every visible control has a label (radios are wrapped in theirs).
    for control_id in re.findall(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|radio)")'
                                 r'[^>]*\bid="([^"]+)"', html):
        assert f'<label for="{control_id}"' in html, control_id
    # Without JS the village choice names its town ("town / village").
    assert re.search(r'<option value="\d+" data-town="\d+" data-name="[^"]+">[^<]+ / [^<]+<',
                     html)
    # Chinese by default, English on request.
    assert "提交投诉" in html
    assert "Send the complaint" in public.client.get("/report?lang=en").get_data(as_text=True)


def test_anonymous_filing_gives_a_receipt_with_a_qr_code_and_no_code_in_urls(
        public: Public, public_app: Flask, jpeg: Any) -> None:
    before = _complaints(public_app)
    response = public.file(files=[(jpeg(), "IMG_张三_13800000000.jpg")])
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    shown = re.search(r'id="receipt-code">(\d{4}) (\d{4}) (\d{4}) (\d{4})<', html)
    assert shown, html
    code = "".join(shown.groups())
    # The QR code is the tracking URL with the code in the fragment, as inline SVG.
    assert qr_svg(f"http://localhost/report/track#code={code}") in html
    assert '<svg class="qr"' in html or "class=\"qr\"" in html
    for url in URL_ATTRS.findall(html):
        assert code not in url.replace(" ", "") and code[:8] not in url, url
    assert "Set-Cookie" not in response.headers or code not in response.headers["Set-Cookie"]
    # Stored: the case, the receipt hash (not the code), the scrubbed file; no file name.
    dump = _db_dump(public_app)
    assert code not in dump
    assert "IMG_张三" not in dump and "13800000000" not in dump
    new = _complaints(public_app) - before
    assert len(new) == 1
    database: Database = public_app.extensions["jianfu.db"]
    with database.sessions() as session:
        receipt = session.scalars(
            select(ComplaintReceipt).where(ComplaintReceipt.case_id.in_(new))).one()
        assert receipt.code_hash != code
    assert _identity(public_app, receipt.case_id) is None
    started = [e for e in _events(public_app, new) if e.type == "case_started"]
    assert len(started) == 1
    data = json.loads(started[0].inputs)["data"] if isinstance(started[0].inputs, str) \
        else started[0].inputs["data"]
    assert data["anonymous"] is True and data["channel"] == "web"
    assert len(data["attachments"]) == 1 and data["attachments"][0]["mime"] == "image/jpeg"


def test_named_filing_stores_the_identity_only_sealed(public: Public, public_app: Flask) -> None:
    before = _complaints(public_app)
    code = public.file_ok(anonymous="0", name=NAME, phone=PHONE)
    assert code.isdigit()
    dump = _db_dump(public_app)
    assert NAME not in dump and PHONE not in dump
    for event in _events(public_app, _complaints(public_app)):
        text = json.dumps(event.inputs, ensure_ascii=False) if not isinstance(
            event.inputs, str) else event.inputs
        assert NAME not in text and PHONE not in text
    vault = public_app.extensions[EXTENSION].vault
    (case_id,) = _complaints(public_app) - before
    identity = _identity(public_app, case_id)
    assert identity is not None
    opened = json.loads(vault.open(identity.sealed, identity_aad(case_id)))
    assert opened == {"name": NAME, "phone": PHONE}


def test_a_name_typed_then_anonymous_is_not_kept(public: Public, public_app: Flask) -> None:
    before = _complaints(public_app)
    public.file_ok(anonymous="1", name=NAME, phone=PHONE)
    dump = _db_dump(public_app)
    assert NAME not in dump and PHONE not in dump
    (case_id,) = _complaints(public_app) - before
    assert _identity(public_app, case_id) is None


BadCase = tuple[str, dict[str, Any], list[tuple[bytes, str]], int]


def _bad_cases(public: Public, jpeg: Any) -> list[BadCase]:
    _town, _village, other_village = public.places()
    return [
        ("category", {"category": "no_such_category"}, [], 1),
        ("village_id", {"village_id": str(other_village)}, [], 1),
        ("description", {"description": "太多会"}, [], 1),
        ("attachments", {}, [(jpeg(), f"p{i}.jpg") for i in range(7)], 2),
        ("attachments", {}, [(b"just some text, not an image\n" * 20, "notes.jpg")], 2),
        ("phone", {"anonymous": "0", "name": NAME, "phone": ""}, [], 3),
    ]


@pytest.mark.parametrize("case", range(6), ids=["category", "village", "description",
                                                 "7-files", "not-an-image", "named-no-phone"])
def test_each_bad_field_is_named_and_the_input_kept(public: Public, public_app: Flask,
                                                    jpeg: Any, case: int) -> None:
    field, fields, files, step = _bad_cases(public, jpeg)[case]
    before = _complaints(public_app)
    response = public.file(files=files, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert field in _field_errors(html), (field, _field_errors(html))
    assert f'data-first-step="{step}"' in html
    anchor = "files" if field == "attachments" else field
    assert 'class="error-summary"' in html and f'href="#{anchor}"' in html
    # What the user typed is still there (the files are not).
    description = fields.get("description", public.filing()["description"])
    assert f">{description}</textarea>" in html
    if fields.get("anonymous") == "0":
        assert f'value="{NAME}"' in html and 'id="anonymous-no" value="0" checked' in html
    assert _complaints(public_app) == before


def test_errors_are_in_chinese(public: Public) -> None:
    html = public.file(description="短").get_data(as_text=True)
    assert "请修改以下内容" in html
    assert "至少" in html  # the description's message, translated


def test_without_js_the_village_names_its_town(public: Public) -> None:
    _town, village, _other = public.places()
    code = public.file_ok(town_id=None, village_id=str(village))
    assert len(code) == 16


def test_without_js_no_village_is_one_message_on_the_village(public: Public) -> None:
    response = public.file(town_id=None, village_id="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "village_id" in _field_errors(html) and "town_id" not in _field_errors(html)


def test_sending_the_same_form_twice_files_once(public: Public, public_app: Flask) -> None:
    before = _complaints(public_app)
    first = public.file(submission="same-token")
    assert first.status_code == 200
    again = public.file(submission="same-token")
    assert again.status_code == 409
    assert "已经提交" in again.get_data(as_text=True)
    assert len(_complaints(public_app) - before) == 1


def test_a_pdf_bomb_is_refused_with_a_clear_chinese_message(public: Public,
                                                          public_app: Flask) -> None:
    """Issue 17, finding 1: the 5.7 KB PDF with a 20000 x 20000 image, without login."""
    from tests.unit.upload_bombs import pdf_jpeg_bomb

    before = _complaints(public_app)
    response = public.file(files=[(pdf_jpeg_bomb(), "scan.pdf")])
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "attachments" in _field_errors(html)
    assert "第1个文件中的图片或数据过大" in html and "40百万像素" in html
    assert _complaints(public_app) == before


def test_a_nul_byte_is_refused_on_its_field(public: Public, public_app: Flask) -> None:
    """Issue 17: NUL bytes were accepted in the text (PostgreSQL refuses them)."""
    before = _complaints(public_app)
    response = public.file(description="镇里每周要求村干部参加三次会议\x00，耽误农忙。")
    assert response.status_code == 422
    assert "description" in _field_errors(response.get_data(as_text=True))
    assert _complaints(public_app) == before
