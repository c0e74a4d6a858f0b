"""The pickers of the inspection and meeting drafts (issue 6): villages grouped by town with
a whole-town box, the catalog items in force, material rows with an "already held" box.
Plain multi-value posts reach the case data; a re-shown form keeps the ticks; a bad id is
an error next to the field it belongs to (422, never a 500)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from models import OrgKind, OrgUnit
from tests.webapp.conftest import Web
from workflows.catalog import demo as demo_items
from workflows.catalog.projection import write_publication
from workflows.kernel.ids import InspectionTask, MeetingTask

NEXT = date.today().year + 1  # request dates must not be past (issue 19)

DRAFT = {"inspection_type": "assessment", "purpose": "检查人居环境整治",
         "window_start": f"{NEXT}-04-13", "window_end": f"{NEXT}-04-14", "people": "3", "days": "1"}


def _unit(web: Web, code: str) -> int:
    uid = web.db.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
    web.db.rollback()
    assert uid is not None
    return uid


def _item(web: Web) -> tuple[int, str]:
    """One published catalog item (the web fixture's demo has no catalog), written as the
    approval's publication writes it; the row hangs on a demo case for its foreign key."""
    host = web.case_id(Web.DRAFT_CASE)
    fields = {**demo_items.CATALOG[0][2], "change_kind": "new", "effective_date": "2026-01-01",
              "owner_unit_id": _unit(web, "qnyw")}
    item = write_publication(web.db, host, fields, datetime(2026, 1, 5, tzinfo=UTC), None)
    code = item.code
    web.db.commit()
    return host, code


def _draft_page(web: Web, process: str, task_id: str, title: str) -> str:
    web.login("mz_clerk")
    start = web.client.get(f"/cases/new/{process}")
    assert start.status_code == 200
    res = web.post_form(f"/cases/new/{process}", f"/cases/new/{process}",
                        {"title": title, "form_key": title})
    assert res.status_code in (302, 303)
    case_id = web.case_id(title)
    data = web.client.get(f"/api/v1/cases/{case_id}").get_json()
    uuid = next(t["task_uuid"] for t in data["tasks"]
                if t["state"] == "open" and t["task_id"] == task_id)
    return f"/cases/{case_id}/tasks/{uuid}"


def _box(html: str, name: str, value: int | str) -> re.Match[str] | None:
    return re.search(rf'<input type="checkbox"[^>]* name="{name}" value="{value}"[^>]*>', html)


def _ticked(html: str, name: str, value: int | str) -> bool:
    box = _box(html, name, value)
    assert box is not None, (name, value)
    return " checked" in box.group(0)


def _post(web: Web, page: str, fields: dict[str, Any]) -> Any:
    return web.post_form(page, page, fields)


def _case(web: Web, page: str) -> dict[str, Any]:
    case_id = page.split("/")[2]
    return dict(web.client.get(f"/api/v1/cases/{case_id}").get_json()["data"])


def test_the_draft_picks_villages_by_town_items_and_materials(web: Web) -> None:
    item_id, code = _item(web)
    page = _draft_page(web, "inspection_request", InspectionTask.DRAFT_REQUEST, "人居环境考核")
    html = web.client.get(page).get_data(as_text=True)
    towns = web.db.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.TOWN.value)).all()
    villages = web.db.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.VILLAGE.value)).all()
    web.db.rollback()
    assert len(towns) == 6 and len(villages) == 18
    for town in towns:  # a group per town: its name as the heading, a whole-town box
        assert f"<legend>{town.name}</legend>" in html
        assert not _ticked(html, "town_ids", town.id)
        assert f"{town.name}全部村" in html
    for village in villages:  # every village, by its Chinese name, in its town's group
        assert not _ticked(html, "village_ids", village.id)
        assert village.name in html
        group = html.split(f'data-town="{village.parent_id}"', 1)[1].split("</fieldset>", 1)[0]
        assert f'value="{village.id}"' in group
    assert not _ticked(html, "item_ids", item_id)
    assert code in html and "村级人居环境整治考核" in html
    assert 'name="materials-0-name"' in html and 'name="materials-0-held"' in html
    assert "ids, separated by commas" not in html and "逗号" not in html

    v1, mlz1, xlz = _unit(web, "dgz-v1"), _unit(web, "mlz-v1"), _unit(web, "xlz")
    res = _post(web, page, {**DRAFT, "village_ids": [str(v1), str(mlz1)], "town_ids": [str(xlz)],
                            "item_ids": [str(item_id)], "materials-0-name": "考核自评表",
                            "materials-0-held": "1", "materials-1-name": "",
                            "materials-2-name": "垃圾清运记录"})
    assert res.status_code in (302, 303), res.get_data(as_text=True)[:3000]
    data = _case(web, page)
    assert data["village_ids"] == [v1, mlz1] and data["town_ids"] == [xlz]
    assert data["item_ids"] == [item_id]
    assert data["materials"] == [{"name": "考核自评表", "already_held": True},
                                 {"name": "垃圾清运记录", "already_held": False}]
    xlz_villages = [_unit(web, f"xlz-v{i}") for i in (1, 2, 3)]
    assert sorted(v["unit_id"] for v in data["villages"]) == sorted([v1, mlz1, *xlz_villages])
    assert {t["unit_id"]: t["village_ids"] for t in data["towns"]} == {
        _unit(web, "dgz"): [v1], _unit(web, "mlz"): [mlz1], xlz: xlz_villages}


