"""Issue 19, items 3 and 7 in Chromium, on a 390 x 844 phone and on a desktop, in Chinese and
English: the 统计局 clerk joins an overlapping inspection from the choices (department, dates,
villages) without typing a number; the host department hears of it and the joining team is on
the village calendar; a town's objection reaches the clerk at once, saying what it did to the
other town's review. Screenshots: test-output/browser/issue19-join-*, issue19-objection-*."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from models import OrgUnit, User
from tests.integration.inspection_world import InspectionDriver, draft, unit_id
from workflows.kernel import access, accounts
from workflows.kernel.ids import InspectionTask

T = InspectionTask
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
DEVICES = (("phone", PHONE, "research"), ("desktop", DESKTOP, "law_enforcement"))


def _world(app: Flask) -> dict[str, Any]:
    """An approved 民政局 inspection of 示例村1 and 示例村2; per device a 统计局 request of
    示例村2 and 示例村3 on the same day (stopped at the overlap) and a 民政局 request of two
    towns waiting for both towns' reviews."""
    soon = (date.today() + timedelta(days=20)).isoformat()
    later = (date.today() + timedelta(days=50)).isoformat()
    with app.extensions["jianfu.db"].sessions() as db:
        if db.scalar(select(User.id).where(User.username == "ml_official")) is None:
            official = accounts.create_user(db, "ml_official", "木凉镇经办人（演示）",
                                            "jianfu-demo-2026")
            town = db.get(OrgUnit, unit_id(db, "mlz"))
            assert town is not None
            accounts.assign_role(db, official, access.TOWN_OFFICIAL, town)
            db.commit()
        drive = InspectionDriver(db, start=datetime.now(UTC) - timedelta(hours=60))
        host = drive.approve(draft(db, ["dgz-v1", "dgz-v2"], window_start=soon,
                                   window_end=soon), title="民政低保检查（联合）")
        ids: dict[str, Any] = {"host": host, "v2": unit_id(db, "dgz-v2"),
                               "mlz": unit_id(db, "mlz")}
        for tag, _device, kind in DEVICES:
            extra = {"legal_basis": "《统计法》第三十三条"} if kind == "law_enforcement" else {}
            ids[f"join-{tag}"] = drive.to_checks(
                draft(db, ["dgz-v2", "dgz-v3"], inspection_type=kind, people=2,
                      window_start=soon, window_end=soon, **extra),
                title=f"统计数据核查（{tag}）", clerk="tj_clerk", head="tj_head")
            ids[f"object-{tag}"] = drive.to_checks(
                draft(db, ["dgz-v1", "mlz-v1"], window_start=later, window_end=later),
                title=f"两镇低保检查（{tag}）")
        db.commit()
    return ids


def _task(page: Any, base: str, case_id: int, task_id: str) -> str | None:
    data = page.request.get(f"{base}/api/v1/cases/{case_id}").json()
    uuids = [t["task_uuid"] for t in data.get("tasks", [])
             if t["state"] == "open" and t["task_id"] == task_id]
    return f"{base}/cases/{case_id}/tasks/{uuids[0]}" if uuids else None


