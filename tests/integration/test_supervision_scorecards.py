"""Department scorecards (workflows/supervision/scorecards.py): the figures of a small world of
inspections, meetings and complaints driven through the real commands, checked by hand;
the same after the projections (case rows) are wiped; the same as the dashboard's numbers
at the department's key; who sees which card; and a department's own card, which names no
village and withholds the comments until three villages have rated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

import models
from models import Case, User
from tests.integration import dashboard_world
from tests.integration.inspection_world import (
    T0,
    InspectionDriver,
    T,
    actor,
    copy_demo,
    demo_template,
    draft,
    meeting,
    unit_id,
)
from workflows.complaints import filing as complaints
from workflows.kernel import accounts, orgs
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.supervision import dashboard, scorecards
from workflows.supervision.scorecards import Scorecard

AS_OF = datetime(2026, 12, 31, tzinfo=UTC)
COMMENTS = {"dg_cadre": (4, "准备材料用了两天"), "dg_cadre2": (2, "还好，材料是现成的"),
            "dg_cadre3": (5, "占用了农忙时间")}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("scorecards"))


@pytest.fixture
def world(sessions: sessionmaker[Session], template: Path) -> Iterator[Session]:
    copy_demo(sessions, template)
    with sessions() as session:
        build(session)
        yield session


def _cadres(session: Session) -> None:
    """Cadres of 大观镇示例村2 and 3 (the demo has one of 示例村1)."""
    known = session.scalars(select(User).where(User.username == "dg_cadre")).one()
    for n in (2, 3):
        user = accounts.create_user(session, f"dg_cadre{n}", f"示例村{n}村干部", "unused",
                                    password_hash=known.password_hash)
        village = orgs.by_code(session, f"dgz-v{n}")
        assert village is not None
        accounts.assign_role(session, user, "village_cadre", village)
    session.commit()


def _complaint(session: Session, unit: str, clerk: str, days: int, path: str) -> int:
    """A complaint with `unit` responsible: "on_time" or "late" closes it, "open" leaves
    it in correction."""
    village = orgs.by_code(session, "dgz-v1")
    assert village is not None
    at = T0 + timedelta(days=days)
    filed = complaints.file_complaint(session, {
        "category": "too_many_meetings", "town_id": village.parent_id,
        "village_id": village.id, "description": f"测试投诉：{unit}{path}，会议太多。"}, [],
        settings=dashboard_world.settings(), now=at)
    cid, do = filed.case_id, dashboard_world.do
    at += timedelta(hours=2)
    do(session, "nb_staff", cid, "intake", at, intake_decision="accept",
       category="too_many_meetings", responsible_unit_id=unit_id(session, unit))
    if path == "open":
        return cid
    at += timedelta(days=20 if path == "late" else 1)
    do(session, clerk, cid, "correction", at, **dashboard_world.DONE)
    do(session, "dc_staff", cid, "verification", at + timedelta(hours=3),
       verification_decision="pass")
    do(session, "nb_staff", cid, "return_visit", at + timedelta(hours=6), rating="satisfied",
       visit_channel="phone")
    return cid


def build(session: Session) -> dict[str, int]:
    _cadres(session)
    drive = InspectionDriver(session)
    v1, v2 = unit_id(session, "dgz-v1"), unit_id(session, "dgz-v2")
    base = {"attendees": "村党支部书记", "town_ids": [], "mode": "on_site",
            "preferred_date": "2026-03-10"}
    ids = {
        "training": meeting(drive, "mz_clerk", {**base, "purpose": "低保政策培训",
                                                 "village_ids": [v1], "hours": 1.5}),
        "town_wide": meeting(drive, "mz_clerk", {
            **base, "purpose": "防灾减灾部署", "village_ids": [],
            "town_ids": [unit_id(session, "dgz")], "hours": 1.0, "mode": "online"}),
        "urgent": meeting(drive, "tj_clerk", {
            **base, "purpose": "统计紧急部署", "village_ids": [v2], "hours": 2.0,
            "urgent": True, "urgent_reason": "汛期", "urgent_date": "2026-03-20"}, "approve"),
        "refused": meeting(drive, "tj_clerk", {
            **base, "purpose": "临时统计布置", "village_ids": [v1], "hours": 1.0,
            "urgent": True, "urgent_reason": "上级要求", "urgent_date": "2026-03-25"},
            "refuse"),
    }
    rated = ids["rated"] = drive.approve(draft(session, ["dgz-v1", "dgz-v2", "dgz-v3"]))
    drive.do("mz_clerk", rated, T.RECORD_OUTCOME, {
        "actual_start": "2026-04-13", "actual_end": "2026-04-13", "actual_people": 2,
        "actual_days": 1, "actual_materials": ["低保名册", "救助台账"]})
    for cadre, (rating, comment) in COMMENTS.items():
        drive.do(cadre, rated, T.RATE_BURDEN, {"burden_rating": rating,
                                               "rating_comment": comment})
    ids["planned"] = drive.approve(draft(session, ["dgz-v1"], inspection_type="research",
                                         people=2, window_start="2026-05-06",
                                         window_end="2026-05-06"))
    rejected = ids["rejected"] = drive.to_checks(draft(
        session, ["dgz-v3"], window_start="2026-06-08", window_end="2026-06-08"))
    drive.do("dg_official", rejected, T.TOWN_REVIEW, {"town_decision": "agree"})
    drive.do("nb_staff", rejected, T.APPROVE_REQUEST,
             {"approval_decision": "reject", "comment": "与年度考核重复"})
    merged = ids["merged"] = drive.to_checks(draft(session, ["dgz-v2"]))
    drive.do("mz_clerk", merged, T.RESOLVE_OVERLAP,
             {"overlap_decision": "merge", "merge_with": rated})
    tj = ids["tj_rated"] = drive.approve(draft(
        session, ["dgz-v1"], window_start="2026-07-08", window_end="2026-07-08", materials=[]),
        clerk="tj_clerk", head="tj_head")
    drive.do("tj_clerk", tj, T.RECORD_OUTCOME, {
        "actual_start": "2026-07-08", "actual_end": "2026-07-09", "actual_people": 3,
        "actual_days": 2, "actual_materials": []})
    drive.do("dg_cadre", tj, T.RATE_BURDEN, {"burden_rating": 3, "rating_comment": "一般"})
    ids["tj_open"] = drive.to_checks(draft(
        session, ["dgz-v2"], inspection_type="research", window_start="2026-08-05",
        window_end="2026-08-05"), clerk="tj_clerk", head="tj_head")
    ids["on_time"] = _complaint(session, "qmzj", "mz_clerk", 10, "on_time")
    ids["late"] = _complaint(session, "qmzj", "mz_clerk", 12, "late")
    ids["tj_complaint"] = _complaint(session, "qtjj", "tj_clerk", 14, "open")
    return ids


def cards(session: Session) -> dict[str, Scorecard]:
    _, built = scorecards.build(session, AS_OF)
    code = dict(session.execute(select(models.OrgUnit.id, models.OrgUnit.code)).all())
    return {code[c.unit_id]: c for c in built}


FIGURES = ("requested", "approved", "rejected", "merged", "in_progress", "visits",
           "people_days", "materials", "meetings_requested", "meetings_queued",
           "meetings_urgent", "meeting_hours", "village_hours", "complaints",
           "complaints_closed", "closed_on_time", "open_overdue", "rating_count", "raters")
EXPECTED = {
    # 4 requests: rated (3 villages, as recorded 2 people x 1 day and 2 materials each),
    # planned (1 village, the plan: 2 x 1, 1 material), rejected, merged into `rated`: its
    # team (3 people x 1 day, 1 material) joins the visit of 示例村2 it shares (issue 19, 3).
    # Meetings: 1.5 h for 示例村1 and 1 h for the whole town (3 villages) in one session.
    # Complaints: one closed on time, one closed after a 20-day correction, and the demo's
    # complaint about 民政局's meetings, in correction long past its time limit.
    "qmzj": (4, 2, 1, 1, 0, 5, 11, 8, 2, 2, 0, 2.5, 4.5, 3, 2, 1, 1, 3, 3),
    # 2 requests: one done (3 people x 2 days as recorded, nothing demanded), one at the
    # town. Meetings: the urgent one (2 h, 1 village) and the refused one, queued (1 h).
    # Complaints: one, still in correction long past its time limit.
    "qtjj": (2, 1, 0, 0, 1, 1, 6, 0, 2, 1, 1, 3.0, 3.0, 1, 0, 0, 1, 1, 1),
    # Nothing requested; the demo's complaint about a duplicate assessment, corrected and
    # verified, waits for its return visit (long past its time limit).
    "qnyw": (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, 1, 0, 0, 1, 0, 0),
}


def figures(card: Scorecard) -> tuple[float, ...]:
    return tuple(getattr(card, name) for name in FIGURES)


def test_figures_by_hand(world: Session) -> None:
    got = cards(world)
    for code, expected in EXPECTED.items():
        assert figures(got[code]) == expected, code
    mz, tj = got["qmzj"], got["qtjj"]
    assert mz.average is not None and round(mz.average, 4) == round(11 / 3, 4)
    assert mz.average_text == "3.67" and tj.average_text == "3.00"
    assert mz.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert mz.on_time.percent == "33.3%" and tj.on_time.percent == "0.0%"
    assert sorted((r.village_name, r.rating, r.comment) for r in mz.ratings) == sorted(
        (f"大观镇示例村{n}（演示）", rating, comment)
        for n, (rating, comment) in zip((1, 2, 3), COMMENTS.values(), strict=True))
    lines = [(i.status, i.visits, i.people_days, i.materials, i.recorded) for i in mz.inspections]
    assert lines == [("closed", 3, 6, 6, True), ("scheduled", 1, 2, 1, False),
                     ("rejected", 0, 0, 0, False), ("merged", 1, 3, 1, False)]
    others = [c for code, c in got.items() if code not in EXPECTED]
    assert len(others) == 13
    assert all(figures(c) == (0,) * len(FIGURES) and c.average is None for c in others)
    order = [c.name for c in scorecards.sort_cards(list(got.values()), "average")]
    assert order[:2] == ["区民政局", "区统计局"]
    assert [c.name for c in scorecards.sort_cards(list(got.values()), "people_days")][:2] \
        == ["区民政局", "区统计局"]
    with pytest.raises(ValidationFailedError):
        scorecards.sort_cards(list(got.values()), "village")


def test_the_same_numbers_as_the_dashboard(world: Session) -> None:
    board = dashboard.build(world, AS_OF)
    pairs = {"requested": "inspections.requested", "approved": "inspections.approved",
             "rejected": "inspections.rejected", "merged": "inspections.merged",
             "in_progress": "inspections.in_progress",
             "meetings_requested": "meetings.requested", "complaints": "complaints.filed",
             "closed_on_time": "complaints.closed_on_time",
             "open_overdue": "complaints.open_overdue"}
    for card in cards(world).values():
        k = dashboard.key("unit", card.unit_id, dashboard.ALL)
        for attribute, metric in pairs.items():
            assert getattr(card, attribute) == board.count(metric, k), (card.name, metric)
        assert card.meeting_hours == board.amount("meetings.hours", k)
        assert card.rating_count == board.amount("inspections.ratings", k)
        assert card.average_text == board.value("inspections.average_rating", k).text


@pytest.mark.tampers  # wipes the projections on purpose (replay would flag the case rows)
def test_folded_from_the_events_not_the_case_rows(world: Session) -> None:
    before = {code: (figures(c), c.average, c.ratings) for code, c in cards(world).items()}
    world.execute(update(Case).values(data="{}", status="open"))
    world.commit()
    after = {code: (figures(c), c.average, c.ratings) for code, c in cards(world).items()}
    assert after == before and figures(cards(world)["qmzj"])[0] == 4


def test_who_sees_which_card(world: Session) -> None:
    mz, tj = unit_id(world, "qmzj"), unit_id(world, "qtjj")
    for username in ("nb_staff", "nb_head", "dc_staff", "auditor", "admin"):
        shown = scorecards.for_actor(world, actor(world, username), AS_OF)
        assert shown.full and len(shown.cards) == 16, username
        assert all(c.named for c in shown.cards)
    for username, unit in (("mz_clerk", mz), ("mz_head", mz), ("tj_clerk", tj),
                           ("tj_head", tj)):
        shown = scorecards.for_actor(world, actor(world, username), AS_OF)
        assert not shown.full and [c.unit_id for c in shown.cards] == [unit], username
        assert scorecards.for_actor(world, actor(world, username), AS_OF, unit).cards
        other = tj if unit == mz else mz
        with pytest.raises(NotFoundError):
            scorecards.for_actor(world, actor(world, username), AS_OF, other)
    for username in ("dg_official", "dg_head", "dg_cadre", "dg_cadre2", "office_qw"):
        with pytest.raises(NotFoundError):
            scorecards.for_actor(world, actor(world, username), AS_OF)
        assert not scorecards.may_see(world, actor(world, username))
    with pytest.raises(NotFoundError):  # a town is not a department
        scorecards.for_actor(world, actor(world, "nb_staff"), AS_OF, unit_id(world, "dgz"))


def test_a_department_sees_no_village_and_comments_only_from_three(world: Session) -> None:
    mz = scorecards.for_actor(world, actor(world, "mz_clerk"), AS_OF).cards[0]
    assert not mz.named and mz.raters == 3 and mz.comments_shown
    assert all(r.village_id is None and r.village_name == "" and r.case_id is None
               and r.at is None and r.title == "" for r in mz.ratings)
    # in the order of the ratings, not of time or village
    assert [(r.rating, r.comment) for r in mz.comments] == sorted(COMMENTS.values())
    assert mz.average_text == "3.67" and mz.distribution[5] == 1
    tj = scorecards.for_actor(world, actor(world, "tj_head"), AS_OF).cards[0]
    assert not tj.comments_shown and tj.comments == [] and not tj.figures_shown
    # one village rated: its value is withheld (the average would be its rating)
    assert [(r.rating, r.comment) for r in tj.ratings] == [(0, "")]
    assert tj.rating_count == 1 and tj.average_text == "—" and tj.distribution == {}
    # the district sees the same ratings with their villages and comments
    full = cards(world)["qtjj"]
    assert full.comments_shown and [r.comment for r in full.comments] == ["一般"]
    assert full.ratings[0].village_name.startswith("大观镇示例村1")
