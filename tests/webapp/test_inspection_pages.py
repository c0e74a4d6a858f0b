"""The inspection and meeting pages (issue 6): a request through the generic pages (start,
draft with lists typed as text, head, town review, 区委农办, outcome, village rating), the
village calendar and ledger; and every demo role x every page and village: no 2xx where the
role may not see (0 unauthorized 2xx), a 404 rather than a 403."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime

from flask import Flask
from sqlalchemy import select

from models import OrgKind, OrgUnit, User
from tests.webapp.conftest import Web
from webapp.core.auth import _fingerprint
from workflows.inspections import ledger as village_ledger
from workflows.inspections import visits
from workflows.kernel import access
from workflows.kernel.ids import InspectionTask

NEXT = date.today().year + 1  # request dates must not be past (issue 19)

T = InspectionTask
TASK_LINK = re.compile(r'/cases/(\d+)/tasks/([0-9a-f-]{36})')


def _task(web: Web, case_id: int, task_id: str) -> str:
    data = web.client.get(f"/api/v1/cases/{case_id}").get_json()
    uuids = [t["task_uuid"] for t in data["tasks"]
             if t["state"] == "open" and t["task_id"] == task_id]
    assert uuids, data
    return str(uuids[0])


def _as(web: Web, username: str) -> None:
    web.client = web.client.application.test_client()  # a fresh browser per person
    web.login(username)


def _do(web: Web, username: str, case_id: int, task_id: str, fields: dict[str, str]) -> None:
    _as(web, username)
    uuid = _task(web, case_id, task_id)
    page = f"/cases/{case_id}/tasks/{uuid}"
    res = web.post_form(page, page, fields)
    assert res.status_code in (302, 303), res.get_data(as_text=True)[:2000]


def _unit(web: Web, code: str) -> int:
    uid = web.db.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
    web.db.rollback()
    assert uid is not None
    return uid


def test_a_request_through_the_pages_to_the_calendar_and_the_rating(web: Web) -> None:
    web.login("mz_clerk")
    res = web.post_form("/cases/new/inspection_request", "/cases/new/inspection_request",
                        {"title": "二季度低保工作检查", "form_key": "k1"})
    assert res.status_code in (302, 303)
    case_id = web.case_id("二季度低保工作检查")
    v1 = _unit(web, "dgz-v1")
    _do(web, "mz_clerk", case_id, T.DRAFT_REQUEST, {
        "inspection_type": "business", "purpose": "检查低保台账", "village_ids": str(v1),
        "window_start": f"{NEXT}-04-13", "window_end": f"{NEXT}-04-14", "people": "3",
        "days": "1", "materials": "低保名册\n*户籍底册"})
    _do(web, "mz_head", case_id, T.HEAD_REVIEW, {"head_decision": "approve"})
    _do(web, "dg_official", case_id, T.TOWN_REVIEW, {"town_decision": "agree"})
    _do(web, "nb_staff", case_id, T.APPROVE_REQUEST, {"approval_decision": "approve"})
    _as(web, "dg_cadre")
    page = web.client.get("/inspections/calendar").get_data(as_text=True)
    assert "二季度低保工作检查" in page and f"{NEXT}-04-13" in page
    # nothing to record before the visit has ended (issue 19, item 6); the worker fires
    # its timer at the window's last day, 18:00 China time
    _as(web, "mz_clerk")
    data = web.client.get(f"/api/v1/cases/{case_id}").get_json()
    assert data["status"] == "scheduled"
    assert not [t for t in data["tasks"] if t["task_id"] == T.RECORD_OUTCOME]
    visits.end_visit(web.db, case_id, datetime(NEXT, 4, 14, 10, tzinfo=UTC))
    _do(web, "mz_clerk", case_id, T.RECORD_OUTCOME, {
        "actual_start": f"{NEXT}-04-13", "actual_end": f"{NEXT}-04-13", "actual_people": "2",
        "actual_days": "1", "actual_materials": "低保名册"})
    _do(web, "dg_cadre", case_id, T.RATE_BURDEN, {"burden_rating": "2",
                                                  "rating_comment": "半天准备材料"})
    ledger = web.client.get(f"/inspections/ledger?village={v1}").get_data(as_text=True)
    assert f"{NEXT}-04" in ledger
    data = web.client.get(f"/api/v1/cases/{case_id}").get_json()
    assert data["status"] == "closed"


def _pages(villages: list[int]) -> list[str]:
    pages = ["/inspections/", "/inspections/calendar", "/inspections/ledger",
             "/inspections/sessions"]
    for vid in villages:
        pages += [f"/inspections/calendar?village={vid}", f"/inspections/ledger?village={vid}"]
    return [*pages, "/inspections/calendar?village=x", "/inspections/ledger?village=99999999"]


def test_every_role_and_page_gives_no_unauthorized_2xx(app: Flask) -> None:
    database = app.extensions["jianfu.db"]
    with database.sessions() as db:
        users = list(db.scalars(select(User.username).order_by(User.username)))
        codes = ["dgz-v1", "dgz-v2", "mlz-v1"]
        villages = [db.scalar(select(OrgUnit.id).where(OrgUnit.code == c)) for c in codes]
        all_villages = len(list(db.scalars(select(OrgUnit.id).where(
            OrgUnit.kind == OrgKind.VILLAGE.value))))
        allowed: dict[str, set[str]] = {}
        sessions_of = {}
        for username in users:
            user = db.scalars(select(User).where(User.username == username)).one()
            uid = user.id
            sessions_of[username] = (uid, _fingerprint(user), int(time.time()))
            actor = access.load_actor(db, uid)
            visible = {v.id for v in village_ledger.visible_villages(db, actor)}
            clerk = any(r == access.CLERK for r, _, _ in actor.roles)
            department = bool(village_ledger.requesting_units(db, actor))
            ok: set[str] = set()
            if visible or clerk or department:
                ok.add("/inspections/")
            if department:  # the calendar of every village it may request, its sessions
                ok |= {"/inspections/calendar", "/inspections/sessions"}
                ok |= {f"/inspections/calendar?village={vid}" for vid in villages}
            if visible:
                ok |= {"/inspections/calendar", "/inspections/ledger", "/inspections/sessions"}
                for vid in villages:
                    if vid in visible:
                        ok |= {f"/inspections/calendar?village={vid}",
                               f"/inspections/ledger?village={vid}"}
            allowed[username] = ok
    assert all_villages == 18
    unauthorized, checked = [], 0
    anonymous = app.test_client()
    for page in _pages([v for v in villages if v is not None]):
        assert anonymous.get(page).status_code in (302, 401, 404)
    for username in users:
        client = app.test_client()
        with client.session_transaction() as sess:  # as /login leaves it, without Argon2
            sess["uid"], sess["fp"], sess["since"] = sessions_of[username]
        for page in _pages([v for v in villages if v is not None]):
            status = client.get(page).status_code
            checked += 1
            if 200 <= status < 300 and page not in allowed[username]:
                unauthorized.append((username, page, status))
            if page in allowed[username]:
                assert status == 200, (username, page, status)
            else:
                assert status == 404, (username, page, status)
    assert unauthorized == [] and checked == len(users) * 12
    # the scopes the matrix rests on
    assert allowed["dg_cadre"] >= {f"/inspections/ledger?village={villages[0]}"}
    assert f"/inspections/ledger?village={villages[1]}" not in allowed["dg_cadre"]
    assert f"/inspections/ledger?village={villages[2]}" not in allowed["dg_official"]
    assert f"/inspections/ledger?village={villages[2]}" in allowed["nb_staff"]
    assert f"/inspections/ledger?village={villages[0]}" not in allowed["mz_clerk"]
    assert f"/inspections/calendar?village={villages[2]}" in allowed["mz_head"]
