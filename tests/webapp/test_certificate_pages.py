"""The replay certificate as a document on the web (issue 18, item 10): the page names the
case, its status, the process version, the verdict, the issuer and the checkpoint; the
printable page is the document alone; the JSON file downloads and verifies offline; only
auditors and 区委督查办 get either."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Case
from tests.webapp.conftest import Web
from workflows.demo.loader import DEMO_USERS
from workflows.supervision import certificate_doc

AUDITORS = {"auditor", "dc_staff"}
TITLE = "社会救助月报（演示）"


def logged_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    Web(client, None).login(username)  # type: ignore[arg-type]
    return client


def test_the_certificate_is_a_document_that_names_everything(app: Flask, db: object) -> None:
    case_id = db.scalar(select(Case.id).where(Case.title == TITLE))  # type: ignore[attr-defined]
    db.rollback()  # type: ignore[attr-defined]
    client = logged_in(app, "auditor")
    page = client.get(f"/audit/cases/{case_id}/certificate").get_data(as_text=True)
    for text in (TITLE, "已发布", "第 1 版", "审计员（演示）", "签名检查点",
                 f"jianfu audit verify-case certificate-{case_id}.json"):
        assert text in page, text
    assert "`" not in page.split("<main>", 1)[1]  # no literal backticks in the hint
    printable = client.get(f"/audit/cases/{case_id}/certificate?print=1").get_data(
        as_text=True)
    assert TITLE in printable and "<nav" not in printable and "退出登录" not in printable
    answer = client.get(f"/audit/cases/{case_id}/certificate.json")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == (
        f'attachment; filename="certificate-{case_id}.json"')
    doc = json.loads(answer.get_data(as_text=True))
    assert doc["case"]["title"] == TITLE and doc["replay"]["ok"]
    # no key configured in this app: the file proves the case's own chain, and says the rest
    assert {p.kind for p in certificate_doc.verify(doc)} == {"unsigned"}


def test_only_auditors_and_the_supervision_office_get_a_certificate(app: Flask) -> None:
    for username, *_ in DEMO_USERS:
        client = logged_in(app, username)
        for page in ("/audit/cases/1/certificate", "/audit/cases/1/certificate?print=1",
                     "/audit/cases/1/certificate.json"):
            code = client.get(page).status_code
            assert code == (200 if username in AUDITORS else 404), (username, page, code)