def _shot(page: Any, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"issue19-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, (name, width)


def _en(page: Any, screenshots: Path, name: str) -> None:
    url = page.url
    page.goto(url + ("&" if "?" in url else "?") + "lang=en")
    _shot(page, screenshots, f"{name}-en")


def test_joining_from_choices(live_app: Flask, live_server: str, people: Any,
                              screenshots: Path) -> None:
    base, ids = live_server, _world(live_app)
    for tag, device, _kind in DEVICES:
        case_id = ids[f"join-{tag}"]
        tj = people(base, "tj_clerk", device)
        url = _task(tj, base, case_id, T.RESOLVE_OVERLAP)
        assert url is not None
        tj.goto(url)
        choices = tj.locator("#join-choices")
        text = choices.inner_text()
        for expected in ("民政低保检查（联合）", "区民政局", "大观镇示例村2", "大观镇示例村3",
                         "一同检查的村", "该检查不到的村"):
            assert expected in text, expected
        # no case number to type: a button per choice; the form below only reschedules
        assert not tj.locator("#f-merge_with").is_visible()
        assert not tj.locator("button[name=overlap_decision][value=merge]").is_visible()
        assert tj.locator("button[name=overlap_decision][value=reschedule]").is_visible()
        _shot(tj, screenshots, f"join-choices-tj-{tag}")
        choices.get_by_role("button", name="加入此检查").first.click()
        tj.locator(".flash", has_text="已办理").wait_for()
        status = tj.request.get(f"{base}/api/v1/cases/{case_id}").json()["status"]
        assert status == "merged"
        tj.goto(f"{base}/cases/{case_id}")
        assert "民政低保检查（联合）" in tj.locator("main").inner_text()
        _shot(tj, screenshots, f"join-merged-tj-{tag}")
        tj.goto(f"{base}/cases/{ids['host']}")  # the host case: the joined view, not a 404
        tj.locator("#joined-inspection").wait_for()
        assert "区统计局" in tj.locator(".joined-teams").inner_text()
        _shot(tj, screenshots, f"join-host-tj-{tag}")
        _en(tj, screenshots, f"join-host-tj-{tag}")
        tj.goto(f"{base}/cases/{case_id}?lang=zh_CN")

        mz = people(base, "mz_clerk", device)
        mz.goto(f"{base}/notifications")
        told = mz.locator("main").inner_text()
        assert "区统计局" in told and "加入本部门的检查" in told
        _shot(mz, screenshots, f"join-notice-host-{tag}")
        mz.goto(f"{base}/inspections/calendar?village={ids['v2']}")
        row = mz.locator("tr", has_text=f"统计数据核查（{tag}）")
        assert "随已批准的检查“民政低保检查（联合）”联合检查" in row.inner_text()
        _shot(mz, screenshots, f"join-calendar-{tag}")
        _en(mz, screenshots, f"join-calendar-{tag}")
        tj.goto(url.split("/tasks/")[0])
        _en(tj, screenshots, f"join-merged-tj-{tag}")


def test_a_town_objection_reaches_the_clerk_at_once(live_app: Flask, live_server: str,
                                                    people: Any, screenshots: Path) -> None:
    base, ids = live_server, _world(live_app)
    for tag, device, _kind in DEVICES:
        case_id = ids[f"object-{tag}"]
        town = people(base, "ml_official", device)
        data = town.request.get(f"{base}/api/v1/cases/{case_id}").json()
        mine = [t for t in data["tasks"] if t["state"] == "open"
                and t["task_id"] == T.TOWN_REVIEW and t["scope_org_unit_id"] == ids["mlz"]]
        assert len(mine) == 1
        town.goto(f"{base}/cases/{case_id}/tasks/{mine[0]['task_uuid']}")
        town.fill("#f-objection", "正值秋收，村干部人手不足")
        town.locator("button[name=town_decision][value=object]").click()
        town.locator(".flash", has_text="已办理").wait_for()

        clerk = people(base, "mz_clerk", device)
        assert _task(clerk, base, case_id, T.TOWN_REVIEW) is None  # 大观镇's withdrawn
        draft_url = _task(clerk, base, case_id, T.DRAFT_REQUEST)
        assert draft_url is not None
        clerk.goto(draft_url)
        notice = clerk.locator("#return-reason").inner_text()
        assert "正值秋收" in notice and "木凉镇" in notice
        effect = clerk.locator("#town-return-effect").inner_text()
        assert "大观镇" in effect and "重新审核" in effect
        _shot(clerk, screenshots, f"objection-draft-clerk-{tag}")
        clerk.goto(f"{base}/notifications")
        assert "正值秋收" in clerk.locator("main").inner_text()
        _shot(clerk, screenshots, f"objection-notice-clerk-{tag}")
        clerk.goto(draft_url)
        _en(clerk, screenshots, f"objection-draft-clerk-{tag}")
