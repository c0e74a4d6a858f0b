"""A unit head reassigns from the inbox (issue 18, item 4): the head's inbox has a 本单位 tab
with the open tasks of the head's unit, the clerks' too, each with a reassign choice; one
choice and one button give the task to a colleague and come back to the same tab. Other
people see no such tab, and the list holds nothing outside the head's unit."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.webapp.test_case_readable_values import _complaint


def test_the_head_reassigns_a_clerks_task_from_the_inbox(web: Any, client: FlaskClient) -> None:
    draft = web.case_id(web.DRAFT_CASE)
    web.login("mz_head")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "tab=team" in inbox and "本单位" in inbox
    team = client.get("/inbox?tab=team").get_data(as_text=True)
    task = web.open_task(draft)
    action = f'action="/cases/{draft}/tasks/{task}/reassign" class="quick reassign"'
    form = team.split(action, 1)[1].split("</form>", 1)[0]
    target = re.search(r'<option value="(\d+)">民政局经办人二', form)
    assert target, form
    assert re.search(r'name="next" value="/inbox\?tab=team"', form)
    done = web.post_form("/inbox?tab=team", f"/cases/{draft}/tasks/{task}/reassign",
                         {"to_user_id": target.group(1), "next": "/inbox?tab=team"})
    assert done.status_code == 302 and done.location == "/inbox?tab=team"
    case = client.get(f"/api/v1/cases/{draft}").get_json()
    assert case["events"][-1]["type"] == "task_reassigned"
    assert case["events"][-1]["inputs"]["user_id"] == int(target.group(1))
    # Only the head's unit: no complaint of another unit is listed.
    other = _complaint(web, "verification")
    assert f'href="/cases/{other}"' not in team


def test_no_team_tab_without_a_head(web: Any, client: FlaskClient) -> None:
    web.login("mz_clerk")
    assert "tab=team" not in client.get("/inbox").get_data(as_text=True)
    page = client.get("/inbox?tab=team").get_data(as_text=True)
    assert 'class="quick reassign"' not in page and "task-row" not in page
