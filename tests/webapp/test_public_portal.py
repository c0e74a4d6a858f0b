"""The public complaint pages (webapp/public.py, webapp/throttle.py): filing, receipt,
tracking, throttling of wrong codes, headers, CSRF, and no client address anywhere."""

from __future__ import annotations

import json
import logging
import re
import secrets
import sqlite3
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from models import Case, CaseEvent, ComplaintIdentity, ComplaintReceipt
from webapp.complaint_settings import EXTENSION
from webapp.db import Database
from webapp.public import qr_svg
from workflows import access, cases
from workflows.vault import identity_aad

Public = Any  # tests/webapp/conftest.py: Public (the `public` fixture)

REPO = Path(__file__).resolve().parents[2]
NAME, PHONE = "王测试人甲", "13912345678"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
URL_ATTRS = re.compile(r'(?:href|src|action|formaction|data-url)="([^"]*)"')


def _db_dump(app: Flask) -> str:
    url = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    app.extensions["jianfu.db"].engine.dispose()
    with sqlite3.connect(url) as conn:
        return "\n".join(conn.iterdump())


def _complaints(app: Flask) -> set[int]:
    """Ids of the complaint cases (the demo has some already)."""
    database: Database = app.extensions["jianfu.db"]
    with database.sessions() as session:
        return set(session.scalars(select(Case.id).where(Case.case_type == "burden_complaint")))


def _events(app: Flask, case_ids: set[int]) -> list[CaseEvent]:
    database: Database = app.extensions["jianfu.db"]
    with database.sessions() as session:
        return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids))))


def _identity(app: Flask, case_id: int) -> ComplaintIdentity | None:
    database: Database = app.extensions["jianfu.db"]
    with database.sessions() as session:
        identity = session.get(ComplaintIdentity, case_id)
        if identity is not None:
            session.expunge(identity)
        return identity


def _field_errors(html: str) -> set[str]:
    return set(re.findall(r'class="error" id="[^"]+" data-field="([^"]+)"', html))


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


# ---------------------------------------------------------------- tracking


def test_tracking_shows_status_holder_and_due_date(public: Public) -> None:
    code = public.file_ok()
    spaced = " ".join(code[i:i + 4] for i in range(0, 16, 4))
    response = public.track(spaced)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert 'data-status="intake"' in html and "已收到，正在登记" in html
    assert re.search(r'id="complaint-holder">区委农办<', html)
    assert re.search(r'id="complaint-due">[^<]*\d', html)
    # The code rides in hidden fields of the forms only.
    assert f'name="code" value="{spaced}"' in html
    for url in URL_ATTRS.findall(html):
        assert code not in url.replace(" ", ""), url
    english = public.client.post("/report/track?lang=en",
                                 data={"code": code, "csrf_token": public.token()})
    assert "Received, being registered" in english.get_data(as_text=True)


def test_tracking_shows_public_replies_only(public: Public, public_app: Flask) -> None:
    code = public.file_ok()
    case_id = public.case_id(code)
    database: Database = public_app.extensions["jianfu.db"]
    with database.sessions() as session:
        from models import User

        staff_id = session.scalar(select(User.id).where(User.username == "nb_staff"))
        assert staff_id is not None
        actor = access.load_actor(session, staff_id)
        cases.add_comment(session, actor, case_id, "内部意见：先核实镇里的会议记录")
        cases.add_comment(session, actor, case_id, "已收到，我们正在核实。", public=True)
    html = public.track(code).get_data(as_text=True)
    assert "已收到，我们正在核实。" in html
    assert "内部意见" not in html


