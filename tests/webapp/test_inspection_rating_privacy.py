"""Village burden ratings are withheld from the department they judge (the case page,
the task page's history and the API), while 区委农办 and the villages see them; the
average shows once 3 villages have rated."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tests.integration.inspection_world import InspectionDriver, draft
from tests.integration.test_supervision_scorecards import _cadres
from tests.webapp.conftest import Web
from workflows.kernel.ids import InspectionTask

T = InspectionTask
COMMENTS = {"dg_cadre": (4, "要求提前准备三年台账甲"), "dg_cadre2": (2, "材料现成负担不大乙"),
            "dg_cadre3": (5, "全体村干部陪同一整天丙")}
CADRE_NAME = "大观镇示例村1村干部（演示）"


def _rated(session: Session, cadres: list[str], villages: list[str]) -> int:
    drive = InspectionDriver(session)
    case_id = drive.approve(draft(session, villages), title="评价隐私检查")
    drive.do("mz_clerk", case_id, T.RECORD_OUTCOME, {
        "actual_start": "2026-04-13", "actual_end": "2026-04-13", "actual_people": 2,
        "actual_days": 1, "actual_materials": ["低保名册"]})
    for cadre in cadres:
        rating, comment = COMMENTS[cadre]
        drive.do(cadre, case_id, T.RATE_BURDEN, {"burden_rating": rating,
                                                "rating_comment": comment})
    session.rollback()
    return case_id


def _views(web: Web, username: str, case_id: int) -> tuple[str, dict[str, Any]]:
    web.client = web.client.application.test_client()
    web.login(username)
    page = web.client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    api = web.client.get(f"/api/v1/cases/{case_id}")
    assert api.status_code == 200
    return page.get_data(as_text=True), api.get_json()


def test_one_rating_is_withheld_from_the_department(web: Web) -> None:
    case_id = _rated(web.db, ["dg_cadre"], ["dgz-v1"])
    comment = COMMENTS["dg_cadre"][1]
    for who in ("mz_clerk", "mz_head"):
        html, doc = _views(web, who, case_id)
        text = str(doc)
        assert comment not in html and comment not in text
        assert "village_ratings" not in text and "burden_rating" not in text
        assert "average_rating" not in text  # one village: the average is its rating
        assert CADRE_NAME not in html and "不向申请部门显示" in html
        rating_events = [e for e in doc["events"] if e["task_id"] == T.RATE_BURDEN]
        assert rating_events and all(e["actor_id"] is None for e in rating_events)
        for audit in ("", "/at/1", "/certificate"):  # the unredacted pages stay closed
            assert web.client.get(f"/audit/cases/{case_id}{audit}").status_code == 404
    for who in ("nb_staff", "dg_cadre"):
        html, doc = _views(web, who, case_id)
        assert comment in html and comment in str(doc) and CADRE_NAME in html


def test_three_ratings_show_the_average_only(web: Web) -> None:
    _cadres(web.db)
    case_id = _rated(web.db, list(COMMENTS), ["dgz-v1", "dgz-v2", "dgz-v3"])
    html, doc = _views(web, "mz_clerk", case_id)
    assert doc["data"]["average_rating"] == round((4 + 2 + 5) / 3, 2)
    assert not any(c in html or c in str(doc) for _, c in COMMENTS.values())
