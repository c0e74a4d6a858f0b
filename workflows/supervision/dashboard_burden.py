"""The supervision dashboard's inspections, meetings and village burden ledger, folded from
the case events like the rest of `workflows.supervision.dashboard` (docs/supervision.md).

- inspections (`inspection_request`), by the month a request started: requested, approved
  (ever scheduled), rejected, merged, in progress; village ratings (each village cadre's
  1-5 burden rating: how many, and their average).
- meetings (`meeting_request`), by the month a request started: requested, queued for a
  combined session, urgent stand-alone approved, in progress; and by the month of the
  session (`meeting_bundler`, recomputed from the events): sessions and hours.
- the ledger (`village_ledger`), per village and the month of each entry: inspections,
  people-days on site, meeting hours, materials demanded.

A case touching several villages (or towns) counts once in each of them, so village rows do
not add up to the total.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workflows.inspections import bundler as meeting_bundler
from workflows.inspections import ledger as village_ledger
from workflows.kernel.event_fold import FoldedCase
from workflows.kernel.ids import InspectionTask
from workflows.supervision.board import ALL, Dashboard, _int_or_none, _keys, month_of

APPROVED = village_ledger.ON_CALENDAR
RATE = str(InspectionTask.RATE_BURDEN)


def _places(data: dict[str, Any]) -> tuple[list[int], list[int]]:
    """(village ids, town ids) a request touches."""
    rows: list[Any] = data["villages"] if isinstance(data.get("villages"), list) else []
    villages = sorted({int(v["unit_id"]) for v in rows if isinstance(v, dict)})
    towns = sorted({int(v["town_id"]) for v in rows if isinstance(v, dict)})
    return villages, towns


def _groups(villages: Iterable[int], towns: Iterable[int],
            unit: object) -> list[tuple[str, object]]:
    return [(ALL, ALL), *(("village", v) for v in villages), *(("town", t) for t in towns),
            ("unit", _int_or_none(unit))]


def _inspection(board: Dashboard, case: FoldedCase) -> None:
    assert case.started_at is not None
    month = month_of(case.started_at)
    board.months.add(month)
    villages, towns = _places(case.data)
    keys = _keys(board, "inspections", _groups(villages, towns, case.scope_org_unit_id),
                 [month, ALL])
    cid = case.case_id
    board.add("inspections.requested", cid, keys)
    if any(case.ever(s) for s in APPROVED):
        board.add("inspections.approved", cid, keys)
    elif case.status == "rejected":
        board.add("inspections.rejected", cid, keys)
    elif case.status == "merged":
        board.add("inspections.merged", cid, keys)
    else:
        board.add("inspections.in_progress", cid, keys)
    town_of = {int(v["unit_id"]): int(v["town_id"])
               for v in case.data.get("villages") or [] if isinstance(v, dict)}
    for done in case.completions:
        if done.task_id != RATE:
            continue
        task = case.tasks.get(done.task_uuid)
        village = task.scope_org_unit_id if task is not None else None
        where = [(ALL, ALL), ("unit", _int_or_none(case.scope_org_unit_id))]
        if village is not None:
            where += [("village", village)]
            if village in town_of:
                where += [("town", town_of[village])]
        rated = _keys(board, "inspections", where, [month, ALL])
        board.add_amount("inspections.ratings", [cid], rated, 1)
        board.add_amount("inspections.rating_points", [cid], rated,
                         float(done.data.get("burden_rating") or 0))


def _meeting(board: Dashboard, case: FoldedCase) -> None:
    assert case.started_at is not None
    month = month_of(case.started_at)
    board.months.add(month)
    villages, towns = _places(case.data)
    owner = case.data.get("owner_unit_id", case.scope_org_unit_id)
    keys = _keys(board, "meetings", _groups(villages, towns, owner), [month, ALL])
    board.add("meetings.requested", case.case_id, keys)
    outcome = {"queued": "meetings.queued", "urgent_approved": "meetings.urgent"}
    board.add(outcome.get(case.status, "meetings.in_progress"), case.case_id, keys)


def _sessions(board: Dashboard, sessions: list[meeting_bundler.CombinedSession]) -> None:
    """Combined and urgent sessions by the month they are held: how many and their hours
    (a village: the items that concern it; a unit: its own items)."""
    for session in sessions:
        month = session.on.strftime("%Y-%m")
        board.months.add(month)
        ids = {item.case_id for item in session.agenda}
        whole = _keys(board, "meetings", [(ALL, ALL), ("town", session.town_id)],
                      [month, ALL])
        board.add_amount("meetings.sessions", ids, whole, 1)
        board.add_amount("meetings.hours", ids, whole, session.hours)
        for village in session.village_ids:
            here = _keys(board, "meetings", [("village", village)], [month, ALL])
            mine = {i.case_id for i in session.agenda if village in i.village_ids}
            board.add_amount("meetings.sessions", mine, here, 1)
            board.add_amount("meetings.hours", mine, here, session.hours_for(village))
        owners = {_int_or_none(i.owner_unit_id) for i in session.agenda}
        for owner in sorted(owners, key=str):
            items = [i for i in session.agenda if _int_or_none(i.owner_unit_id) == owner]
            unit = _keys(board, "meetings", [("unit", owner)], [month, ALL])
            board.add_amount("meetings.sessions", {i.case_id for i in items}, unit, 1)
            board.add_amount("meetings.hours", {i.case_id for i in items}, unit,
                             sum(i.hours for i in items))


def _ledger(board: Dashboard, inspections: list[FoldedCase],
            requests: list[meeting_bundler.MeetingRequest],
            sessions: list[meeting_bundler.CombinedSession]) -> None:
    """Per village (and its town) and month: what `village_ledger` lists for it."""
    town_of: dict[int, int] = {v: t for r in requests for v, t in r.villages}
    for case in inspections:
        for row in case.data.get("calendar_entries") or []:
            if isinstance(row, dict):
                town_of[int(row["village_id"])] = int(row["town_id"])

    def keys(village: int, month: str) -> list[str]:
        where: list[tuple[str, object]] = [(ALL, ALL), ("village", village)]
        if village in town_of:
            where.append(("town", town_of[village]))
        board.months.add(month)
        return _keys(board, "burden_ledger", where, [month, ALL])

    for case in inspections:
        for e in village_ledger.inspection_entries(case):
            here = keys(e.village_id, e.start.strftime("%Y-%m"))
            board.add_amount("ledger.inspections", [case.case_id], here, 1)
            board.add_amount("ledger.people_days", [case.case_id], here, e.people * e.days)
            board.add_amount("ledger.materials", [case.case_id], here, e.materials)
    for session in sessions:
        for village in session.village_ids:
            mine = {i.case_id for i in session.agenda if village in i.village_ids}
            board.add_amount("ledger.meeting_hours", mine,
                             keys(village, session.on.strftime("%Y-%m")),
                             session.hours_for(village))


def fold(board: Dashboard, inspections: list[FoldedCase], meetings: list[FoldedCase]) -> None:
    for case in inspections:
        _inspection(board, case)
    for case in meetings:
        _meeting(board, case)
    requests = [r for c in meetings if (r := meeting_bundler.request_of(c)) is not None]
    sessions = meeting_bundler.bundle(requests)
    _sessions(board, sessions)
    _ledger(board, inspections, requests, sessions)
    board.has_data["inspections"] = bool(inspections)
    board.has_data["meetings"] = bool(meetings)
    board.has_data["burden_ledger"] = bool(
        board.cells.get("ledger.inspections") or board.cells.get("ledger.meeting_hours"))


__all__ = ["fold"]