def test_reply_with_a_file(public: Public, jpeg: Any) -> None:
    code = public.file_ok()
    token = public.token("/report/track")
    message = {"code": code, "csrf_token": token, "text": "补充：会议通知见附件。"}
    response = public.post_multipart("/report/track/reply", message,
                                     [(jpeg(color="#c33"), "notice.jpg")])
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "您的留言已添加" in html and "补充：会议通知见附件。" in html
    assert re.search(r"<dt>已上传文件</dt><dd>1</dd>", html)
    only_file = public.post_multipart("/report/track/reply", {"code": code, "csrf_token": token},
                                      [(jpeg(color="#33c"), "more.jpg")])
    assert only_file.status_code == 200
    assert re.search(r"<dt>已上传文件</dt><dd>2</dd>", only_file.get_data(as_text=True))
    empty = public.client.post("/report/track/reply", data={"code": code, "csrf_token": token})
    assert empty.status_code == 422 and "text" in _field_errors(empty.get_data(as_text=True))


def test_rate_and_appeal_need_their_step(public: Public) -> None:
    code = public.file_ok()
    token = public.token("/report/track")
    html = public.track(code).get_data(as_text=True)
    assert 'action="/report/track/rate"' not in html
    assert 'action="/report/track/appeal"' not in html
    rated = public.client.post("/report/track/rate", data={"code": code, "csrf_token": token,
                                                           "rating": "satisfied"})
    assert rated.status_code == 409
    bad = public.client.post("/report/track/rate", data={"code": code, "csrf_token": token,
                                                         "rating": "great"})
    assert bad.status_code == 422
    appealed = public.client.post("/report/track/appeal",
                                  data={"code": code, "csrf_token": token,
                                        "appeal_reason": "没有整改"})
    assert appealed.status_code == 409


def test_wrong_and_malformed_codes_get_the_same_page(public: Public) -> None:
    pages = [public.track(c) for c in ("1234567812345678", "12ab", "", "１２３４" * 4)]
    assert {p.status_code for p in pages} == {404}
    bodies = {re.sub(r'value="[^"]+"', "", p.get_data(as_text=True)) for p in pages}
    assert len(bodies) == 1
    assert "没有找到投诉" in bodies.pop()


# ---------------------------------------------------------------- T2.3: throttling


def test_wrong_codes_are_throttled_by_the_tenth_attempt(public: Public) -> None:
    code = public.file_ok()
    statuses = []
    for _attempt in range(40):
        guess = f"{secrets.randbelow(10**16):016d}"
        statuses.append(public.track(guess).status_code)
    assert 200 not in statuses
    assert 429 in statuses and statuses.index(429) + 1 <= 10, statuses
    assert set(statuses[statuses.index(429):]) == {429}
    # The page says what to do, in Chinese, with no stack trace.
    page = public.track("0" * 16)
    html = page.get_data(as_text=True)
    assert page.status_code == 429 and "请等待" in html and "Traceback" not in html
    assert int(page.headers["Retry-After"]) > 0
    # Throttled per client: even the right code waits; another client is not affected.
    assert public.track(code).status_code == 429
    assert public.track(code, REMOTE_ADDR="203.0.113.9").status_code == 200
    # Many guessers, many guesses: no success, each one stopped by its tenth wrong code.
    for client in range(20):
        address = f"192.0.2.{client + 1}"
        answers = [public.track(f"{secrets.randbelow(10**16):016d}",
                                REMOTE_ADDR=address).status_code for _ in range(12)]
        assert 200 not in answers and answers.index(429) + 1 <= 10, (address, answers)


def test_right_codes_do_not_count(public: Public) -> None:
    code = public.file_ok()
    assert {public.track(code).status_code for _ in range(15)} == {200}


