"""Issue 19, item 1: below 3 rating villages a department sees no figure that is a village's
rating (its scorecard's average and distribution; the list's average)."""

from __future__ import annotations

import re

from tests.integration.test_supervision_scorecards import _cadres
from tests.webapp.conftest import Web
from tests.webapp.test_inspection_rating_privacy import _rated, _views


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
