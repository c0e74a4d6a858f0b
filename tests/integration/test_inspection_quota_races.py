"""The inspection quota re-checked at approval, alone and under concurrent approvals.

Two research requests (quota: 1 per village per quarter) for the same village and quarter
both pass the head's check, because neither is approved yet. Approving both must leave
exactly one approved:
- one after the other: the second approval is refused, naming the village and period;
- two processes released together, per pair: one wins, the other gets a conflict or the
  refusal; on retry, the refusal.
`over_quota` counts approved inspections from the case rows, independently of the slot
table. The broken variants it must catch: no re-check at approval (both approved one after
the other) and, on PostgreSQL, no unique slot (both approved when racing).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models import Case, CaseEvent, InspectionSlot
from tests.integration.harness import (
    fresh_definition_cache,  # noqa: F401
    history_problems,
    mp_context,
)
from tests.integration.harness.quota_procs import approval_racer
from tests.integration.inspection_world import InspectionDriver, actor, draft, unit_id
from workflows.inspections import quota as inspection_quota
from workflows.kernel import cases
from workflows.kernel import registry as process_hooks
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.ids import InspectionTask, ProcessId
from workflows.supervision import audit_trail

T = InspectionTask
VILLAGES = ("dgz-v1", "dgz-v2", "dgz-v3")
WINDOWS = (("2026-04-13", "2026-04-14"), ("2026-07-13", "2026-07-14"),
           ("2026-10-13", "2026-10-14"))
APPROVED = ("scheduled", "rating", "closed")


def over_quota(session: Session) -> list[str]:
    """Villages with more approved inspections of a type in a quarter or year than the
    quota the request was checked against, from the case rows (not the slots)."""
    counts: Counter[tuple[int, str, str]] = Counter()
    quota: dict[tuple[int, str, str], int] = {}
    for case in session.scalars(select(Case).where(
            Case.case_type == str(ProcessId.INSPECTION_REQUEST), Case.status.in_(APPROVED))):
        data = _data(case)
        year, quarter = inspection_quota.periods(date.fromisoformat(data["window_start"]))
        for v in data["villages"]:
            for period, key in ((year, "year_quota"), (quarter, "quarter_quota")):
                k = (int(v["unit_id"]), data["inspection_type"], period)
                counts[k] += 1
                quota[k] = int(data[key])
    return [f"{k}: {n} approved, quota {quota[k]}" for k, n in counts.items() if n > quota[k]]


def _data(case: Case) -> dict[str, Any]:
    return dict(json.loads(case.data or "{}"))


def pair_at_approval(driver: InspectionDriver, village: str, window: tuple[str, str]
                     ) -> list[int]:
    """Two research requests for `village` in `window`, both waiting for 区委农办."""
    ids = []
    for n in (1, 2):
        fields = draft(driver.session, [village], inspection_type="research",
                       window_start=window[0], window_end=window[1])
        case_id = driver.to_checks(fields, title=f"调研 {village} {window[0]} #{n}")
        driver.do("dg_official", case_id, T.TOWN_REVIEW, {"town_decision": "agree"})
        ids.append(case_id)
    return ids


def approve(driver: InspectionDriver, case_id: int) -> None:
    driver.do("nb_staff", case_id, T.APPROVE_REQUEST, {"approval_decision": "approve"})


def slot_rows(session: Session) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in session.execute(select(
        InspectionSlot.village_id, InspectionSlot.inspection_type, InspectionSlot.period,
        InspectionSlot.slot, InspectionSlot.case_id)))


def test_second_approval_is_refused_and_slots_rebuild(demo_world):
    with demo_world() as s:
        driver = InspectionDriver(s)
        first, second = pair_at_approval(driver, "dgz-v1", WINDOWS[0])
        approve(driver, first)
        with pytest.raises(ValidationFailedError) as refused:
            approve(driver, second)
        message = refused.value.fields["approval_decision"][0]
        assert "quota used up since the check" in message and "2026-Q2" in message
        assert "(1 of 1 approved)" in message
        # The approver returns it instead; nothing of the second request holds a slot.
        driver.do("nb_staff", second, T.APPROVE_REQUEST,
                  {"approval_decision": "return", "comment": "本季度配额已用完，请改期"})
        s.expire_all()
        assert s.get(Case, second).status == "returned"
        assert over_quota(s) == []
        live = slot_rows(s)
        assert {(r[2], r[3], r[4]) for r in live} == {("2026", 1, first), ("2026-Q2", 1, first)}
        # History says which slots the approval took; the table is rebuilt from it.
        recorded = s.scalars(select(CaseEvent.inputs).where(
            CaseEvent.case_id == first, CaseEvent.task_id == T.APPROVE_REQUEST)).one()
        assert len(recorded["data"]["quota_slots"]) == 2
        assert inspection_quota.rebuild(s) == 2
        assert slot_rows(s) == live
        s.commit()
        assert history_problems(s) == []
        # The certificate re-validates every recorded form: the hook's inputs included.
        cert = audit_trail.certificate(s, actor(s, "auditor"), first)
        assert cert.differences == []


def test_without_the_recheck_both_are_approved(demo_world, monkeypatch):
    """Broken variant: the approval hook removed; `over_quota` must see it."""
    monkeypatch.delitem(process_hooks.TASK_INPUT_HOOKS,
                        (str(ProcessId.INSPECTION_REQUEST), T.APPROVE_REQUEST))
    with demo_world() as s:
        driver = InspectionDriver(s)
        for case_id in pair_at_approval(driver, "dgz-v2", WINDOWS[1]):
            approve(driver, case_id)
        assert over_quota(s) == [f"({unit_id(s, 'dgz-v2')}, 'research', '2026-Q3'): "
                                 "2 approved, quota 1"]


def race(demo_world: Any, db_url: str) -> tuple[list[tuple[int, str, str | None]], list[int]]:
    """Nine pairs (3 villages x 3 quarters) at approval; two processes approve one case of
    each pair at the same moment. Returns every outcome and the losers' case ids."""
    with demo_world() as s:
        driver = InspectionDriver(s)
        pairs = [pair_at_approval(driver, v, w) for v in VILLAGES for w in WINDOWS]
        targets = [[(p[n], driver.open_tasks("nb_staff", p[n], T.APPROVE_REQUEST)[0])
                    for p in pairs] for n in (0, 1)]
    ctx = mp_context()
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=approval_racer, args=(db_url, "nb_staff", t, barrier, out))
             for t in targets]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in out.get(timeout=300)]
    for p in procs:
        p.join(10)
        assert p.exitcode == 0
    winners = {cid for cid, kind, _ in results if kind == "ok"}
    losers = [cid for p in pairs for cid in p if cid not in winners]
    return results, losers


