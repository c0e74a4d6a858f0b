"""The report form pages (issue 13): every demo role x every new route (0 unauthorized 2xx),
a department reads only the values it is entitled to, the cadre fills only what is new, a bad
figure is refused naming its field, and the reviewer sees which fields are already held."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from models import Case, IndicatorValue, OrgUnit, ReportForm
from tests.webapp.conftest import PASSWORD, csrf_token
from workflows.demo.loader import DEMO_USERS

USERS = [u for u, _n, _g in DEMO_USERS]
CLERKS = {"mz_clerk", "mz_clerk2", "tj_clerk", "qnyw_clerk"}
DATA_READERS = {"nb_staff", "nb_head", "dc_staff", "mz_clerk", "mz_clerk2", "mz_head",
                "tj_clerk", "tj_head", "qnyw_clerk", "qnyw_head", "dg_official", "dg_head"}
DASHBOARD = {"nb_staff", "nb_head", "dc_staff", "auditor"}


def login(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": PASSWORD,
                                "csrf_token": token})
    return client


def ids(app: Flask) -> dict[str, int]:
    with app.extensions["jianfu.db"].sessions() as db:
        v1 = db.scalar(select(OrgUnit.id).where(OrgUnit.code == "dgz-v1"))
        v2 = db.scalar(select(OrgUnit.id).where(OrgUnit.code == "dgz-v2"))
        forms = {f.collection + str(i): f.id for i, f in enumerate(
            db.scalars(select(ReportForm).order_by(ReportForm.id)))}
    assert v1 and v2
    return {"v1": v1, "v2": v2, **forms}


def allowed(username: str, url: str, k: dict[str, int]) -> bool:
    """Who may read `url` (the matrix the pages must keep)."""
    v1 = f"/village/{k['v1']}"
    if url.startswith("/audit/"):
        return username in DASHBOARD
    if "/data" in url:
        return username in DATA_READERS
    if url == "/report-forms/propose":
        return username in CLERKS
    if "/village" in url:
        return username == "dg_cadre" and (url.endswith("/village") or f"{v1}/" in url
                                           or url.endswith(v1)) and (
            f"/forms/{k['shared2']}" not in url)
    return True  # the registry and the one form's dictionary: every member of staff


def urls(k: dict[str, int]) -> list[str]:
    v1, v2 = k["v1"], k["v2"]
    out = ["/report-forms", "/report-forms/indicators", "/report-forms/propose",
           "/report-forms/village",
           "/report-forms/data", "/report-forms/data.csv", "/report-forms/data.xlsx",
           "/report-forms/data.json", "/audit/dashboard/forms"]
    for form in ("villages0", "villages1", "shared2"):
        out.append(f"/report-forms/forms/{k[form]}")
        for v in (v1, v2):
            out.append(f"/report-forms/village/{v}/forms/{k[form]}")
    for v in (v1, v2):
        out += [f"/report-forms/village/{v}", f"/report-forms/village/{v}/indicators"]
    return out


def test_every_role_on_every_route_gets_nothing_it_may_not_read(app: Flask) -> None:
    k = ids(app)
    wrong: list[str] = []
    for username in USERS:
        client = login(app, username)
        for url in urls(k):
            code = client.get(url).status_code
            may = allowed(username, url, k)
            if url.endswith("/village"):  # the cadre's own village page, by a redirect
                code = 200 if code == 302 and username == "dg_cadre" else code
            if (200 <= code < 300) != may or (not may and code not in (302, 403, 404)):
                wrong.append(f"{username} {url} {code} (allowed: {may})")
    anonymous = app.test_client()
    for url in urls(k):
        code = anonymous.get(url).status_code
        if 200 <= code < 300:
            wrong.append(f"anonymous {url} {code}")
    assert not wrong, "\n".join(wrong)


def _post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    token = csrf_token(client.get("/report-forms").get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_no_one_but_the_villages_cadre_can_write_its_values(app: Flask) -> None:
    k = ids(app)
    for username in USERS:
        if username == "dg_cadre":
            continue
        client = login(app, username)
        for url in (f"/report-forms/village/{k['v1']}/indicators",
                    f"/report-forms/village/{k['v1']}/forms/{k['villages0']}?period=2026-12"):
            response = _post(client, url, {"POP_REG": "9999", "period": "2026-12"})
            assert response.status_code == 404, (username, url)
    cadre = login(app, "dg_cadre")
    response = _post(cadre, f"/report-forms/village/{k['v2']}/indicators", {"POP_REG": "1"})
    assert response.status_code == 404
    with app.extensions["jianfu.db"].sessions() as db:
        assert db.scalar(select(IndicatorValue).where(IndicatorValue.value == "9999")) is None


def test_a_department_reads_only_the_indicators_it_is_entitled_to(app: Flask) -> None:
    read = {}
    for username in ("tj_clerk", "mz_clerk", "qnyw_clerk", "nb_staff"):
        data = login(app, username).get("/report-forms/data.json").get_json()
        read[username] = {v["indicator"] for v in data["values"]}
    assert read["tj_clerk"] == {"POP_REG", "HOUSEHOLDS"}
    assert read["qnyw_clerk"] == set()
    assert read["mz_clerk"] == read["nb_staff"] == {"POP_REG", "HOUSEHOLDS", "LOW_INCOME_POP",
                                                    "ELDERLY_60"}
    client = login(app, "tj_clerk")
    csv_text = client.get("/report-forms/data.csv").get_data(as_text=True)
    assert "户籍人口" in csv_text and "低保人数" not in csv_text
    book = load_workbook(io.BytesIO(client.get("/report-forms/data.xlsx").data))
    sheet = book.active
    assert sheet is not None
    cells = {str(c.value) for row in sheet.iter_rows() for c in row}
    assert "户籍人口" in cells and "低保人数" not in cells
    assert "大观镇示例村1村干部（演示）" in cells  # who entered it


def test_the_cadre_fills_only_the_rest_and_a_bad_figure_is_refused_by_name(app: Flask) -> None:
    k = ids(app)
    cadre = login(app, "dg_cadre")
    url = f"/report-forms/village/{k['v1']}/forms/{k['villages0']}?period=2026-12"
    page = cadre.get(url).get_data(as_text=True)
    assert "5 项中已有 3 项自动填好" in page
    assert 'name="LOW_INCOME_HH"' in page and f'name="F{k["villages0"]}.f5"' in page
    bad = _post(cadre, url, {"LOW_INCOME_HH": "12.5", f"F{k['villages0']}.f5": "3"})
    assert bad.status_code == 422
    assert "请填写整数" in bad.get_data(as_text=True)
    with app.extensions["jianfu.db"].sessions() as db:
        assert db.scalar(select(IndicatorValue).where(
            IndicatorValue.indicator == f"F{k['villages0']}.f5")) is None  # nothing half-saved
    good = _post(cadre, url, {"LOW_INCOME_HH": "15", f"F{k['villages0']}.f5": "3",
                              "period": "2026-12"})
    assert good.status_code == 302
    assert "5 项中已有 5 项自动填好" in cadre.get(url).get_data(as_text=True)
    # The other form that uses 低保户数 in this period... none does; 户籍人口 fills both.
    other = cadre.get(f"/report-forms/village/{k['v1']}/forms/{k['villages1']}"
                      "?period=2026-12").get_data(as_text=True)
    assert "1268" in other


def test_the_reviewer_sees_which_fields_are_already_held(app: Flask) -> None:
    with app.extensions["jianfu.db"].sessions() as db:
        case_id = db.scalar(select(Case.id).where(Case.title == "养老服务统计表（演示）"))
    client = login(app, "mz_clerk")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="form-field-check"' in page
    assert "对应指标：户籍人口" in page and "新增字段" in page


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_forms_aspect_and_ledger_pages_render(app: Flask, lang: str) -> None:
    client = login(app, "dc_staff")
    page = client.get(f"/audit/dashboard/forms?lang={lang}").get_data(as_text=True)
    assert 'id="forms-per-department"' in page and 'id="forms-per-village"' in page
    assert 'id="forms-aspect"' in client.get("/audit/dashboard").get_data(as_text=True)
    with app.extensions["jianfu.db"].sessions() as db:
        mz = db.scalar(select(OrgUnit.id).where(OrgUnit.code == "qmzj"))
    card = client.get(f"/audit/scorecards/{mz}?lang={lang}").get_data(as_text=True)
    assert 'id="forms-card"' in card and 'id="forms-in-force">3<' in card
    ledger = client.get("/inspections/ledger").get_data(as_text=True)
    assert ("Form minutes" if lang == "en" else "报表填报分钟") in ledger


def test_the_one_form_page_records_only_what_changed_and_fills_the_forms(app: Flask) -> None:
    from models import CaseEvent

    k = ids(app)
    cadre = login(app, "dg_cadre")
    url = f"/report-forms/village/{k['v1']}/indicators"
    page = cadre.get(url).get_data(as_text=True)
    assert 'value="1268"' in page  # 户籍人口 as entered before

    def events() -> int:
        with app.extensions["jianfu.db"].sessions() as db:
            return len(list(db.scalars(select(CaseEvent.id).where(
                CaseEvent.type == "data_recorded"))))

    before = events()
    assert _post(cadre, url, {"POP_REG": "1268"}).status_code == 302  # unchanged: no event
    assert events() == before
    assert _post(cadre, url, {"POP_REG": "1268", "LOW_INCOME_HH": "14"}).status_code == 302
    assert events() == before + 1
    with app.extensions["jianfu.db"].sessions() as db:
        row = db.scalar(select(IndicatorValue).where(IndicatorValue.indicator == "LOW_INCOME_HH"))
        assert row is not None and row.value == "14"
        period = row.period
    form = cadre.get(f"/report-forms/village/{k['v1']}/forms/{k['villages0']}"
                     f"?period={period}").get_data(as_text=True)
    assert "5 项中已有 4 项自动填好" in form  # 低保户数 now comes from the one form
    bad = _post(cadre, url, {"PARTY_MEMBERS": "abc"})
    assert bad.status_code == 422 and "请填写数字" in bad.get_data(as_text=True)


def test_a_bad_field_line_is_refused_by_name_in_chinese(app: Flask) -> None:
    with app.extensions["jianfu.db"].sessions() as db:
        case_id = db.scalar(select(Case.id).where(Case.title == "新增村级报表申请（草稿）（演示）"))
    client = login(app, "mz_clerk")
    task = next(t["task_uuid"] for t in client.get(f"/api/v1/cases/{case_id}").get_json()[
        "tasks"] if t["state"] == "open")
    page = f"/cases/{case_id}/tasks/{task}"
    form = {"form_name": "村级台账", "purpose": "统计", "legal_basis": "《统计法》",
            "frequency": "monthly", "submission": "online", "due_day": "25"}
    unknown = _post(client, page, {**form, "field_lines": "户籍人口 = NOPE"})
    assert unknown.status_code == 422
    assert "「户籍人口」：一套表中没有指标 NOPE" in unknown.get_data(as_text=True)
    twice = _post(client, page, {**form, "field_lines": "户数 = 新\n户数 = 新"})
    assert twice.status_code == 422 and "重复列出：户数" in twice.get_data(as_text=True)


def test_a_forms_page_shows_its_versions_in_chinese(app: Flask) -> None:
    k = ids(app)
    page = login(app, "mz_clerk").get(f"/report-forms/forms/{k['villages0']}").get_data(
        as_text=True)
    assert "新增报表" in page and "线上报送" in page and "本表新增" in page
    assert "New form" not in page
