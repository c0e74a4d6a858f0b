"""The quota re-check at approval, as 区委农办 meets it on the task page: a 422 that names the
village and the period in Chinese, not a 500, and the request can still be returned."""

from __future__ import annotations

from tests.integration.inspection_world import InspectionDriver
from tests.integration.test_inspection_quota_races import WINDOWS, approve, pair_at_approval
from tests.webapp.conftest import Web
from workflows.kernel.ids import InspectionTask


def test_an_approval_over_quota_is_refused_on_the_page(web: Web) -> None:
    driver = InspectionDriver(web.db)
    first, second = pair_at_approval(driver, "dgz-v1", WINDOWS[0])
    approve(driver, first)
    uuid = driver.open_tasks("nb_staff", second, InspectionTask.APPROVE_REQUEST)[0]
    web.db.rollback()
    web.login("nb_staff")
    page = f"/cases/{second}/tasks/{uuid}"
    res = web.post_form(page, page, {"approval_decision": "approve", "comment": ""})
    html = res.get_data(as_text=True)
    assert res.status_code == 422, html[:1000]
    assert "检查之后配额已用完" in html and "2026-Q2" in html and "已批准 1 次，配额 1 次" in html
    back = web.post_form(page, page, {"approval_decision": "return",
                                      "comment": "本季度该村配额已用完，请改到下季度"})
    assert back.status_code in (302, 303), back.get_data(as_text=True)[:1000]
