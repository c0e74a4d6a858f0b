"""Issue 19 in Chromium, as the clerk, the head, the town official and the village cadre see
it (phone 390 px and desktop, zh_CN and English): the department's scorecard without the
lone village's figures (1) and its case page without the rating's village or time (2); why a
draft came back and what the check says before sending (4, 5); the menu and the calendar
(8); the cadre's notification and labelled rating, the town's review and inbox by village
name (9); Chinese messages and labels (11). Screenshots: test-output/browser/issue19-*."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from tests.integration.inspection_world import InspectionDriver, draft, meeting, unit_id
from workflows.kernel.ids import InspectionTask

T = InspectionTask
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def _world(app: Flask) -> dict[str, int]:
    """An approved inspection rated by one village, a request a town objected to, and one
    whose overlap the 统计局 clerk resolves; dates from today on."""
    soon = date.today() + timedelta(days=20)
    day = soon.isoformat()
    with app.extensions["jianfu.db"].sessions() as db:
        drive = InspectionDriver(db, start=datetime.now(UTC) - timedelta(hours=40))
        rated = drive.approve(draft(db, ["dgz-v1", "dgz-v2"], window_start=day,
                                    window_end=day), title="民政低保检查（浏览器）")
        drive.do("mz_clerk", rated, T.RECORD_OUTCOME, {
            "actual_start": day, "actual_end": day, "actual_people": 2, "actual_days": 1,
            "actual_materials": ["低保名册"]})
        drive.do("dg_cadre", rated, T.RATE_BURDEN, {"burden_rating": 4,
                                                   "rating_comment": "准备台账两天"})
        objected = drive.to_checks(draft(db, ["dgz-v3"], window_start=day, window_end=day),
                                   title="人居环境检查（浏览器）")
        drive.do("dg_official", objected, T.TOWN_REVIEW,
                 {"town_decision": "object", "objection": "正值秋收，村干部人手不足"})
        overlap = drive.to_checks(draft(db, ["dgz-v2"], window_start=day, window_end=day),
                                  title="统计调查（浏览器）", clerk="tj_clerk", head="tj_head")
        review = drive.to_checks(draft(db, ["dgz-v3"], window_start=(soon + timedelta(days=40))
                                       .isoformat(), window_end=(soon + timedelta(days=40))
                                       .isoformat()), title="待镇审核（浏览器）")
        later = (soon + timedelta(days=3)).isoformat()
        unrated = drive.approve(draft(db, ["dgz-v1"], window_start=later, window_end=later),
                                title="待评价的检查（浏览器）")
        drive.do("mz_clerk", unrated, T.RECORD_OUTCOME, {
            "actual_start": later, "actual_end": later, "actual_people": 1, "actual_days": 1,
            "actual_materials": []})
        for clerk, purpose, village, hours in (("mz_clerk", "低保政策培训", "dgz-v1", 1.5),
                                               ("tj_clerk", "统计报表布置", "dgz-v2", 1.0)):
            meeting(drive, clerk, {"purpose": purpose, "attendees": "村党支部书记",
                                   "village_ids": [unit_id(db, village)], "town_ids": [],
                                   "hours": hours, "mode": "on_site", "preferred_date": day})
        unit = unit_id(db, "qmzj")
        village = unit_id(db, "dgz-v1")
        db.commit()
    return {"unrated": unrated, "rated": rated, "objected": objected, "overlap": overlap,
            "review": review, "unit": unit, "village": village}


def _task(page: Any, base: str, case_id: int, task_id: str) -> str:
    data = page.request.get(f"{base}/api/v1/cases/{case_id}").json()
    uuid = next(t["task_uuid"] for t in data["tasks"]
                if t["state"] == "open" and t["task_id"] == task_id)
    return f"{base}/cases/{case_id}/tasks/{uuid}"


def _shot(page: Any, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"issue19-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, (name, width)


def test_clerk_head_town_and_cadre(live_app: Flask, live_server: str, people: Any,
                                   screenshots: Path) -> None:
    base, ids = live_server, _world(live_app)
    for device, tag in ((PHONE, "phone"), (DESKTOP, "desktop")):
        head = people(base, "mz_head", device)
        head.goto(f"{base}/audit/scorecards/{ids['unit']}")
        assert head.locator("#distribution").count() == 0
        assert "4.00" not in head.locator("#ratings").inner_text()
        _shot(head, screenshots, f"scorecard-head-{tag}")

        clerk = people(base, "mz_clerk", device)
        clerk.goto(f"{base}/cases/{ids['rated']}")
        history = clerk.locator("ol.history").inner_text()
        assert "不向申请部门显示" in history and "示例村" not in history.split("不向")[1][:200]
        _shot(clerk, screenshots, f"case-rating-clerk-{tag}")
        draft_url = _task(clerk, base, ids["objected"], T.DRAFT_REQUEST)
        clerk.goto(draft_url)
        assert "正值秋收" in clerk.locator("#return-reason").inner_text()
        clerk.locator("button[name=preview]").click()
        clerk.locator("#draft-check").wait_for()
        _shot(clerk, screenshots, f"draft-returned-clerk-{tag}")
        clerk.locator("#nav-inspections").click()
        clerk.get_by_role("link", name="村级日程").click()
        _shot(clerk, screenshots, f"calendar-clerk-{tag}")

        tj = people(base, "tj_clerk", device)
        tj.goto(f"{base}/cases/{ids['overlap']}")
        assert tj.locator("span.status").inner_text() == "重叠待处理：合并或改期"
        tj.goto(_task(tj, base, ids["overlap"], T.RESOLVE_OVERLAP))
        tj.locator("button[name=overlap_decision][value=reschedule]").click()
        assert "请填写理由" in tj.locator("p.error[data-field=comment]").inner_text()
        _shot(tj, screenshots, f"overlap-error-tj-{tag}")

        cadre = people(base, "dg_cadre", device)
        cadre.goto(f"{base}/notifications")
        assert "已批准的检查将到本村" in cadre.locator("main").inner_text()
        _shot(cadre, screenshots, f"notifications-cadre-{tag}")
        cadre.goto(_task(cadre, base, ids["unrated"], T.RATE_BURDEN))
        assert cadre.locator("input[type=radio][name=burden_rating]").count() == 5
        cadre.get_by_label("4 · 负担较重").check()
        _shot(cadre, screenshots, f"rating-cadre-{tag}")
        cadre.goto(f"{base}/inspections/sessions")
        assert cadre.locator("li.agenda-item.concerns").count() == 1
        _shot(cadre, screenshots, f"sessions-cadre-{tag}")

        town = people(base, "dg_official", device)
        town.goto(_task(town, base, ids["review"], T.TOWN_REVIEW))
        assert not re.search(r'"(name|unit_id)":', town.locator("main").inner_text())
        _shot(town, screenshots, f"town-review-{tag}")
        town.goto(f"{base}/inbox")
        assert "大观镇示例村3" in town.locator("main").inner_text()
        _shot(town, screenshots, f"inbox-town-{tag}")
        for page, url, name in (
                (clerk, draft_url, "draft-returned-clerk"), (town, f"{base}/inbox", "inbox-town"),
                (head, f"{base}/audit/scorecards/{ids['unit']}", "scorecard-head"),
                (clerk, f"{base}/inspections/calendar?village={ids['village']}", "calendar"),
                (cadre, f"{base}/inspections/sessions", "sessions-cadre")):
            page.goto(url + ("&" if "?" in url else "?") + "lang=en")
            _shot(page, screenshots, f"{name}-{tag}-en")
