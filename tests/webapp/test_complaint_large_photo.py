"""A normal phone photo is accepted (issue 18, item 7): a 14 MB JPEG is made smaller on the
server (no JavaScript needed) and filed; the sealed original keeps its EXIF, the staff copy
none; the bomb limits stay (pixels read from the header before decoding), and the new limit
is 20 MB a photo, refused on the field above it."""

from __future__ import annotations

import io
import os

from PIL import Image
from sqlalchemy import select

from models import Attachment
from tests.webapp.conftest import RECEIPT_CODE, Public
from webapp.complaints.settings import EXTENSION
from workflows.kernel import uploads

MiB = 1024 * 1024


def phone_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A JPEG as large as a phone's (random pixels compress badly: about 14 MB), with the
    EXIF a phone writes (make, model)."""
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    exif = Image.Exif()
    exif[0x010F] = "DemoPhone"  # Make
    exif[0x0110] = "Model X"  # Model
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def _attachments(public: Public, case_id: int) -> list[Attachment]:
    with public.app.extensions["jianfu.db"].sessions() as db:
        rows = list(db.scalars(select(Attachment).where(Attachment.case_id == case_id)))
        db.expunge_all()
    return rows


def test_a_phone_photo_of_14_mb_is_filed_smaller(public: Public) -> None:
    photo = phone_photo()
    assert len(photo) > 10 * MiB
    response = public.file(files=[(photo, "IMG_0001.jpg")])
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    match = RECEIPT_CODE.search(response.get_data(as_text=True))
    assert match
    [row] = _attachments(public, public.case_id(match.group(1).replace(" ", "")))
    assert row.size <= uploads.MAX_BYTES
    staff = Image.open(io.BytesIO(row.scrubbed))
    assert max(staff.size) <= 3000 and not staff.getexif()
    original = uploads.open_original(row, public.app.extensions[EXTENSION].vault)
    assert Image.open(io.BytesIO(original)).getexif().get(0x010F) == "DemoPhone"


def test_above_20_mb_and_bombs_are_refused_on_the_field(public: Public) -> None:
    huge = b"\xff\xd8\xff\xe0" + b"\0" * (20 * MiB + 1)
    response = public.file(files=[(huge, "big.jpg")])
    assert response.status_code == 422
    assert "第1个文件超过20 MB" in response.get_data(as_text=True)
    # 48 megapixels (over the 40 allowed) in a file over 5 MB: refused from the header,
    # before any pixel is decoded.
    out = io.BytesIO()
    Image.new("RGB", (8000, 6000), "#3a7").save(out, "JPEG", quality=50)
    bomb = out.getvalue() + b"\0" * (6 * MiB)
    response = public.file(files=[(bomb, "bomb.jpg")])
    assert response.status_code == 422
    assert "每张图片最多40百万像素" in response.get_data(as_text=True)


def test_the_filing_form_says_20_mb(public: Public) -> None:
    page = public.client.get("/report").get_data(as_text=True)
    assert 'data-max-mb="20"' in page and "20 MB" in page
