"""The org unit pages (issue 20): every role x every route of them (GET and POST) answers no
one but the administrator with a 2xx; the list searches, filters and pages by 50; a unit's
page edits through the import's checks (errors next to the field, 422) and shows its
history; the import shows the changes or the errors (in Chinese, by row and column) and
changes nothing until confirmed; the exports import back unchanged."""

from __future__ import annotations

import re
from html import unescape
from io import BytesIO
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import CaseEvent, OrgUnit
from tests.integration.admin_org_files import csv_bytes, row, sample_rows
from tests.webapp.conftest import Web, csrf_token
from webapp.admin import units
from workflows.admin import org_import
from workflows.demo.loader import DEMO_USERS


def _unit_id(app: Flask, code: str) -> int:
    with app.extensions["jianfu.db"].sessions() as db:
        return int(db.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one())


def _events(app: Flask) -> int:
    with app.extensions["jianfu.db"].sessions() as db:
        return int(db.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.type == "admin_action")) or 0)


def _admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    Web(client, None).login("admin")  # type: ignore[arg-type]
    return client


def _upload(client: FlaskClient, data: bytes, name: str = "tree.csv") -> Any:
    token = csrf_token(client.get("/admin/units/import").get_data(as_text=True))
    return client.post("/admin/units/import", data={
        "csrf_token": token, "file": (BytesIO(data), name)},
        content_type="multipart/form-data")


def _text(response: Any) -> str:
    html = response.get_data(as_text=True)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_every_role_and_every_route_no_unauthorized_2xx(app: Flask) -> None:
    unit = _unit_id(app, "dgz-v1")
    gets = ["/admin/units", f"/admin/units/{unit}", "/admin/units/import",
            "/admin/units/export.csv", "/admin/units/export.xlsx", "/admin/units?q=x&page=2"]
    posts = [f"/admin/units/{unit}", "/admin/units/import"]
    wrong = []
    for username in [None, *(u for u, *_ in DEMO_USERS)]:
        client = app.test_client()
        token = ""
        if username is not None:
            Web(client, None).login(username)  # type: ignore[arg-type]
            token = csrf_token(client.get("/password").get_data(as_text=True))
        for url in gets:
            code = client.get(url).status_code
            if (code < 300) != (username == "admin"):
                wrong.append((username, "GET", url, code))
        for url in posts:
            code = client.post(url, data={"csrf_token": token, "name": "改名",
                                          "confirm": "1"}).status_code
            if code < 300:
                wrong.append((username, "POST", url, code))
            if username not in (None, "admin") and code != 404:
                wrong.append((username, "POST", url, code))
    assert wrong == []
    assert _events(app) == 0


def test_the_list_searches_filters_and_pages_by_50(app: Flask) -> None:
    client = _admin(app)
    extra = [row(f"dgz-x{i}", f"大观镇新村{i}", "dgz", "村", f"500119104{210 + i}")
             for i in range(40)]
    with app.extensions["jianfu.db"].sessions() as db:
        _apply(db, [*sample_rows(), *extra])
    first = _text(client.get("/admin/units"))
    assert "共 81 个单位" in first and "第 1 / 2 页" in first
    second = client.get("/admin/units?page=2").get_data(as_text=True)
    assert second.count("<tr") == 1 + 31
    found = _text(client.get("/admin/units?q=500119104201"))
    assert "共 1 个单位" in found and "大观镇示例村1（演示）" in found and "村或社区" in found
    towns = _text(client.get("/admin/units?kind=town"))
    assert "共 6 个单位" in towns and "南城街道" in towns
    assert "共 0 个单位" in _text(client.get("/admin/units?q=%25"))  # % is no wildcard
    english = _text(client.get("/admin/units?kind=department&lang=en"))
    assert "16 unit(s)" in english and "Department" in english


def _apply(db: Session, rows: list[dict[str, str]], as_of: Any = None) -> None:
    from datetime import date

    from workflows.kernel.access import SYSTEM_ACTOR

    plan = org_import.plan_import(db, org_import.read_rows(csv_bytes(rows), "t.csv"),
                                  as_of=as_of or date.today())
    assert not plan.errors, [str(e) for e in plan.errors]
    org_import.apply_import(db, SYSTEM_ACTOR, plan)


def test_inactive_units_are_marked(app: Flask) -> None:
    from datetime import date, timedelta

    with app.extensions["jianfu.db"].sessions() as db:
        _apply(db, [r for r in sample_rows() if r["code"] != "htz-v2"],
               as_of=date.today() + timedelta(days=-3))
    client = _admin(app)
    html = client.get("/admin/units?status=inactive").get_data(as_text=True)
    assert "河图镇示例村2（演示）" in html and "已失效" in html
    assert "共 1 个单位" in _text(client.get("/admin/units?status=inactive"))
    page = _text(client.get(f"/admin/units/{_unit_id(app, 'htz-v2')}"))
    assert "单位失效" in page or "已失效" in page


