"""Replay re-runs recorded inputs on the pinned version and finds any divergence."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent, ProcessVersion
from workflows.kernel import replay
from workflows.kernel.processes import content_hash


def _published_case(session: Session) -> Case:
    case = session.scalar(select(Case).where(Case.status == "published"))
    assert case is not None
    return case


def test_every_demo_case_replays_identically(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        ids = list(session.scalars(select(Case.id)))
        reports = [replay.replay_case(session, cid) for cid in ids]
    assert len(ids) >= 7
    assert all(r.ok for r in reports), [r.differences for r in reports if not r.ok]
    assert all(r.events >= 1 and len(r.final_hash) == 64 for r in reports)


@pytest.mark.tampers
def test_edited_event_input_makes_replay_diverge(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        case = _published_case(session)
        ev = session.scalar(
            select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.task_id == "review_form"
            )
        )
        assert ev is not None
        forged = json.dumps({"data": {"review_decision": "reject", "comment": "forged"}})
        session.execute(
            text("UPDATE case_event SET inputs = :v WHERE id = :id"), {"v": forged, "id": ev.id}
        )
        session.commit()
        report = replay.replay_case(session, case.id)
    assert not report.ok
    text_out = "\n".join(report.differences)
    assert f"event {ev.seq}" in text_out
    assert "rejected" in text_out and "published" in text_out  # a readable diff of the status


@pytest.mark.tampers
def test_perturbed_process_version_makes_replay_diverge(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        case = _published_case(session)
        pv = session.get(ProcessVersion, case.process_version_id)
        assert pv is not None
        sources = {
            k: v.replace('case_status = "published"', 'case_status = "approved"')
            for k, v in pv.sources.items()
        }
        assert sources != pv.sources
        session.execute(
            text("UPDATE process_version SET sources = :s, content_hash = :h WHERE id = :id"),
            {"s": json.dumps(sources), "h": content_hash(sources), "id": pv.id},
        )
        session.commit()
        report = replay.replay_case(session, case.id)
    assert not report.ok
    assert any("approved" in d for d in report.differences)


@pytest.mark.tampers
def test_replay_compares_projections_too(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        case = session.scalar(select(Case).where(Case.status == "open", Case.version == 2))
        assert case is not None
        session.execute(
            text("UPDATE human_task SET claimant_id = 1 WHERE case_id = :c AND state = 'open'"),
            {"c": case.id},
        )
        session.commit()
        report = replay.replay_case(session, case.id)
    assert not report.ok
    assert any("claimant_id" in d for d in report.differences)
