"""Staff pages show every value as a person reads it (issue 18, item 2): units and villages
by name, local times to the minute (no UTC, no microseconds), no JSON lists or `[]`, the
history's task by its name (受理审核, not `intake`), and a unit head's reassignment labelled
as the unit head's act, not the clerk's (issue 18, item 4)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from models import Case

RAW_MOMENT = re.compile(r"\d{2}:\d{2}:\d{2}\.\d+|\+00:00|T\d{2}:\d{2}")


def _body(html: str) -> str:
    return html.split("<main", 1)[-1]


def _complaint(web: Any, status: str) -> int:
    case_id = web.db.scalar(select(Case.id).where(Case.case_type == "burden_complaint",
                                                  Case.status == status))
    web.db.rollback()
    assert case_id is not None
    return int(case_id)


def test_a_complaint_page_reads_as_text(web: Any, client: Any) -> None:
    case_id = _complaint(web, "verification")
    web.login("nb_staff")
    page = _body(client.get(f"/cases/{case_id}").get_data(as_text=True))
    assert not RAW_MOMENT.search(page.replace('datetime="', "").split("<time")[0]), \
        RAW_MOMENT.search(page)
    shown = re.sub(r'datetime="[^"]*"', "", page)
    assert not RAW_MOMENT.search(shown), RAW_MOMENT.search(shown)
    assert "[]" not in shown and "{&#34;" not in shown and '{"' not in shown
    # Town, village and responsible unit by name, never their ids.
    for label, name in (("乡镇（街道）", "大观镇"), ("村（社区）", "大观镇示例村1（演示）"),
                        ("责任单位", "大观镇")):
        assert re.search(rf"<dt>{re.escape(label)}</dt><dd>{re.escape(name)}</dd>", shown), label
    assert "任务: 受理审核" in shown and "<code>intake</code>" not in shown
    # The deadline reads the same in the data as in the open task: local time.
    due = re.search(r"<dt>核查期限</dt><dd>([^<]+)</dd>", shown)
    assert due and re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", due.group(1))
    assert f"办理期限 {due.group(1)}" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", shown))


def test_a_reassignment_is_the_unit_heads_act_in_the_history(web: Any, client: Any) -> None:
    case_id = web.case_id(web.DRAFT_CASE)
    web.login("mz_head")
    task = web.open_task(case_id)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    target = re.search(r'<option value="(\d+)">民政局经办人二', page)
    assert target
    done = web.post_form(f"/cases/{case_id}", f"/cases/{case_id}/tasks/{task}/reassign",
                         {"to_user_id": target.group(1)})
    assert done.status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    entry = page.split("<strong>转派任务</strong>", 1)[1].split("</p>", 1)[0]
    assert "民政局负责人（演示） (单位负责人)" in entry and "(经办人)" not in entry


def test_records_and_lists_read_as_text_not_json(app: Any) -> None:
    """Structured values no feature formats (e.g. an automatic check's facts) read as
    "label: value" pairs and lists, never JSON."""
    from webapp.cases.readable import readable

    facts = {"quota": 2, "used": [1, 2], "reason": "over_quota",
             "at": "2026-12-09T22:49:30.380977+00:00", "towns": [], "ok": False}
    with app.test_request_context("/?lang=zh_CN"):
        shown = readable("check_facts_demo", facts)
        listed = readable("reminders", [{"stage": "intake", "at": "2026-12-09T22:49:30+00:00"}])
    assert isinstance(shown, str) and not re.search(r"[{}\[\]\"]|\.380977|\+00:00", shown)
    assert "2026-12-10 06:49" in shown and "否" in shown
    assert isinstance(listed, list) and len(listed) == 1 and "2026-12-10 06:49" in listed[0]
