"""The assessment item catalog over HTTP (issue 5): browsing, filters and exports, the item
page with its history, a proposal from the catalog through every approval page to
publication, the reviewer's duplicate panel, and the permission matrix: every demo user
(one or more per role) x every catalog item and every open proposal task -> no 2xx (or
successful redirect) where the user has no business."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AssessmentItem, Case, HumanTask, OrgUnit, RoleAssignment, User
from tests.webapp.conftest import Web, demo_db
from workflows.demo import loader as demo

PROCESS = "assessment_item_approval"
DUPLICATE_CASE = "村庄清洁行动考核评比（演示）"  # waits for nb_staff, likely duplicate
JOINT_CASE = "农村互助养老点运行评估（演示）"  # waits for both offices
RETURNED_CASE = "统计报表质量抽查（演示）"  # returned to 统计局's clerks
USERS = [u for u, _, _ in demo.DEMO_USERS]
READ_ALL = {"supervisor", "auditor", "admin"}


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with its assessment items: the conftest's app, client, db and web run on it."""
    return demo_db(tmp_path_factory.mktemp("catalog") / "demo.db", items=True)


def login(web: Web, username: str) -> None:
    """Log in as `username` (a fresh session: the previous login's cookie is dropped)."""
    web.client.delete_cookie("jianfu_session")
    assert web.login(username).status_code == 302


def html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def item_ids(db: Session) -> dict[str, int]:
    from workflows.catalog import browse as catalog

    rows = {r.name: r.item_id for r in catalog.browse(db)}
    db.rollback()
    return rows


def task_uuid(db: Session, case_id: int, task_id: str) -> str:
    uuid = db.scalar(select(HumanTask.task_uuid).where(
        HumanTask.case_id == case_id, HumanTask.task_id == task_id,
        HumanTask.state == "open"))
    db.rollback()
    assert uuid is not None, (case_id, task_id)
    return uuid


def submit_task(web: Web, case_id: int, task_id: str, data: dict[str, Any]) -> Any:
    page = f"/cases/{case_id}/tasks/{task_uuid(web.db, case_id, task_id)}"
    return web.post_form(page, page, data)


DRAFT = {"name": "农村儿童之家规范化建设评估", "target": "villages",
         "content": "评估村儿童之家的场地设施、儿童主任履职和关爱服务活动开展情况。",
         "criteria": "按星级标准评定", "method": "on_site", "frequency": "yearly",
         "period": "q3", "weight": "2", "legal_basis": "《关于加强农村留守儿童关爱保护工作的意见》",
         "effective_date": "2027-01-01"}


# ------------------------------------------------------------------ browsing


def test_the_catalog_lists_filters_and_links_every_item(web: Web) -> None:
    login(web, "dg_cadre")  # a village cadre may read what may be assessed at all
    page = html(web.client.get("/catalog"))
    assert "考核评比项目目录" in page
    assert page.count('class="item-row') == 5
    assert "村级人居环境整治考核" in page and 'id="net-change"' in page
    assert "申请新增项目" not in page  # not a department clerk

    found = html(web.client.get("/catalog?q=低保&target=villages"))
    assert found.count('class="item-row') == 1 and "农村低保规范管理检查" in found
    assert html(web.client.get("/catalog?method=online")).count('class="item-row') == 1
    assert "没有符合条件的项目" in html(web.client.get("/catalog?status=retired"))
    assert web.client.get("/catalog?owner=abc&target=<script>").status_code == 200


def test_the_catalog_needs_a_login(client: FlaskClient) -> None:
    for url in ("/catalog", "/catalog/export.csv", "/catalog/export.xlsx",
                "/catalog/items/12", "/catalog/propose"):
        assert client.get(url).status_code in (302, 401), url


