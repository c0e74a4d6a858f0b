"""Issue 7 item 5: every dashboard number equals a recomputation from the events.

The dashboard folds each event's recorded diff (`workflows.kernel.event_fold`). This test computes
every cell a second, independent way: it re-runs each case's recorded inputs through the
engine (`state.apply_event`, as replay does) and derives each metric from the replayed
states and the raw event inputs with its own code. Both must give the same set of cases
for every metric at every key (town, village, unit and total; each month and all).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, User
from tests.integration import dashboard_world
from tests.integration.dashboard_world import T0
from workflows.inspections import bundler as meeting_bundler
from workflows.kernel import access, processes
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import NotFoundError
from workflows.kernel.state import TASK_COMPLETED, CaseState, apply_event
from workflows.kernel.store import case_events, draft_of, load_calendar
from workflows.supervision import dashboard, dashboard_export


@pytest.fixture
def world(demo_world: sessionmaker[Session]) -> Iterator[Session]:
    with demo_world() as session:
        dashboard_world.build(session)
        yield session


def month(moment: datetime) -> str:
    return WorkCalendar.local_date(moment).strftime("%Y-%m")


def replayed(session: Session, case: Case, as_of: datetime) -> list[tuple[object, CaseState]]:
    """(event, state after it) for each event up to as_of, re-run on the engine."""
    defn = processes.definition(session, case.process_version_id)
    state: CaseState | None = None
    out = []
    for ev in case_events(session, case.id):
        if ev.at > as_of:
            break
        state, _ = apply_event(defn, case.id, ev.seq, state, draft_of(ev),
                               load_calendar(session, ev.at))
        out.append((ev, state))
    return out


def expected_cells(session: Session, as_of: datetime) -> dict[str, dict[str, set[int]]]:
    cells: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))

    def put(metric: str, cid: int, groups: list[str], periods: list[str]) -> None:
        for g in groups:
            for p in periods:
                cells[metric][f"{g}@{p}"].add(cid)

    items_new: dict[int, tuple[object, int]] = {}
    items_retired: list[tuple[int, int, int, int]] = []
    for case in session.scalars(select(Case).order_by(Case.id)):
        steps = replayed(session, case, as_of)
        if not steps:
            continue
        first_ev, _ = steps[0]
        final = steps[-1][1]
        started = first_ev.at  # type: ignore[attr-defined]
        data = final.data
        if case.case_type == "burden_complaint":
            clerk = data["lane_scopes"].get("clerk")
            groups = ["all:all", f"town:{data['town_id']}", f"village:{data['village_id']}",
                      f"unit:{clerk if clerk is not None else 'none'}"]
            periods = [month(started), "all"]
            put("complaints.filed", case.id, groups, periods)
            put(f"complaints.category.{data['category']}", case.id, groups, periods)
            put(f"complaints.status.{final.status}", case.id, groups, periods)
            late = False
            prev: CaseState | None = None
            for ev, st in steps:
                for uuid, task in st.tasks.items():
                    before = prev.tasks.get(uuid) if prev else None
                    if (before is not None and before.state == "open"
                            and task.state == "completed" and task.role != "complainant"
                            and task.due_at is not None
                            and ev.at > task.due_at):  # type: ignore[attr-defined]
                        late = True
                prev = st
            overdue = final.status not in ("closed", "rejected", "merged") and any(
                t.state == "open" and t.role != "complainant" and t.due_at is not None
                and t.due_at < as_of for t in final.tasks.values())
            if final.status == "closed":
                put("complaints.closed", case.id, groups, periods)
                if not late:
                    put("complaints.closed_on_time", case.id, groups, periods)
            if overdue:
                put("complaints.open_overdue", case.id, groups, periods)
            if final.status == "closed" or overdue:
                put("complaints.on_time_base", case.id, groups, periods)
            ratings = [ev.inputs["data"]["rating"] for ev, _ in steps  # type: ignore[attr-defined]
                       if ev.type == TASK_COMPLETED  # type: ignore[attr-defined]
                       and ev.task_id == "return_visit"]  # type: ignore[attr-defined]
            if ratings:
                put("complaints.rated", case.id, groups, periods)
                if ratings[-1] in ("satisfied", "partly"):
                    put("complaints.satisfied", case.id, groups, periods)
            if any(st.status == "closed" for _, st in steps):
                put("complaints.ever_closed", case.id, groups, periods)
                if any(ev.task_id == "appeal_window" for ev, _ in steps):  # type: ignore[attr-defined]
                    put("complaints.reopened", case.id, groups, periods)
        elif case.case_type == "report_form_approval":
            scope = steps[0][1].scope_org_unit_id
            groups, periods = ["all:all", f"unit:{scope}"], [month(started), "all"]
            put("forms.requested", case.id, groups, periods)
            put({"published": "forms.approved", "all_held": "forms.approved",
                 "rejected": "forms.rejected"}.get(
                final.status, "forms.pending"), case.id, groups, periods)
        elif case.case_type == "assessment_item_approval":
            published = next((ev.at for ev, st in steps  # type: ignore[attr-defined]
                              if st.status == "published"), None)
            if published is None:
                continue
            effective = max(date.fromisoformat(data["effective_date"]),
                            WorkCalendar.local_date(published))
            if data["change_kind"] == "new":
                items_new[case.id] = (data["owner_unit_id"], effective.year)
            elif data["change_kind"] == "retire":
                items_retired.append((case.id, data["item_id"], effective.year,
                                      data["owner_unit_id"]))
        elif case.case_type == "supervision_review":
            unit = data["lane_scopes"].get("clerk") or data.get("responsible_unit_id")
            groups = ["all:all", f"unit:{unit if unit is not None else 'none'}"]
            periods = [month(started), "all"]
            put("supervision.reviews", case.id, groups, periods)
            if final.status == "no_violation":
                put("supervision.no_violation", case.id, groups, periods)
            if final.status == "corrected":
                put("supervision.corrected", case.id, groups, periods)
            if final.status not in ("no_violation", "corrected"):
                put("supervision.in_progress", case.id, groups, periods)
            if any(ev.type == TASK_COMPLETED  # type: ignore[attr-defined]
                   and ev.inputs["data"].get("finding") == "violation"  # type: ignore[attr-defined]
                   for ev, _ in steps):
                put("supervision.violations", case.id, groups, periods)
    retired_items = {item for _, item, _, _ in items_retired}
    for cid, (owner, year) in items_new.items():
        put("items.added", cid, ["all:all", f"unit:{owner}"], [str(year), "all"])
        if cid not in retired_items:
            put("items.active", cid, ["all:all", f"unit:{owner}"], ["all"])
    for cid, item, year, owner_now in items_retired:
        owner = items_new[item][0] if item in items_new else owner_now
        put("items.retired", cid, ["all:all", f"unit:{owner}"], [str(year), "all"])
    return {m: {k: set(v) for k, v in by_key.items()} for m, by_key in cells.items()}


def expected_burden(session: Session, as_of: datetime) -> tuple[
        dict[str, dict[str, set[int]]], dict[str, dict[str, float]]]:
    """Inspections, meetings and the ledger, recomputed from the replayed states and the
    raw event inputs (the session bundling is the pure `meeting_bundler.bundle`)."""
    cells: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    amounts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def put(metric: str, cids: set[int], groups: list[str], periods: list[str],
            amount: float | None = None) -> None:
        for g in groups:
            for p in periods:
                cells[metric][f"{g}@{p}"] |= cids
                if amount is not None:
                    amounts[metric][f"{g}@{p}"] += amount

    requests = []
    for case in session.scalars(select(Case).where(Case.case_type.in_(
            ["inspection_request", "meeting_request"])).order_by(Case.id)):
        steps = replayed(session, case, as_of)
        if not steps:
            continue
        final, data = steps[-1][1], steps[-1][1].data
        started = month(steps[0][0].at)  # type: ignore[attr-defined]
        villages = data.get("villages") or []
        town_of = {v["unit_id"]: v["town_id"] for v in villages}
        unit = steps[0][1].scope_org_unit_id
        if case.case_type == "meeting_request":
            unit = data.get("owner_unit_id", unit)
        groups = ["all:all", *(f"village:{v}" for v in sorted(town_of)),
                  *(f"town:{t}" for t in sorted(set(town_of.values()))), f"unit:{unit}"]
        periods = [started, "all"]
        statuses = {st.status for _, st in steps}
        if case.case_type == "meeting_request":
            put("meetings.requested", {case.id}, groups, periods)
            put({"queued": "meetings.queued", "urgent_approved": "meetings.urgent"}.get(
                final.status, "meetings.in_progress"), {case.id}, groups, periods)
            if final.status in ("queued", "urgent_approved"):
                queued = (data.get("queued_at") or data.get("urgent_approved_at"))[:10]
                urgent = data.get("urgent_date") if final.status == "urgent_approved" else None
                requests.append(meeting_bundler.MeetingRequest(
                    case.id, case.title, data.get("owner_unit_id"), data["purpose"],
                    data["attendees"], float(data["hours"]), data["mode"],
                    tuple((v["unit_id"], v["town_id"]) for v in villages),
                    date.fromisoformat(data["preferred_date"][:10]), date.fromisoformat(queued),
                    date.fromisoformat(urgent[:10]) if urgent else None))
            continue
        put("inspections.requested", {case.id}, groups, periods)
        if statuses & {"scheduled", "rating", "closed"}:
            put("inspections.approved", {case.id}, groups, periods)
        else:
            put({"rejected": "inspections.rejected", "merged": "inspections.merged"}.get(
                final.status, "inspections.in_progress"), {case.id}, groups, periods)
        before: CaseState | None = None
        for ev, st in steps:
            if ev.type == TASK_COMPLETED and ev.task_id == "rate_burden":  # type: ignore[attr-defined]
                assert before is not None
                village = before.tasks[ev.task_uuid].scope_org_unit_id  # type: ignore[attr-defined]
                where = ["all:all", f"unit:{unit}", f"village:{village}",
                         f"town:{town_of[village]}"]
                rating = ev.inputs["data"]["burden_rating"]  # type: ignore[attr-defined]
                put("inspections.ratings", {case.id}, where, periods, 1)
                put("inspections.rating_points", {case.id}, where, periods, rating)
            before = st
        join = data.get("join")
        if final.status == "merged" and isinstance(join, dict):  # its team joined a visit
            start = join["window_start"]
            materials = sum(1 for m in data["materials"] if not m["already_held"])
            for v in join["villages"]:
                where = ["all:all", f"village:{v['unit_id']}", f"town:{v['town_id']}"]
                put("ledger.inspections", {case.id}, where, [start[:7], "all"], 1)
                put("ledger.people_days", {case.id}, where, [start[:7], "all"],
                    join["people"] * join["days"])
                put("ledger.materials", {case.id}, where, [start[:7], "all"], materials)
        if not statuses & {"scheduled", "rating", "closed"}:
            continue
        outcomes = [ev.inputs["data"] for ev, _ in steps  # type: ignore[attr-defined]
                    if ev.task_id == "record_outcome"]  # type: ignore[attr-defined]
        if outcomes:
            o = outcomes[-1]
            start, people_days = o["actual_start"], o["actual_people"] * o["actual_days"]
            materials = len(o["actual_materials"])
        else:
            start, people_days = data["window_start"], data["people"] * data["days"]
            materials = sum(1 for m in data["materials"] if not m["already_held"])
        for row in data["calendar_entries"]:
            where = ["all:all", f"village:{row['village_id']}", f"town:{row['town_id']}"]
            put("ledger.inspections", {case.id}, where, [start[:7], "all"], 1)
            put("ledger.people_days", {case.id}, where, [start[:7], "all"], people_days)
            put("ledger.materials", {case.id}, where, [start[:7], "all"], materials)
    town_of_village = {v: t for r in requests for v, t in r.villages}
    for s in meeting_bundler.bundle(requests):
        periods = [s.on.strftime("%Y-%m"), "all"]
        ids = {i.case_id for i in s.agenda}
        put("meetings.sessions", ids, ["all:all", f"town:{s.town_id}"], periods, 1)
        put("meetings.hours", ids, ["all:all", f"town:{s.town_id}"], periods,
            sum(i.hours for i in s.agenda))
        for v in {v for i in s.agenda for v in i.village_ids}:
            mine = [i for i in s.agenda if v in i.village_ids]
            hours = sum(i.hours for i in mine)
            put("meetings.sessions", {i.case_id for i in mine}, [f"village:{v}"], periods, 1)
            put("meetings.hours", {i.case_id for i in mine}, [f"village:{v}"], periods, hours)
            put("ledger.meeting_hours", {i.case_id for i in mine},
                ["all:all", f"village:{v}", f"town:{town_of_village[v]}"], periods, hours)
        for owner in {i.owner_unit_id for i in s.agenda}:
            mine = [i for i in s.agenda if i.owner_unit_id == owner]
            put("meetings.sessions", {i.case_id for i in mine}, [f"unit:{owner}"], periods, 1)
            put("meetings.hours", {i.case_id for i in mine}, [f"unit:{owner}"], periods,
                sum(i.hours for i in mine))
    return ({m: {k: set(v) for k, v in by.items()} for m, by in cells.items()},
            {m: dict(by) for m, by in amounts.items()})



@pytest.mark.parametrize("days", [40, 100])
def test_every_number_equals_a_recomputation_from_the_events(world: Session, days: int) -> None:
    as_of = T0 + timedelta(days=days)
    board = dashboard.build(world, as_of)
    expected = expected_cells(world, as_of)
    burden_cells, burden_amounts = expected_burden(world, as_of)
    assert not set(expected) & set(burden_cells)
    expected.update(burden_cells)
    got = {m: {k: v for k, v in by_key.items() if v} for m, by_key in board.cells.items()}
    assert got == expected
    assert {m: by for m, by in board.amounts.items()} == burden_amounts
    # Each rate is its two counts; each number's cases are exactly its cells' cases.
    for cell in dashboard_export.every_cell(board):
        if isinstance(cell.value, dashboard.Rate):
            top, bottom = dashboard.RATES[cell.metric]
            assert cell.value.numerator == len(expected.get(top, {}).get(cell.key, ()))
            assert cell.value.denominator == len(expected.get(bottom, {}).get(cell.key, ()))
            assert board.cases(cell.metric, cell.key) == expected.get(bottom, {}).get(
                cell.key, set())
        elif isinstance(cell.value, dashboard.Average):
            total, count = dashboard.AVERAGES[cell.metric]
            assert (cell.value.total, cell.value.count) == (
                burden_amounts.get(total, {}).get(cell.key, 0.0),
                burden_amounts.get(count, {}).get(cell.key, 0.0))
        elif cell.metric in dashboard.AMOUNTS:
            assert cell.value == burden_amounts.get(cell.metric, {}).get(cell.key, 0.0)
            assert board.cases(cell.metric, cell.key) == expected.get(cell.metric, {}).get(
                cell.key, set())
        elif cell.metric in dashboard.DIFFERENCES:
            plus, minus = dashboard.DIFFERENCES[cell.metric]
            assert cell.value == (len(expected.get(plus, {}).get(cell.key, ()))
                                  - len(expected.get(minus, {}).get(cell.key, ())))
        else:
            assert cell.value == len(expected.get(cell.metric, {}).get(cell.key, ()))
            assert board.cases(cell.metric, cell.key) == expected.get(cell.metric, {}).get(
                cell.key, set())


def test_the_world_has_every_outcome_the_dashboard_counts(world: Session) -> None:
    """Guard against an agreement that only holds because everything is zero."""
    board = dashboard.build(world, T0 + timedelta(days=100))
    total = "all:all@all"
    assert board.count("complaints.closed", total) == 4
    assert board.count("complaints.closed_on_time", total) == 3  # "late" corrected late
    assert board.count("complaints.open_overdue", total) >= 1
    rate = board.rate("complaints.on_time_rate", total)
    assert 0 < rate.numerator < rate.denominator
    satisfied = board.rate("complaints.satisfaction_rate", total)
    assert satisfied.numerator == satisfied.denominator == 5  # latest ratings
    reopen = board.rate("complaints.reopen_rate", total)
    assert (reopen.numerator, reopen.denominator) == (1, 5)
    assert board.count("complaints.status.rejected", total) == 1
    assert board.count("complaints.status.merged", total) == 1
    assert {"2026-09", "2026-10", "2026-11"} <= board.months
    # Approved: two published and one whose fields are all held (no new collection).
    assert board.count("forms.approved", total) == 3 and board.count("forms.rejected", total) == 1
    assert all(board.has_data[s] is not None for s in dashboard.SECTIONS)
    inspections = {m: board.count(f"inspections.{m}", total)
                   for m in ("requested", "approved", "rejected", "merged", "in_progress")}
    assert inspections == {"requested": 5, "approved": 2, "rejected": 1, "merged": 1,
                           "in_progress": 1}
    rating = board.value("inspections.average_rating", total)
    assert isinstance(rating, dashboard.Average) and rating.text == "4.00"
    assert board.value("meetings.sessions", total) == 2  # one combined, one urgent
    assert board.value("meetings.hours", total) == 5.5  # 1.5 + 1 + 1 combined, 2 urgent
    # recorded 2 x 2, planned 2, the merged request's team 3 x 1 (issue 19, item 3)
    assert board.value("ledger.people_days", total) == 9
    # Five items came into force in 2026; one of 区民政局's is retired from 2027.
    assert board.count("items.added", "all:all@2026") == 5
    assert board.count("items.retired", "all:all@2027") == 1
    assert board.count("items.net", "all:all@2027") == -1
    assert board.count("items.active", "all:all@all") == 4
    # A case counted in a town is counted in the total and in exactly one village.
    towns = sum(board.count("complaints.filed", f"town:{g}@all")
                for g in board.groups[("complaints", "town")])
    villages = sum(board.count("complaints.filed", f"village:{g}@all")
                   for g in board.groups[("complaints", "village")])
    assert towns == villages == board.count("complaints.filed", total)


def test_only_the_supervision_office_the_burden_office_and_auditors(world: Session) -> None:
    users = [access.load_actor(world, u.id) for u in world.scalars(select(User))]
    for who in users:
        # auditors read the dashboard too (issue 18, item 9)
        if who.role_names() & {"supervisor", "burden_office", "auditor"}:
            dashboard.compute(world, who)
        else:
            with pytest.raises(NotFoundError):
                dashboard.compute(world, who)