def test_a_form_shown_again_keeps_the_ticks_and_rows(web: Web) -> None:
    item_id, _code = _item(web)
    page = _draft_page(web, "inspection_request", InspectionTask.DRAFT_REQUEST, "再显示")
    v2, dgz, htz = _unit(web, "dgz-v2"), _unit(web, "dgz"), _unit(web, "htz")
    res = _post(web, page, {**DRAFT, "window_end": f"{NEXT}-04-01", "village_ids": [str(v2)],
                            "town_ids": [str(dgz), str(htz)], "item_ids": [str(item_id)],
                            "materials-0-name": "自评表", "materials-1-name": "台账",
                            "materials-1-held": "1"})
    assert res.status_code == 422
    html = res.get_data(as_text=True)
    assert 'data-field="window_end"' in html
    assert _ticked(html, "village_ids", v2)
    assert not _ticked(html, "village_ids", _unit(web, "dgz-v1"))
    assert _ticked(html, "town_ids", dgz) and _ticked(html, "town_ids", htz)
    assert not _ticked(html, "town_ids", _unit(web, "mlz"))
    assert _ticked(html, "item_ids", item_id)
    assert 'name="materials-0-name" value="自评表"' in html
    assert 'name="materials-1-name" value="台账"' in html
    assert not _ticked(html, "materials-0-held", 1) and _ticked(html, "materials-1-held", 1)
    assert 'name="materials-4-name" value=""' in html  # empty rows to add more


def test_a_bad_id_is_an_error_next_to_its_field(web: Web) -> None:
    page = _draft_page(web, "inspection_request", InspectionTask.DRAFT_REQUEST, "错误的编号")
    v1 = _unit(web, "dgz-v1")
    draft = {**DRAFT, "inspection_type": "business"}
    cases = [
        ({"village_ids": ["99999999"]}, "village_ids", "99999999 不是村"),
        ({"village_ids": ["abc"]}, "village_ids", "不是有效的整数"),
        ({"village_ids": [str(v1)], "town_ids": [str(v1)]}, "town_ids", f"{v1} 不是乡镇"),
        ({"village_ids": [str(v1)], "item_ids": ["0"]}, "item_ids", "1"),
        ({}, "village_ids", "请至少选择一个村或乡镇"),
        ({"village_ids": [str(v1)], "inspection_type": "assessment"}, "item_ids",
         "考核评比须选择目录中的项目"),
    ]
    for fields, name, message in cases:
        res = _post(web, page, {**draft, **fields})
        assert res.status_code == 422, (fields, res.status_code)
        html = res.get_data(as_text=True)
        error = re.search(rf'<p class="error"[^>]* data-field="{name}">([^<]*)</p>', html)
        assert error is not None and message in error.group(1), (fields, html[:200])
    assert _case(web, page).get("villages") is None  # nothing was saved


def test_the_meeting_draft_picks_whole_towns(web: Web) -> None:
    page = _draft_page(web, "meeting_request", MeetingTask.DRAFT_MEETING, "村级会议")
    html = web.client.get(page).get_data(as_text=True)
    nzz = _unit(web, "nzz")
    assert _box(html, "town_ids", nzz) is not None and 'name="item_ids"' not in html
    res = _post(web, page, {"purpose": "安全生产培训", "attendees": "村党支部书记",
                            "town_ids": [str(nzz)], "hours": "1", "mode": "online",
                            "preferred_date": f"{NEXT}-05-06"})
    assert res.status_code in (302, 303), res.get_data(as_text=True)[:3000]
    data = _case(web, page)
    assert [t["unit_id"] for t in data["towns"]] == [nzz] and len(data["villages"]) == 3