def test_many_clients_meet_the_global_cap(public_for: Any) -> None:
    public = public_for(PUBLIC_LOOKUP_GLOBAL_LIMIT="12 per hour")
    statuses = [public.track(f"{secrets.randbelow(10**16):016d}",
                             REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(20)]
    assert statuses[:12] == [404] * 12 and set(statuses[12:]) == {429}, statuses


def test_filing_is_throttled_per_client(public_for: Any) -> None:
    public = public_for(PUBLIC_FILING_LIMIT="2 per 10 minutes")
    statuses = [public.file().status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "请等待" in public.file().get_data(as_text=True)


def test_only_the_throttle_reads_the_client_address() -> None:
    reads = re.compile(r"remote_addr|access_route|\.user_agent\b|HTTP_USER_AGENT|REMOTE_ADDR"
                       r"|X-Forwarded-For|X-Real-IP|headers\.get\([\"']User-Agent", re.I)
    found = []
    for package in ("webapp", "workflows", "models"):
        for path in sorted((REPO / package).rglob("*.py")):
            if path.name == "throttle.py" and path.parent.name == "webapp":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if reads.search(line):
                    found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not found, found


def test_the_daily_key_changes_the_pseudonym() -> None:
    from datetime import date

    from webapp.throttle import DailyKey

    days = iter([date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 2)])
    key = DailyKey(today=lambda: next(days))
    first, same_day, next_day = (key.pseudonym("192.0.2.1") for _ in range(3))
    assert first == same_day != next_day
    assert "192.0.2.1" not in first and len(first) == 64


def test_the_request_log_has_no_client_address(public_app: Flask,
                                               caplog: pytest.LogCaptureFixture) -> None:
    from webapp.cli import make_anonymous_server

    server = make_anonymous_server(public_app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.port}/report"
        with caplog.at_level(logging.INFO, logger="werkzeug"), urllib.request.urlopen(url) as got:
            assert got.status == 200
    finally:
        server.shutdown()
        thread.join(5)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /report" in line for line in lines), lines
    assert not any("127.0.0.1" in line for line in lines), lines


# ---------------------------------------------------------------- headers, CSRF, sizes


def test_public_responses_are_private(public: Public) -> None:
    code = public.file_ok()
    responses = [public.client.get("/report"), public.client.get("/report/track"),
                 public.file(), public.track(code), public.track("1" * 16),
                 public.client.post("/report/track", data={})]
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "camera=()" in response.headers["Permissions-Policy"]
        html = response.get_data(as_text=True)
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "third-party asset"
        assert "<script>" not in html and "style=" not in html


def test_public_posts_need_the_csrf_token(public: Public) -> None:
    filed = public.client.post("/report", data=public.filing())
    assert filed.status_code == 400 and "表单已过期" in filed.get_data(as_text=True)
    tracked = public.client.post("/report/track", data={"code": "1" * 16})
    assert tracked.status_code == 400
    wrong = public.client.post("/report/track", data={"code": "1" * 16, "csrf_token": "x"})
    assert wrong.status_code == 400
    code = public.file_ok()
    for action in ("reply", "rate", "appeal"):
        answer = public.client.post(f"/report/track/{action}", data={
            "code": code, "text": "x", "rating": "satisfied", "appeal_reason": "xx"})
        assert answer.status_code == 400, action
        assert "表单已过期" in answer.get_data(as_text=True)


def test_https_posts_work_without_a_referer(public_app: Flask) -> None:
    """no-referrer means no Referer header: Flask-WTF's strict HTTPS check would refuse."""
    client = public_app.test_client()
    page = client.get("/report/track", base_url="https://complaints.example")
    match = CSRF.search(page.get_data(as_text=True))
    assert match
    answer = client.post("/report/track", base_url="https://complaints.example",
                         data={"code": "1" * 16, "csrf_token": match.group(1)})
    assert answer.status_code == 404


def test_uploads_may_be_large_on_the_filing_page_only(public: Public) -> None:
    big = b"\xff\xd8\xff" + bytes(3 * 1024 * 1024)  # 3 MiB: over the app's 1 MiB default
    filed = public.file(files=[(big, "big.jpg")], category="nonsense")
    assert filed.status_code == 422  # read and validated, not refused for its size
    huge = public.file(files=[(bytes(34 * 1024 * 1024), "huge.jpg")])
    assert huge.status_code == 413
    assert "文件过大" in huge.get_data(as_text=True)
    tracked = public.client.post("/report/track", data={
        "code": "1" * 16, "csrf_token": public.token(), "pad": "x" * (2 * 1024 * 1024)})
    assert tracked.status_code == 413


def test_the_login_page_links_to_the_public_pages(public: Public) -> None:
    assert 'href="/report"' in public.client.get("/login").get_data(as_text=True)


# ---------------------------------------------------------------- the whole life of a case


def _staff(app: Flask, username: str) -> Any:
    """A session and the actor of a demo user (close the session: `with session:`)."""
    from models import User

    database: Database = app.extensions["jianfu.db"]
    session = database.sessions()
    user_id = session.scalar(select(User.id).where(User.username == username))
    assert user_id is not None, username
    return session, access.load_actor(session, user_id)


def _staff_completes(app: Flask, username: str, case_id: int, task_id: str,
                     fields: dict[str, Any]) -> None:
    session, actor = _staff(app, username)
    with session:
        _case, state = cases.get_case(session, actor, case_id)
        task = next(t for t in state.tasks.values() if t.state == "open" and t.task_id == task_id)
        session.rollback()
        cases.complete_task(session, actor, case_id, task.task_uuid, fields)


def test_a_named_complaint_from_filing_to_appeal(public: Public, public_app: Flask) -> None:
    from models import OrgUnit
    from workflows import complaint_staff

    code = public.file_ok(anonymous="0", name=NAME, phone=PHONE)
    case_id = public.case_id(code)
    database: Database = public_app.extensions["jianfu.db"]
    with database.sessions() as session:
        unit = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "qmzj"))
    _staff_completes(public_app, "nb_staff", case_id, "intake",
                     {"intake_decision": "accept", "responsible_unit_id": unit})
    html = public.track(code).get_data(as_text=True)
    assert 'data-status="correction"' in html and "整改中" in html
    assert re.search(r'id="complaint-holder">[^<]*民政', html)
    _staff_completes(public_app, "mz_clerk", case_id, "correction", {
        "correction_outcome": "done", "findings": "属实", "actions_taken": "会议减为每月一次",
        "evidence": "会议通知"})
    _staff_completes(public_app, "nb_staff", case_id, "verification",
                     {"verification_decision": "pass"})
    # Return visit: the complainant rates on the tracking page.
    html = public.track(code).get_data(as_text=True)
    assert 'action="/report/track/rate"' in html, html
    assert "会议减为每月一次" in html  # what was done, after verification passed
    token = public.token("/report/track")
    rated = public.client.post("/report/track/rate", data={
        "code": code, "csrf_token": token, "rating": "satisfied", "comment": "好多了"})
    html = rated.get_data(as_text=True)
    assert rated.status_code == 200, html
    assert "您的评价已记录" in html and 'data-status="closed"' in html
    # Closed: the appeal window is open.
    assert 'action="/report/track/appeal"' in html
    # The burden office reads the identity with the supervision office's approval: the
    # complainant is told.
    session, office = _staff(public_app, "nb_staff")
    with session:
        complaint_staff.request_unseal(session, office, case_id, "回访需要联系投诉人核实")
    session, supervisor = _staff(public_app, "dc_staff")
    with session:
        complaint_staff.decide_unseal(session, supervisor, case_id, True)
    session, office = _staff(public_app, "nb_staff")
    with session:
        assert complaint_staff.read_identity(
            session, office, case_id, public_app.extensions[EXTENSION].vault)["name"] == NAME
    html = public.track(code).get_data(as_text=True)
    assert "identity-accessed" in html
    appealed = public.client.post("/report/track/appeal", data={
        "code": code, "csrf_token": token, "appeal_reason": "又开始每周开会了"})
    html = appealed.get_data(as_text=True)
    assert appealed.status_code == 200, html
    assert 'data-status="reopened"' in html or 'data-status="verification"' in html