def test_concurrent_approvals_take_one_slot(demo_world, db_url):
    results, losers = race(demo_world, db_url)
    assert [r for r in results if r[1] == "other"] == []
    kinds = Counter(kind for _, kind, _ in results)
    assert kinds["ok"] == 9 and kinds["conflict"] + kinds["refused"] == 9, kinds
    with demo_world() as s:
        assert over_quota(s) == []
        nb = actor(s, "nb_staff")
        for case_id in losers:  # the retry of a conflict is refused
            uuid = InspectionDriver(s).open_tasks("nb_staff", case_id, T.APPROVE_REQUEST)[0]
            with pytest.raises(ValidationFailedError):
                cases.complete_task(s, nb, case_id, uuid, {"approval_decision": "approve"})
        live = slot_rows(s)
        assert len(live) == 18  # 9 approvals x (quarter, year)
        inspection_quota.rebuild(s)
        assert slot_rows(s) == live
        s.rollback()
        assert history_problems(s) == []


def test_race_without_unique_slots_is_caught(demo_world, db_url):
    """Broken variant: the unique slot constraint dropped. Only PostgreSQL runs writers
    concurrently; SQLite's BEGIN IMMEDIATE serializes them, so the race cannot happen there."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serializes writers (BEGIN IMMEDIATE): no race to catch")
    with demo_world() as s:
        s.execute(text("ALTER TABLE inspection_slot DROP CONSTRAINT "
                       "uq_inspection_slot_village_id_inspection_type_period_slot"))
        s.commit()
    race(demo_world, db_url)
    with demo_world() as s:
        assert over_quota(s) != [], "the harness must see a quota exceeded"
