"""Staff attach files to any case from the case page (issue 4 item 3): one JPEG, PNG or PDF,
scrubbed for staff and sealed as evidence, recorded as an attachment_added event."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from PIL import Image

from tests.webapp.test_complaint_staff_pages import app, login, post  # noqa: F401


def big_jpeg() -> bytes:
    """A real photo-like JPEG of about 2 MiB (above the app's 1 MiB form limit)."""
    image = Image.effect_noise((1400, 1000), 60).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def upload(client: Any, case_id: int, data: bytes, name: str = "x.jpg") -> Any:
    """POST the multipart body as bytes: given a file, the test client would spool a large
    body to a temporary file that it never closes (a ResourceWarning in a later test)."""
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    parts = MultiDict([("csrf_token", token.group(1)),
                       ("file", FileStorage(io.BytesIO(data), name, content_type="image/jpeg"))])
    boundary, body = encode_multipart(parts)
    return client.post(f"/cases/{case_id}/files", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_attach_list_and_download(app: Flask) -> None:  # noqa: F811
    clerk = login(app, "mz_clerk")
    inbox = clerk.get("/inbox").get_data(as_text=True)
    case_id = int(re.findall(r'href="/cases/(\d+)"', inbox)[0])
    photo = big_jpeg()
    assert len(photo) > 1024 * 1024
    done = upload(clerk, case_id, photo)
    assert done.status_code == 302, done.get_data(as_text=True)[:300]
    page = clerk.get(f"/cases/{case_id}").get_data(as_text=True)
    files = re.findall(rf'/cases/{case_id}/files/(\d+)"', page)
    assert files
    copy = clerk.get(f"/cases/{case_id}/files/{files[-1]}")
    assert copy.status_code == 200 and copy.mimetype == "image/jpeg"
    events = clerk.get(f"/api/v1/cases/{case_id}").get_json()["events"]
    assert events[-1]["type"] == "attachment_added"
    bad = upload(clerk, case_id, b"<html>not a photo</html>", "x.jpg")
    assert bad.status_code == 422 and "attachments" in bad.get_data(as_text=True)
    assert upload(login(app, "tj_clerk"), case_id, photo).status_code == 404
