"""An "unapproved inspection" complaint linked to the village's calendar (issue 6).

A village calendar links to the portal with the kind and the village chosen; the complaint
may name the day; 区委农办 sees on the complaint whether an approved inspection of that
village is on its calendar near that day, and the village calendar lists the complaints of
that kind (for those who may open them).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from models import OrgUnit
from tests.integration.inspection_world import InspectionDriver, actor, draft
from tests.webapp.conftest import Web
from webapp.core.db import Database
from workflows.complaints import calendar_check as complaint_calendar
from workflows.inspections import ledger as village_ledger

Public = Any


def _village(app: Flask, code: str) -> tuple[int, int]:
    database: Database = app.extensions["jianfu.db"]
    with database.sessions() as s:
        unit = s.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
        assert unit.parent_id is not None
        return unit.id, unit.parent_id


def _approve_inspection(app: Flask) -> int:
    """An approved business inspection of dgz-v1 on 2026-04-13..14."""
    database: Database = app.extensions["jianfu.db"]
    with database.sessions() as s:
        return InspectionDriver(s).approve(draft(s, ["dgz-v1"]), title="二季度低保检查")


def _staff(app: Flask, username: str) -> Web:
    database: Database = app.extensions["jianfu.db"]
    web = Web(app.test_client(), database.sessions())
    web.login(username)
    return web


def test_the_calendar_links_to_the_portal_with_the_village_chosen(public: Public,
                                                                   public_app: Flask) -> None:
    village, _town = _village(public_app, "dgz-v1")
    nb = _staff(public_app, "nb_staff")
    html = nb.client.get(f"/inspections/calendar?village={village}").get_data(as_text=True)
    link = f"/report?category=unapproved_inspection&amp;village_id={village}"
    assert link in html
    form = public.client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(r'<option value="unapproved_inspection"[^>]* selected', form)
    assert re.search(rf'<option value="{village}"[^>]* selected', form)
    # Anything else in the link is ignored, not an error.
    assert public.client.get("/report?category=x&village_id=abc").status_code == 200


def test_the_day_named_is_checked_against_the_calendar(public: Public,
                                                       public_app: Flask) -> None:
    inspection = _approve_inspection(public_app)
    village, town = _village(public_app, "dgz-v1")
    base = {"category": "unapproved_inspection", "town_id": str(town),
            "village_id": str(village)}
    on = public.case_id(public.file_ok(
        **base, occurred_on="2026-04-15",
        description="县里来人检查低保台账，来了五个人待了两天，比批准的多。"))
    off = public.case_id(public.file_ok(
        **base, occurred_on="2026-06-02",
        description="六月初有部门来村里检查，事先没有任何通知也没有审批。"))
    nb = _staff(public_app, "nb_staff")
    near = nb.client.get(f"/cases/{on}").get_data(as_text=True)
    check = near.split('id="calendar-check"', 1)[1].split("</ul>", 1)[0]
    assert "2026-04-15" in check and f"/cases/{inspection}" in check
    far = nb.client.get(f"/cases/{off}").get_data(as_text=True)
    check = far.split('id="calendar-check"', 1)[1].split("</p>", 1)[0]
    assert "2026-06-02" in check and "没有已批准的检查" in check
    # The calendar lists both, each with what the check found.
    cal = nb.client.get(f"/inspections/calendar?village={village}").get_data(as_text=True)
    reported = cal.split('id="reported"', 1)[1]
    assert f"/cases/{on}" in reported and f"/cases/{off}" in reported
    database: Database = public_app.extensions["jianfu.db"]
    with database.sessions() as s:
        entries = village_ledger.all_entries(s)
        rows = complaint_calendar.reported(s, actor(s, "nb_staff"), village, entries)
        assert {(r.case_id, r.on_calendar) for r in rows} >= {(on, True), (off, False)}
        # A department clerk may not open these complaints: none listed.
        assert complaint_calendar.reported(s, actor(s, "mz_clerk"), village, entries) == []


def test_a_bad_day_is_named_and_nothing_is_filed(public: Public, public_app: Flask) -> None:
    for day, message in (("2099-01-01", "日期"), ("2026-02-30", "日期"),
                         ("2024-01-01", "日期")):
        res = public.file(category="unapproved_inspection", occurred_on=day)
        html = res.get_data(as_text=True)
        assert res.status_code == 422, html[:500]
        assert 'data-field="occurred_on"' in html and message in html
        assert f'value="{day}"' in html  # the input is kept
