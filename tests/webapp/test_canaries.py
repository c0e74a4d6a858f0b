"""T2.1: nothing we store or show identifies an anonymous sender.

Unique canary values are planted in every header and field of public requests (the client
address, X-Forwarded-For, X-Real-IP, User-Agent, Accept-Language, Referer, cookies, the
multipart file name and content type, an Open311 device id, e-mail and position) while a
complaint is filed, tracked, answered and taken through intake and correction; one request
also crashes the app. Then the whole database (every column of every table, blobs included),
everything logged at DEBUG, every department-facing page, API answer and Open311 answer, and
the evidence copy staff download are searched. Pass: 0 hits. A broken variant that logs the
User-Agent must be caught."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

import models
from models import Attachment, Case, User
from tests.webapp.conftest import PASSWORD, Public, csrf_token, jpeg_bytes
from workflows.kernel import access, cases, orgs

CANARIES = {
    "REMOTE_ADDR": "203.0.113.77",
    "X-Forwarded-For": "198.51.100.23",
    "X-Real-IP": "192.0.2.99",
    "User-Agent": "CanaryAgent/7.7 (zzcanaryua1729)",
    "Accept-Language": "xx-zzcanarylang",
    "Referer": "https://zzcanaryreferer.example/5151",
    "Cookie": "zzcanarycookie=4242",
    "filename": "zzcanaryfile8383.jpg",
    "content_type": "image/zzcanarytype",
    "device_id": "zzcanarydevice9191",
    "email": "zzcanary@mail.example",
    "lat": "29.1577123",
}


def _environ() -> dict[str, Any]:
    return {
        "REMOTE_ADDR": CANARIES["REMOTE_ADDR"],
        "HTTP_X_FORWARDED_FOR": CANARIES["X-Forwarded-For"],
        "HTTP_X_REAL_IP": CANARIES["X-Real-IP"],
        "HTTP_USER_AGENT": CANARIES["User-Agent"],
        "HTTP_ACCEPT_LANGUAGE": CANARIES["Accept-Language"],
        "HTTP_REFERER": CANARIES["Referer"],
        "HTTP_COOKIE": CANARIES["Cookie"],
    }


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """Everything any logger writes at DEBUG and above, formatted with the request log."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(old)


def _file_with_canaries(public: Public) -> str:
    client, env = public.client, _environ()
    token = csrf_token(client.get("/report", environ_base=env).get_data(as_text=True))
    fields = {**public.filing(), "csrf_token": token, "submission": "canary-1"}
    parts: list[tuple[str, Any]] = list(fields.items())
    parts.append(("files", FileStorage(io.BytesIO(jpeg_bytes()), CANARIES["filename"],
                                       content_type=CANARIES["content_type"])))
    boundary, body = encode_multipart(MultiDict(parts))
    response = client.post("/report", data=body, environ_base=env,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    from tests.webapp.conftest import RECEIPT_CODE

    match = RECEIPT_CODE.search(response.get_data(as_text=True))
    assert match
    code = match.group(1).replace(" ", "")
    public.track(code, **env)
    token = csrf_token(client.get("/report/track", environ_base=env).get_data(as_text=True))
    reply = client.post("/report/track/reply", environ_base=env,
                        data={"code": code, "text": "补充：每周三次", "csrf_token": token})
    assert reply.status_code < 500
    client.get("/report/nowhere", environ_base=env)
    client.get("/report/boom", environ_base=env)  # the crash (see the fixture's route)
    return code


def _open311(app: Flask, public: Public) -> list[str]:
    from workflows.complaints.open311 import add_channel

    with app.extensions["jianfu.db"].sessions() as session:
        key = add_channel(session, "canary-hotline")
        session.commit()
    town, village, _ = public.places()
    response = public.client.post(
        "/open311/v2/requests.json", environ_base=_environ(),
        data={"api_key": key, "service_code": "too_many_forms",
              "description": "热线：村里每周要报五张表，很多是重复的。",
              "attribute[town_id]": str(town), "attribute[village_id]": str(village),
              "attribute[anonymous]": "true", "device_id": CANARIES["device_id"],
              "email": CANARIES["email"], "lat": CANARIES["lat"], "long": "107.0991234"})
    assert response.status_code == 201, response.get_data(as_text=True)
    listing = public.client.get("/open311/v2/requests.json",
                                headers={"X-Api-Key": key})
    return [response.get_data(as_text=True), listing.get_data(as_text=True)]


def _staff_views(app: Flask, db: Session) -> list[str]:
    """Everything intake and the responsible unit see of the complaints."""
    ids = list(db.scalars(select(Case.id).where(Case.case_type == "burden_complaint")))
    nb_id = db.scalar(select(User.id).where(User.username == "nb_staff"))
    assert nb_id is not None
    nb = access.load_actor(db, nb_id)
    mz = orgs.by_code(db, "qmzj")
    assert mz is not None
    for case_id in ids:
        _, state = cases.get_case(db, nb, case_id)
        intake = [t for t in state.tasks.values() if t.state == "open" and t.task_id == "intake"]
        if intake:
            cases.complete_task(db, nb, case_id, intake[0].task_uuid,
                                {"intake_decision": "accept", "category": "too_many_forms",
                                 "responsible_unit_id": mz.id})
    db.rollback()
    seen: list[str] = []
    for username in ("nb_staff", "mz_clerk", "mz_head", "dc_staff"):
        client = app.test_client()
        token = csrf_token(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token})
        for url in ["/inbox", "/api/v1/inbox", *[f"/cases/{i}" for i in ids],
                    *[f"/api/v1/cases/{i}" for i in ids]]:
            seen.append(client.get(url).get_data(as_text=True))
        for aid, case_id in db.execute(select(Attachment.id, Attachment.case_id)):
            seen.append(client.get(f"/cases/{case_id}/files/{aid}").get_data().decode(
                "latin-1"))
        db.rollback()
    return seen


