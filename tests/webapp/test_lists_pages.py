"""The village lists' pages (docs/lists.md): public pages without login (search, the
certificate rule and the complaint form pre-filled with the matching category), the staff
pages reachable from the menu, an entry's versions with who and when, proposing a change, a
plaque request and a work assignment from the pages through to their tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Case, ListEntry
from tests.webapp.conftest import Web, csrf_token, demo_db
from workflows.lists import registry


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_db(tmp_path_factory.mktemp("lists") / "demo.db", lists=True)


def text(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_public_pages_need_no_login_and_search(client: FlaskClient) -> None:
    page = text(client, "/village-lists")
    assert "自治清单" in page and "协助清单" in page and "证明事项清单" in page
    assert "<script" not in page
    found = text(client, "/village-lists?q=低保")
    assert "协助办理农村低保申请" in found and "村民委员会选举" not in found
    listed = text(client, "/village-lists/assistance?q=耕地")
    assert "协助耕地保护巡查" in listed and "协助办理农村低保申请" not in listed
    # A removed entry is not in force: the public never sees it.
    assert "协助老年人优待证初审" not in text(client, "/village-lists/assistance")
    assert text(client, "/village-lists/nothing", 404)


def test_the_certificate_page_says_the_rule_and_links_the_prefilled_complaint(
        client: FlaskClient) -> None:
    page = text(client, "/village-lists/certificate")
    assert "未列入本清单的证明事项，不得要求村民委员会出具" in page
    assert "亲属关系证明" in page
    assert 'href="/report?category=certificates"' in page
    form = text(client, "/report?category=certificates")
    assert '<option value="certificates" selected>' in form
    assert 'href="/village-lists"' in form  # the public complaint pages link the lists


def test_the_public_pages_in_english(client: FlaskClient) -> None:
    page = text(client, "/village-lists/certificate?lang=en")
    assert "A certificate that is not on this list may not be demanded" in page


def test_staff_reach_the_lists_from_the_menu_and_see_every_version(web: Web) -> None:
    web.login("nb_staff")
    home = text(web.client, "/inbox")
    assert 'id="nav-lists"' in home and 'href="/lists"' in home
    page = text(web.client, "/lists?kind=assistance")
    assert "协助办理农村低保申请" in page
    entry = web.db.scalar(select(ListEntry).where(ListEntry.code.like("XZ-%"))
                          .order_by(ListEntry.id))
    web.db.rollback()
    assert entry is not None
    versions = text(web.client, f"/lists/entries/{entry.id}")
    assert "第2版" in versions and "第1版" in versions
    assert "增加年度复核入户调查" in versions  # the amendment's note
    assert "民政局经办人（演示）" in versions and "区政府办公室审批人（演示）" in versions
    removed = text(web.client, "/lists?status=removed")
    assert "协助老年人优待证初审" in removed


def _post(web: Web, page: str, url: str, data: dict[str, Any]) -> Any:
    token = csrf_token(text(web.client, page))
    return web.client.post(url, data={**data, "csrf_token": token, "form_key": "k" + url})


def test_a_clerk_proposes_a_new_entry_and_lands_on_the_draft(web: Web) -> None:
    web.login("nb_clerk")
    response = _post(web, "/lists/propose", "/lists/propose", {
        "change_kind": "add", "list_kind": "certificate", "title": "出生证明补办证明"})
    assert response.status_code == 302 and "/tasks/" in response.headers["Location"]
    draft = text(web.client, response.headers["Location"])
    assert "填写清单事项" in draft
    bad = _post(web, "/lists/propose", "/lists/propose", {
        "change_kind": "add", "list_kind": "certificate", "title": "x"})
    assert bad.status_code == 422


def test_a_town_clerk_asks_for_a_plaque_and_the_count_shows(web: Web) -> None:
    web.login("dg_official")
    page = text(web.client, "/lists/plaques")
    assert "大观镇示例村1（演示）" in page and "村便民服务站" in page
    form = text(web.client, "/lists/plaques/new?change_kind=add")
    assert "村务监督委员会" in form
    entry = web.db.scalar(select(ListEntry).where(ListEntry.code.like("PZ-%"))
                          .order_by(ListEntry.id))
    village = web.db.scalar(select(Case.scope_org_unit_id).where(Case.case_type == "x"))
    web.db.rollback()
    assert entry is not None and village is None
    response = _post(web, "/lists/plaques/new", "/lists/plaques/new", {
        "change_kind": "add", "title": "挂牌", "village_id": "999999", "entry_id": str(entry.id),
        "note": ""})
    assert response.status_code == 422 and "请选择本镇的村" in response.get_data(as_text=True)


def test_a_department_asks_villages_to_take_on_work(web: Web) -> None:
    web.login("qnyw_clerk")
    page = text(web.client, "/lists/work")
    assert "农村集体资产清查数据录入" in page and "NC-GM-2026-001" in page
    assert "已退回修改" in page  # the returned request (not another feature's "returned")
    response = _post(web, "/lists/work/new", "/lists/work/new", {"title": "秸秆台账录入"})
    assert response.status_code == 302 and "/tasks/" in response.headers["Location"]
    draft = text(web.client, response.headers["Location"])
    assert 'name="agreement_ref"' in draft and 'name="village_ids"' in draft


def test_the_task_page_shows_the_match_and_the_purchase_check(web: Web) -> None:
    web.login("qnyw_clerk")
    case_id = web.case_id("高标准农田宣传展板制作（演示）")
    page = text(web.client, f"/cases/{case_id}")
    assert 'id="lists-panel"' in page
    assert "购买服务" in page and 'id="purchase-verdict"' in page


def test_bad_input_is_refused_on_its_field_never_a_500(web: Web) -> None:
    web.login("mz_clerk")
    for url in ("/lists/propose?change_kind=remove&entry_id=99999999",
                "/lists/propose?change_kind=bogus", "/lists/entries/99999999",
                "/lists?kind=x&status=y&q=" + "长" * 500, "/village-lists/x?q=%00"):
        assert web.client.get(url).status_code in (200, 404), url
    bad_kind = _post(web, "/lists/propose", "/lists/propose", {
        "change_kind": "add", "list_kind": "nonsense", "title": "新增证明事项"})
    assert bad_kind.status_code == 422 and "list_kind" in bad_kind.get_data(as_text=True)
    tj_entry = next(r.entry_id for r in registry.rows(web.db) if r.title == "协助统计调查入户登记")
    web.db.rollback()
    other = _post(web, "/lists/propose", "/lists/propose", {
        "change_kind": "remove", "entry_id": str(tj_entry), "title": "撤销别人的事项"})
    assert other.status_code == 403  # 统计局's entry: 民政局 may not change it
    web.client.delete_cookie("jianfu_session")
    web.login("dg_official")
    for data in ({"change_kind": "add", "title": "挂牌", "village_id": "abc", "entry_id": "x"},
                 {"change_kind": "merge", "title": "整合", "village_id": "", "note": ""}):
        response = _post(web, "/lists/plaques/new", "/lists/plaques/new", data)
        assert response.status_code == 422, data


def test_the_ledger_and_the_dashboard_show_plaques_and_paid_work(web: Web) -> None:
    web.login("nb_staff")
    ledger = text(web.client, "/inspections/ledger")
    assert "付费工作（购买服务）" in ledger and "未付费工作（清单内）" in ledger
    assert 'id="plaques-hanging"' in ledger and "大观镇示例村1（演示） 2" in ledger
    assert "4000.00" in ledger  # the demo purchase's share in each of its three villages
    board = text(web.client, "/audit/dashboard")
    assert 'id="section-lists"' in board and "大观镇" in board
