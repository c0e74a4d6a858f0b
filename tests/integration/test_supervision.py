"""Issue 7 item 6: 区委督查办 draws a seeded random sample of closed cases; each sampled case
gets a supervision review; a violation sends a correction to the responsible unit's clerk
and back to the supervision office for a check. The draw repeats from its recorded event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent
from tests.integration import dashboard_world
from tests.integration.dashboard_world import T0, actor, do
from workflows.inbox.queue import inbox
from workflows.kernel import cases
from workflows.kernel.errors import NotAllowedError, NotFoundError, ValidationFailedError
from workflows.supervision import sampling as supervision
from workflows.supervision.forms import SAMPLED_TYPES

AS_OF = T0 + timedelta(days=90)


@pytest.fixture
def world(demo_world: sessionmaker[Session]) -> Iterator[tuple[Session, dashboard_world.World]]:
    with demo_world() as session:
        yield session, dashboard_world.build(session)


def closed_ids(session: Session) -> set[int]:
    rows = session.execute(select(Case.id, Case.case_type, Case.status))
    return {cid for cid, kind, status in rows
            if (kind, status) in {("burden_complaint", "closed"),
                                  ("report_form_approval", "published"),
                                  ("report_form_approval", "rejected")}}


def test_the_population_is_every_closed_case_and_the_draw_repeats(world) -> None:  # type: ignore[no-untyped-def]
    s, w = world
    dc = actor(s, "dc_staff")
    # The draw happens after every case of the world: the demo's are made "now".
    drawn = supervision.draw(s, dc, size=3, seed="2026-q4-sample", now=None)
    assert set(drawn.population) == closed_ids(s) - set()
    assert w.complaints["on_time"] in drawn.population
    assert w.complaints["reopened"] not in drawn.population  # reopened: not closed now
    assert len(drawn.drawn) == 3 and set(drawn.drawn) <= set(drawn.population)
    # Anyone can repeat the draw from what the event recorded, with no database.
    started = s.scalar(select(CaseEvent).where(
        CaseEvent.case_id == drawn.reviews[drawn.drawn[0]], CaseEvent.seq == 1))
    assert started is not None
    record = started.inputs["data"]["draw"]
    assert record["seed"] == "2026-q4-sample" and record["drawn_by"] == dc.user_id
    assert supervision.select_sample(record["seed"], record["population"],
                                     record["size"]) == record["drawn"] == list(drawn.drawn)
    check = supervision.verify_draw(s, dc, drawn.draw_id)
    assert check.ok, check.problems
    # Each sampled case got exactly one review, open at the supervision office.
    for sampled, review_id in drawn.reviews.items():
        review = s.get(Case, review_id)
        assert review is not None and review.case_type == "supervision_review"
        _, state = cases.get_case(s, dc, review_id)
        assert state.data["sampled_case_id"] == sampled
        assert [(t.task_id, t.role) for t in state.tasks.values()] == [("review_case",
                                                                        "supervisor")]
    listed = supervision.draws(s, dc)
    assert listed[0].draw_id == drawn.draw_id and len(listed[0].reviews) == 3


def test_a_seed_is_generated_and_a_rerun_starts_no_review_twice(world) -> None:  # type: ignore[no-untyped-def]
    s, _ = world
    dc = actor(s, "dc_staff")
    first = supervision.draw(s, dc, size=2, now=AS_OF)
    assert len(first.seed) == 32
    count = s.scalar(select(text("count(*)")).select_from(Case))
    again = supervision.draw(s, dc, size=2, seed=first.seed, now=AS_OF)
    assert again.draw_id == first.draw_id and again.reviews == first.reviews
    assert s.scalar(select(text("count(*)")).select_from(Case)) == count
    # A later draw leaves out the cases already under review.
    later = supervision.draw(s, dc, size=50, seed="later", now=AS_OF + timedelta(hours=1))
    assert not set(later.drawn) & set(first.drawn)
    assert set(later.population) == set(first.population) - set(first.drawn)
    assert supervision.verify_draw(s, dc, first.draw_id).ok
    assert supervision.verify_draw(s, dc, later.draw_id).ok


def test_different_seeds_draw_differently_and_the_rank_is_the_documented_one() -> None:
    population = list(range(1, 201))
    a = supervision.select_sample("a", population, 10)
    b = supervision.select_sample("b", population, 10)
    assert a != b and len(set(a)) == 10
    import hashlib

    ranks = sorted(population, key=lambda c: hashlib.sha256(f"a\0{c}".encode()).hexdigest())
    assert a == ranks[:10]
    assert supervision.select_sample("a", reversed(population), 10) == a  # order-free


def test_only_the_supervision_office_draws(world) -> None:  # type: ignore[no-untyped-def]
    s, _ = world
    for name in ("nb_staff", "auditor", "mz_clerk", "admin", "mz_head"):
        with pytest.raises(NotFoundError):
            supervision.draw(s, actor(s, name), size=1, seed="x", now=AS_OF)
        with pytest.raises(NotFoundError):
            supervision.draws(s, actor(s, name))
    dc = actor(s, "dc_staff")
    with pytest.raises(ValidationFailedError) as err:
        supervision.draw(s, dc, size=0, seed="bad seed!", case_types=["inspection"])
    assert set(err.value.fields) == {"size", "seed", "case_types"}
    with pytest.raises(ValidationFailedError):
        supervision.draw(s, dc, size=1, seed="early", now=T0 - timedelta(days=1))


def test_a_violation_goes_to_the_responsible_unit_and_back_for_a_check(world) -> None:  # type: ignore[no-untyped-def]
    s, w = world
    dc = actor(s, "dc_staff")
    drawn = supervision.draw(s, dc, size=50, seed="all", case_types=[SAMPLED_TYPES[0]],
                             now=AS_OF)
    review_id = drawn.reviews[w.complaints["on_time"]]  # 区民政局 corrected that complaint
    other_id = drawn.reviews[w.complaints["on_time_nov"]]
    at = AS_OF + timedelta(hours=1)
    # A clerk of the unit sees nothing before a violation is found.
    with pytest.raises(NotFoundError):
        cases.get_case(s, actor(s, "mz_clerk"), review_id)
    do(s, "dc_staff", other_id, "review_case", at, finding="no_violation",
       findings="程序完整，按时办结。")
    assert s.get(Case, other_id).status == "no_violation"  # type: ignore[union-attr]
    with pytest.raises(NotFoundError):  # 区委农办 does not even see the review
        do(s, "nb_staff", review_id, "review_case", at, finding="no_violation",
           findings="不是督查办")
    with pytest.raises(NotAllowedError):  # the auditor sees it but may not act
        do(s, "auditor", review_id, "review_case", at, finding="no_violation",
           findings="不是督查办")
    do(s, "dc_staff", review_id, "review_case", at, finding="violation",
       findings="整改证明为事后补写。", violation_kind="records",
       correction_required="补充真实整改材料")
    mz = actor(s, "mz_clerk")
    mine = [i for i in inbox(s, mz) if i.case_id == review_id]
    assert [i.task_id for i in mine] == ["correct_violation"]
    with pytest.raises(NotFoundError):  # another department's clerk
        cases.get_case(s, actor(s, "tj_clerk"), review_id)
    do(s, "mz_clerk", review_id, "correct_violation", at + timedelta(days=1),
       actions_taken="已补充材料", evidence="材料清单")
    do(s, "dc_staff", review_id, "check_correction", at + timedelta(days=2),
       check_decision="return", comment="材料仍不完整")
    do(s, "mz_clerk", review_id, "correct_violation", at + timedelta(days=3),
       actions_taken="再次补充", evidence="完整材料")
    do(s, "dc_staff", review_id, "check_correction", at + timedelta(days=4),
       check_decision="pass")
    case = s.get(Case, review_id)
    assert case is not None and case.status == "corrected"
