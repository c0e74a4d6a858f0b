"""Issue 17, finding 3: who may write to the complainant. Only the 区委农办 staff handling the
complaint (docs/complaints.md); the auditor, the administrator, 区委督查办 and the clerk of
the unit complained about get 403 naming the field `public`, and the tracking page names
the unit that spoke. Auditors and administrators read: no comments, no files."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.unit.upload_samples import make_jpeg
from tests.webapp.test_complaint_access import _login, _world
from tests.webapp.test_complaint_access import app as app  # the fixture, re-used
from workflows.complaints import tracking


def _api_post(client: FlaskClient, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _client(app: Flask, user: str) -> FlaskClient:
    client = app.test_client()
    _login(client, user)
    return client


def _mz_case(app: Flask) -> int:
    """A complaint accepted and sent to 区民政局 (qmzj), whose clerk sees it."""
    clerk = _client(app, "mz_clerk")
    return next(i for i in _world(app) if clerk.get(f"/api/v1/cases/{i}").status_code == 200)


def test_only_the_burden_office_speaks_to_the_complainant(app: Flask) -> None:
    case_id = _mz_case(app)
    url = f"/api/v1/cases/{case_id}/comments"
    for user in ("auditor", "admin", "dc_staff", "mz_clerk"):
        answer = _api_post(_client(app, user), url, {"text": f"{user} 冒充", "public": True})
        assert answer.status_code == 403, (user, answer.status_code)
        body = answer.get_json()
        assert "public" in body["fields"], (user, body)
    spoken = _api_post(_client(app, "nb_staff"), url, {"text": "已转区民政局办理", "public": True})
    assert spoken.status_code == 201
    with app.extensions["jianfu.db"].sessions() as s:
        replies = tracking.track(s, case_id).replies
    assert [(r.text, r.unit) for r in replies] == [("已转区民政局办理", "区委农办")]


def test_auditors_and_admins_only_read(app: Flask) -> None:
    case_id = _mz_case(app)
    for user in ("auditor", "admin"):
        client = _client(app, user)
        assert client.get(f"/api/v1/cases/{case_id}").status_code == 200
        internal = _api_post(client, f"/api/v1/cases/{case_id}/comments", {"text": "内部"})
        assert internal.status_code == 403, (user, internal.status_code)
        attached = client.post(f"/api/v1/cases/{case_id}/attachments", data=make_jpeg(),
                               content_type="image/jpeg")
        assert attached.status_code == 403, (user, attached.status_code)
    # Internal comments from those who work the case still go in.
    clerk = _api_post(_client(app, "mz_clerk"), f"/api/v1/cases/{case_id}/comments",
                      {"text": "已收到"})
    assert clerk.status_code == 201


def test_a_lone_surrogate_or_a_nul_is_a_field_error(app: Flask) -> None:
    """Issue 17 (low): `{"text": "lone \\ud800"}` was a 500 (UnicodeEncodeError in
    history.sha256); a NUL byte was stored (PostgreSQL refuses it)."""
    case_id = _mz_case(app)
    client = _client(app, "mz_clerk")
    for raw in ('{"text": "lone \\ud800"}', '{"text": "nul \\u0000 byte"}'):
        answer = client.post(f"/api/v1/cases/{case_id}/comments", data=raw,
                             content_type="application/json")
        assert answer.status_code == 422, (raw, answer.status_code)
        assert "text" in answer.get_json()["fields"]
