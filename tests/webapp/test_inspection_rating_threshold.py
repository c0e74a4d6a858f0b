"""Issue 19, item 1: below 3 rating villages a department sees no figure that is a village's
rating (its scorecard's average and distribution; the list's average)."""

from __future__ import annotations

import re

from tests.integration.inspection_world import InspectionDriver, draft
from tests.integration.test_supervision_scorecards import _cadres
from tests.webapp.conftest import Web
from tests.webapp.test_inspection_rating_privacy import _rated, _views
from workflows.kernel.ids import InspectionTask


def _card(web: Web, unit_id: int) -> str:
    page = web.client.get(f"/audit/scorecards/{unit_id}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_one_rating_shows_no_average_or_distribution_to_the_department(web: Web) -> None:
    _cadres(web.db)
    case_id = _rated(web.db, ["dg_cadre"], ["dgz-v1", "dgz-v2"])  # rating 4
    _, doc = _views(web, "mz_head", case_id)
    html = _card(web, doc["scope_org_unit_id"])
    assert 'id="distribution"' not in html
    average = re.search(r'id="average">([^<]*)<', html)
    assert average is not None and "4.00" not in average.group(1)
    assert "4.00" not in html
    listing = web.client.get("/audit/scorecards").get_data(as_text=True)
    assert "4.00" not in listing
    # the district still sees it all
    web.client = web.client.application.test_client()
    web.login("nb_staff")
    full = _card(web, doc["scope_org_unit_id"])
    assert 'id="distribution"' in full and "4.00" in full


def test_a_lone_rating_cannot_be_read_off_the_card_by_difference(web: Web) -> None:
    """Case A is rated by 3 villages (its average is on its case page), case B by one: the
    card's average and distribution must not include B's rating, or A's average and the
    card's would give it away."""
    _cadres(web.db)
    first = _rated(web.db, ["dg_cadre", "dg_cadre2", "dg_cadre3"],
                   ["dgz-v1", "dgz-v2", "dgz-v3"])  # 4, 2, 5
    drive = InspectionDriver(web.db)
    second = drive.approve(draft(web.db, ["dgz-v1", "dgz-v2"], window_start="2026-05-11",
                                 window_end="2026-05-11"), title="第二次检查")
    drive.do("mz_clerk", second, InspectionTask.RECORD_OUTCOME, {
        "actual_start": "2026-05-11", "actual_end": "2026-05-11", "actual_people": 2,
        "actual_days": 1, "actual_materials": []})
    drive.do("dg_cadre", second, InspectionTask.RATE_BURDEN,
             {"burden_rating": 1, "rating_comment": "几乎没有负担"})  # a lone 1
    web.db.rollback()
    _, doc = _views(web, "mz_head", first)
    html = _card(web, doc["scope_org_unit_id"])
    average = re.search(r'id="average">([^<]*)<', html)
    assert average is not None and average.group(1).strip() == f"{(4 + 2 + 5) / 3:.2f}"
    counts = [int(n) for n in re.findall(r'<td class="count">(\d+)<', html)]
    assert sum(counts) == 3