def test_editing_a_unit_checks_it_and_records_it(app: Flask) -> None:
    client = _admin(app)
    unit = _unit_id(app, "dgz-v2")
    url = f"/admin/units/{unit}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="name" value="大观镇示例村2（演示）"' in page
    assert 'name="official_code" value="500119104202"' in page
    token = csrf_token(page)
    form = {"csrf_token": token, "name": "大观镇金龙村", "official_code": "500119105202",
            "valid_from": "2020-01-01", "valid_to": ""}
    bad = client.post(url, data=form)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert ('data-field="official_code">村（社区）的区划代码应以所属镇（街道）的 9 位代码 '
            "500119104 开头") in html, html
    assert "“xlz-v2”所在行" not in html  # the clash is named on the field, once
    assert _events(app) == 0
    form["official_code"] = "500119104202"
    done = client.post(url, data=form)
    assert done.status_code == 302
    page = _text(client.get(url))
    assert "已保存" in page and "大观镇金龙村" in page and "2020-01-01" in page
    assert "单位信息变更" in page and "变更后 名称 大观镇金龙村 生效日期 2020-01-01" in page
    assert _events(app) == 1
    same = client.post(url, data=form)
    assert same.status_code == 302 and "没有改动" in _text(client.get(url))
    form.update(valid_from="2020-02-30")
    wrong_day = client.post(url, data=form)
    assert wrong_day.status_code == 422
    assert "“2020-02-30”不是 YYYY-MM-DD 格式的日期" in wrong_day.get_data(as_text=True)


def test_import_shows_the_plan_then_applies_on_confirmation(app: Flask) -> None:
    client = _admin(app)
    rows = [dict(r, name="大观镇龙山村") if r["code"] == "dgz-v3" else r for r in sample_rows()]
    rows += [row("dgz-v4", "大观镇新村", "dgz", "村", "500119104204")]
    preview = _upload(client, csv_bytes(rows))
    assert preview.status_code == 200
    text = _text(preview)
    assert "确认这 2 处改动" in text and "大观镇龙山村" in text and "大观镇新村" in text
    assert _events(app) == 0
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"',
                           preview.get_data(as_text=True).split('id="confirm-form"')[1]))
    tampered = client.post("/admin/units/import", data={**form, "name": "x.csv",
                                                        "confirm": "1"})
    assert tampered.status_code == 422 and _events(app) == 0
    done = client.post("/admin/units/import", data={**form, "confirm": "1"})
    assert done.status_code == 302 and _events(app) == 2
    assert "导入完成：共 2 处改动" in _text(client.get("/admin/units"))
    again = _upload(client, csv_bytes(rows))
    assert "无需改动" in _text(again)


def test_a_plan_made_stale_is_shown_again(app: Flask) -> None:
    client = _admin(app)
    rows = [r for r in sample_rows() if r["code"] != "xlz-v1"]
    preview = _upload(client, csv_bytes(rows))
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"',
                           preview.get_data(as_text=True).split('id="confirm-form"')[1]))
    with app.extensions["jianfu.db"].sessions() as db:
        _apply(db, [r for r in sample_rows() if r["code"] != "xlz-v2"])
    stale = client.post("/admin/units/import", data={**form, "confirm": "1"})
    assert stale.status_code == 200 and "检查文件之后组织机构又有变动" in _text(stale)
    assert _events(app) == 1


def test_a_bad_file_is_refused_with_every_error_in_chinese(app: Flask) -> None:
    client = _admin(app)
    rows = [*sample_rows(), row("x1", "新村", "nowhere", "村", "500119104209"),
            row("x2", "新镇", "nanchuan", "镇", "5001191300")]
    refused = _upload(client, csv_bytes(rows))
    assert refused.status_code == 422
    text = _text(refused)
    assert "请改正以下 2 处错误" in text
    assert "43 上级编码 上级单位“nowhere”不存在" in text
    assert "44 统一代码 镇或街道的统一代码应为 12 位数字" in text
    assert "1 上级编码 缺少必需的列" in _text(_upload(client, b"code,name\nx,y\n"))
    wrong_type = _upload(client, b"x", "t.txt")
    assert wrong_type.status_code == 422 and "文件须为 .csv 或 .xlsx 格式" in _text(wrong_type)
    empty = _upload(client, b"", "t.csv")
    assert empty.status_code == 422 and "请选择 CSV 或 XLSX 文件" in _text(empty)
    client.get("/admin/units/import?lang=en")
    english = _text(_upload(client, csv_bytes(rows)))
    assert "43 Parent code unknown parent 'nowhere'" in english
    assert "44 Official code a town or sub-district's official code is 12 digits" in english
    assert _events(app) == 0


def test_exports_import_back_unchanged(app: Flask) -> None:
    client = _admin(app)
    data = client.get("/admin/units/export.csv")
    assert data.headers["Content-Disposition"].startswith('attachment; filename="org_tree_')
    assert data.data.startswith("\ufeff编码,统一代码,名称".encode())
    assert "无需改动" in _text(_upload(client, data.data))
    book = client.get("/admin/units/export.xlsx?lang=en")
    assert str(book.mimetype).endswith("spreadsheetml.sheet")
    assert "nothing to change" in _text(_upload(client, book.data, "tree.xlsx"))


def test_every_import_message_is_listed_and_translated(app: Flask) -> None:
    assert set(units.ALL_MESSAGES) <= set(units.IMPORT_MESSAGES)
    with app.test_request_context("/?lang=zh_CN"):
        from flask_babel import gettext

        untranslated = [m for m in units.IMPORT_MESSAGES if gettext(m) == m]
    assert untranslated == []
