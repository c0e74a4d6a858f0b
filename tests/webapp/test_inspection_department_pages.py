"""Issue 19, item 8: the menu leads to /inspections/ for everyone who uses it; a department
sees the calendar of the villages it may request (to look for conflicts before filing) and
the combined sessions its own meetings are in, not the villages' burden ledger."""

from __future__ import annotations

from tests.integration.inspection_world import InspectionDriver, meeting, unit_id
from tests.webapp.conftest import Web


def _fresh(web: Web, username: str) -> None:
    web.client = web.client.application.test_client()
    web.login(username)


def test_the_menu_links_the_inspection_pages(web: Web) -> None:
    for username in ("mz_clerk", "mz_head", "dg_official", "dg_cadre", "nb_staff"):
        _fresh(web, username)
        inbox = web.client.get("/inbox").get_data(as_text=True)
        assert 'id="nav-inspections"' in inbox and 'href="/inspections/"' in inbox, username


def test_a_department_sees_the_calendar_and_its_own_sessions(web: Web) -> None:
    drive = InspectionDriver(web.db)
    v1, v2 = unit_id(web.db, "dgz-v1"), unit_id(web.db, "mlz-v1")
    meeting(drive, "mz_clerk", {"purpose": "低保政策培训", "attendees": "村党支部书记",
                                "village_ids": [v1], "town_ids": [], "hours": 1.5,
                                "mode": "on_site", "preferred_date": "2026-03-10"})
    meeting(drive, "tj_clerk", {"purpose": "统计报表布置", "attendees": "村会计",
                                "village_ids": [v2], "town_ids": [], "hours": 1,
                                "mode": "on_site", "preferred_date": "2026-03-10"})
    web.db.rollback()
    for username in ("mz_clerk", "mz_head"):
        _fresh(web, username)
        for village in (v1, v2):
            assert web.client.get(f"/inspections/calendar?village={village}").status_code == 200
        sessions = web.client.get("/inspections/sessions")
        assert sessions.status_code == 200, username
        html = sessions.get_data(as_text=True)
        assert "低保政策培训" in html and "统计报表布置" not in html
        assert web.client.get(f"/inspections/ledger?village={v1}").status_code == 404