def test_exports_open_in_a_spreadsheet(web: Web) -> None:
    login(web, "dc_staff")
    response = web.client.get("/catalog/export.csv?q=村")
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["项目编号", "项目名称"]
    assert all(r[0].startswith("KH-") for r in rows[1:]) and len(rows) > 1

    response = web.client.get("/catalog/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = book.active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("项目编号", "项目名称", "主管部门")
    assert len(values) == 6
    assert {v[3] for v in values[1:]} <= {"村（社区）", "乡镇（街道）", "村和乡镇"}


def test_the_item_page_shows_history_and_who_did_what(web: Web) -> None:
    item_id = item_ids(web.db)["村务公开民主管理考评"]
    login(web, "mz_clerk")
    page = html(web.client.get(f"/catalog/items/{item_id}"))
    assert "版本历史" in page and "第1版" in page
    assert "民政局负责人（演示）" in page and "区政府办公室审批人（演示）" in page
    assert "申请调整" in page and "申请撤销" in page  # the owner department's clerk
    login(web, "tj_clerk")
    other = html(web.client.get(f"/catalog/items/{item_id}"))
    assert "版本历史" in other and "申请调整" not in other
    assert web.client.get("/catalog/items/999999").status_code == 404


# ------------------------------------------------------------------ the whole way on the web


def test_draft_sign_off_review_joint_sign_off_and_publish_on_the_web(web: Web) -> None:
    login(web, "mz_clerk")
    response = web.post_form("/catalog/propose?change_kind=new", "/catalog/propose",
                             {"change_kind": "new", "title": "儿童之家评估（新增）"})
    assert response.status_code == 302
    draft_page = response.headers["Location"]
    assert "/tasks/" in draft_page
    case_id = int(re.search(r"/cases/(\d+)/", draft_page).group(1))  # type: ignore[union-attr]
    bad = web.post_form(draft_page, draft_page, {**DRAFT, "effective_date": "2027-13-01"})
    assert bad.status_code == 422 and 'data-field="effective_date"' in html(bad)
    assert web.post_form(draft_page, draft_page, DRAFT).status_code == 302

    login(web, "mz_head")
    assert submit_task(web, case_id, "sign_off", {"head_decision": "approve"}).status_code == 302

    login(web, "nb_staff")
    review = f"/cases/{case_id}/tasks/{task_uuid(web.db, case_id, 'review_item')}"
    panel = html(web.client.get(review))
    assert 'id="item-panel"' in panel and "重复和交叉查重" in panel
    assert submit_task(web, case_id, "review_item",
                       {"review_decision": "forward"}).status_code == 302

    login(web, "office_qw")
    assert submit_task(web, case_id, "party_office_sign_off",
                       {"office_decision": "approve"}).status_code == 302
    login(web, "office_qzf")
    assert submit_task(web, case_id, "government_office_sign_off",
                       {"office_decision": "approve"}).status_code == 302

    page = html(web.client.get("/catalog?q=儿童之家"))
    assert "农村儿童之家规范化建设评估" in page and page.count('class="item-row') == 1
    case = web.db.get(Case, case_id)
    assert case is not None and case.status == "published"
    web.db.rollback()


def test_the_reviewer_sees_the_matches_and_must_give_a_reason(web: Web) -> None:
    case_id = web.case_id(DUPLICATE_CASE)
    login(web, "nb_staff")
    review = f"/cases/{case_id}/tasks/{task_uuid(web.db, case_id, 'review_item')}"
    page = html(web.client.get(review))
    assert 'id="duplicate-verdict"' in page and "发现疑似重复项目" in page
    assert "村级人居环境整治考核" in page
    assert re.search(r'class="score">\d+%', page)
    assert 'class="passage"' in page and "考核对象相同" in page

    refused = web.post_form(review, review, {"review_decision": "forward"})
    assert refused.status_code == 422 and 'data-field="duplicate_reason"' in html(refused)
    reason = "只做季度排名通报，与现有项目不重叠"
    accepted = web.post_form(review, review, {"review_decision": "forward",
                                              "duplicate_reason": reason})
    assert accepted.status_code == 302


def test_a_returned_draft_shows_the_reasons_to_the_clerk(web: Web) -> None:
    case_id = web.case_id(RETURNED_CASE)
    login(web, "tj_clerk")
    uuid = task_uuid(web.db, case_id, "draft_item")
    page = html(web.client.get(f"/cases/{case_id}/tasks/{uuid}"))
    assert "退回理由" in page and "与统计基础工作规范化考核重复，请合并" in page
    assert 'value="村级统计报表质量抽查"' in page  # the draft is prefilled for revision


def test_a_change_is_proposed_from_the_item_page(web: Web) -> None:
    item_id = item_ids(web.db)["农村低保规范管理检查"]
    login(web, "mz_clerk")
    form = html(web.client.get(f"/catalog/propose?change_kind=change&item_id={item_id}"))
    assert "调整：农村低保规范管理检查" in form
    response = web.post_form(f"/catalog/propose?change_kind=change&item_id={item_id}",
                             "/catalog/propose", {"change_kind": "change",
                                                  "item_id": str(item_id),
                                                  "title": "调整：农村低保规范管理检查"})
    assert response.status_code == 302
    draft = html(web.client.get(response.headers["Location"]))
    assert 'value="农村低保规范管理检查"' in draft  # prefilled from the current version
    again = web.post_form(f"/catalog/propose?change_kind=change&item_id={item_id}",
                          "/catalog/propose", {"change_kind": "change", "item_id": str(item_id),
                                               "title": "再调整一次"})
    assert again.status_code == 422 and "未办结的申请" in html(again)


# ------------------------------------------------------------------ the permission matrix


def _grants(db: Session) -> dict[str, set[tuple[str, int]]]:
    rows = db.execute(select(User.username, RoleAssignment.role, RoleAssignment.org_unit_id)
                      .join(RoleAssignment, RoleAssignment.user_id == User.id))
    out: dict[str, set[tuple[str, int]]] = {}
    for username, role, unit in rows:
        out.setdefault(username, set()).add((role, unit))
    return out


LANES = {"party_office": "office_approver", "government_office": "office_approver"}


def test_every_user_x_every_item_and_task_no_unauthorized_success(web: Web) -> None:
    db = web.db
    grants = _grants(db)
    departments = set(db.scalars(select(OrgUnit.id).where(OrgUnit.kind == "department")))
    items = {i.id: i.owner_unit_id for i in db.scalars(select(AssessmentItem))}
    tasks = db.execute(select(HumanTask.case_id, HumanTask.task_uuid, HumanTask.task_id,
                              HumanTask.role, HumanTask.scope_org_unit_id)
                       .join(Case, Case.id == HumanTask.case_id)
                       .where(Case.case_type == PROCESS, HumanTask.state == "open")).all()
    db.rollback()
    assert len(items) == 5 and len(tasks) == 4
    forms = {
        "draft_item": DRAFT,
        "sign_off": {"head_decision": "approve"},
        "review_item": {"review_decision": "reject", "comment": "无权"},
        "party_office_sign_off": {"office_decision": "approve"},
        "government_office_sign_off": {"office_decision": "approve"},
    }
    unauthorized: list[tuple[str, str, int]] = []
    authorized_ok = 0

    def check(user: str, method: str, url: str, allowed: bool, data: dict[str, Any]) -> None:
        nonlocal authorized_ok
        if method == "GET":
            status = web.client.get(url).status_code
        else:
            status = web.post_form("/catalog", url, data).status_code
        success = status < 300 or (method == "POST" and status < 400)
        if success and not allowed:
            unauthorized.append((user, url, status))
        authorized_ok += success and allowed

    for user in USERS:
        login(web, user)
        mine = grants.get(user, set())
        clerk_of = {u for r, u in mine if r == "clerk" and u in departments}
        for item_id, owner in items.items():
            check(user, "GET", f"/catalog/items/{item_id}", True, {})
            change = f"/catalog/propose?change_kind=change&item_id={item_id}"
            check(user, "GET", change, owner in clerk_of, {})
            if owner not in clerk_of:  # a successful POST would start a proposal
                check(user, "POST", "/catalog/propose", False,
                      {"change_kind": "retire", "item_id": str(item_id), "title": "越权撤销"})
        check(user, "GET", "/catalog/propose?change_kind=new", bool(clerk_of), {})
        if not clerk_of:
            check(user, "POST", "/catalog/propose", False,
                  {"change_kind": "new", "title": "越权新增"})
        for case_id, uuid, task_id, lane, scope in tasks:
            role = LANES.get(lane, lane)
            holds = (role, scope) in mine
            url = f"/cases/{case_id}/tasks/{uuid}"
            check(user, "GET", url, holds, {})
            if not holds:
                check(user, "POST", url, False, forms[task_id])
                check(user, "POST", f"{url}/claim", False, {})

    assert unauthorized == []
    assert authorized_ok > len(USERS) * len(items)  # the matrix did allow what it should
