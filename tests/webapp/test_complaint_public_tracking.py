"""Tracking a public complaint by its receipt code (webapp/complaints/public.py): status, holder,
due
date and public replies only; the complainant's reply with a file, rating and appeal; one
page for wrong and malformed codes; and a named complaint's whole life from filing to
appeal."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.webapp.portal_helpers import NAME, PHONE, URL_ATTRS, Public, _field_errors
from webapp.complaints.settings import EXTENSION
from webapp.core.db import Database
from workflows.kernel import access, case_additions, cases

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
        case_additions.add_comment(session, actor, case_id, "内部意见：先核实镇里的会议记录")
        case_additions.add_comment(session, actor, case_id, "已收到，我们正在核实。", public=True)
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
    texts = [p.get_data(as_text=True) for p in pages]
    # Each says how many tries remain (issue 18, item 8): a malformed code counts as a wrong one.
    left = [re.search(r'<p id="tries-left">\D*(\d+)', t) for t in texts]
    assert [int(m.group(1)) for m in left if m] == [8, 7, 6, 5]
    bodies = {re.sub(r'value="[^"]+"|<p id="tries-left">[^<]*</p>', "", t) for t in texts}
    assert len(bodies) == 1
    assert "没有找到投诉" in bodies.pop()


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
    from workflows.complaints import staff as complaint_staff

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
