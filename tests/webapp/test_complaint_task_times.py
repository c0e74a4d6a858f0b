"""A department's task page of a complaint tells the due day, not the time, even in its
machine-readable datetime attribute (issue 17, finding "filing time leaks to the
department": `<time datetime="…T03:46:52.276948+00:00">` on a page whose text showed the day):
the moments are cut in the data the page receives (presenters.tasks_for_viewer)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from models import HumanTask
from tests.webapp.test_complaint_staff_pages import app, login  # noqa: F401


def test_the_task_page_tells_the_day_only(app: Flask) -> None:  # noqa: F811
    clerk = login(app, "mz_clerk")
    inbox = clerk.get("/inbox?process=burden_complaint").get_data(as_text=True)
    link = re.findall(r'href="(/cases/(\d+)/tasks/([0-9a-f-]+))', inbox)[0]
    with app.extensions["jianfu.db"].sessions() as session:
        due = session.scalar(select(HumanTask.due_at).where(HumanTask.task_uuid == link[2]))
    assert due is not None and (due.hour, due.minute, due.second) != (16, 0, 0)
    page = clerk.get(link[0]).get_data(as_text=True)
    stamps = re.findall(r'<time datetime="([^"]+)"', page)
    local = (due + timedelta(hours=8)).date()  # China time
    day_start = datetime(local.year, local.month, local.day, tzinfo=UTC) - timedelta(hours=8)
    assert day_start.isoformat() in stamps, stamps
    assert due.isoformat() not in page and due.strftime("%H:%M") not in page
