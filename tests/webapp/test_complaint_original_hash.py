"""The SHA-256 of an uploaded original reaches only its custodian (issue 17, finding "the
department sees the SHA-256 of the original photo"): a unit could hash the photos posted in
its own WeChat group and find who complained. The department's case page and API show the
scrubbed copy's hash only; 区委督查办, who may open the originals, sees both."""

from __future__ import annotations

import hashlib
import re

from flask import Flask

from tests.webapp.test_case_files import big_jpeg, upload
from tests.webapp.test_complaint_staff_pages import app, login  # noqa: F401


def test_only_the_custodian_sees_the_originals_hash(app: Flask) -> None:  # noqa: F811
    clerk = login(app, "mz_clerk")
    inbox = clerk.get("/inbox?process=burden_complaint").get_data(as_text=True)
    case_id = int(re.findall(r'href="/cases/(\d+)"', inbox)[0])
    photo = big_jpeg()
    original = hashlib.sha256(photo).hexdigest()
    assert upload(clerk, case_id, photo).status_code == 302
    page = clerk.get(f"/cases/{case_id}").get_data(as_text=True)
    api = clerk.get(f"/api/v1/cases/{case_id}").get_data(as_text=True)
    assert "scrubbed_sha256" in api  # the staff copy's hash is there
    for seen in (page, api):
        assert original not in seen and original[:16] not in seen
    office = login(app, "dc_staff").get(f"/api/v1/cases/{case_id}").get_data(as_text=True)
    assert original in office