def _database_text(db: Session) -> str:
    """Every value of every table, blobs as text and as hex (a dump without pg_dump)."""
    chunks: list[str] = []
    for table in models.Base.metadata.sorted_tables:
        for row in db.execute(text(f'SELECT * FROM "{table.name}"')):
            for value in row:
                if isinstance(value, bytes | memoryview):
                    raw = bytes(value)
                    chunks += [raw.decode("latin-1"), raw.hex()]
                else:
                    chunks.append(str(value))
    db.rollback()
    return "\n".join(chunks)


def find_canaries(haystacks: dict[str, str]) -> list[str]:
    hits = []
    for where, hay in haystacks.items():
        low = hay.lower()
        for name, value in CANARIES.items():
            needles = {value.lower(), value.encode().hex()}
            if any(n in low for n in needles):
                hits.append(f"{name} in {where}")
    return hits


@pytest.fixture
def crashing_app(public_app: Flask) -> Flask:
    def boom() -> str:
        raise RuntimeError("a crash during a public request")

    public_app.add_url_rule("/report/boom", "boom", boom)
    return public_app


def _run(app: Flask, log_text: io.StringIO) -> dict[str, str]:
    public = Public(app.test_client(), app)
    _file_with_canaries(public)
    answers = _open311(app, public)
    database = app.extensions["jianfu.db"]
    with database.sessions() as db:
        staff = _staff_views(app, db)
        dump = _database_text(db)
    return {"database": dump, "logs": log_text.getvalue(), "staff pages": "\n".join(staff),
            "open311": "\n".join(answers)}


def test_no_canary_anywhere(crashing_app: Flask, log_text: io.StringIO) -> None:
    crashing_app.config["PROPAGATE_EXCEPTIONS"] = False
    outputs = _run(crashing_app, log_text)
    assert "a crash during a public request" in outputs["logs"]  # the crash was logged
    assert "burden_complaint" in outputs["database"]  # and the search saw the data,
    assert "镇里每周要求村干部参加三次会议" in outputs["staff pages"]  # the pages,
    assert "热线：村里每周要报五张表" in outputs["staff pages"]  # the Open311 complaint
    assert "补充：每周三次" in outputs["staff pages"]  # and the complainant's reply
    assert find_canaries(outputs) == []


def test_a_logged_user_agent_is_caught(crashing_app: Flask, log_text: io.StringIO) -> None:
    """Broken variant: an app that logs the User-Agent of public requests."""
    from flask import request

    @crashing_app.before_request
    def leak() -> None:
        logging.getLogger("leaky").info("ua=%s", request.headers.get("User-Agent"))

    crashing_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert "User-Agent in logs" in find_canaries(_run(crashing_app, log_text))
