"""Retention and erasure of a complainant's personal data (issue 17): the worker erases the
sealed identity and the sealed original files of complaints finished more than
JIANFU_RETENTION_DAYS ago, as one `personal_data_erased` event naming them by hash only; the
complainant can erase them early with the receipt code. The hash chain, the replay and the
staff's scrubbed copies are untouched (tests/conftest.py replays and audits every case)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Attachment, CaseEvent, ComplaintIdentity
from tests.integration.complaint_world import T0, do, filing, photo
from tests.integration.complaint_world import settings as settings  # fixture
from tests.integration.complaint_world import world as world  # fixture
from workflows.complaints import filing as complaints
from workflows.complaints import retention
from workflows.complaints.filing import ComplaintSettings
from workflows.kernel.state import PERSONAL_DATA_ERASED


def named_with_photo(s: Session, settings: ComplaintSettings) -> int:
    filed = complaints.file_complaint(
        s, filing(s, "htz-v2", anonymous=False, name="张三", phone="13912345678"),
        [photo()], settings=settings, now=T0)
    return filed.case_id


def erased_events(s: Session, case_id: int) -> list[CaseEvent]:
    return list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                  CaseEvent.type == PERSONAL_DATA_ERASED)))


def test_the_worker_erases_what_is_due_once_and_keeps_the_staff_copy(
        world: Session, settings: ComplaintSettings, demo_world: sessionmaker[Session]) -> None:
    s = world
    case_id = named_with_photo(s, settings)
    sealed = s.get(ComplaintIdentity, case_id)
    assert sealed is not None
    identity_hash = hashlib.sha256(sealed.sealed).hexdigest()
    original = s.scalars(select(Attachment).where(Attachment.case_id == case_id)).one()
    original_sha, scrubbed = original.original_sha256, original.scrubbed
    s.rollback()
    # Still open: never due, however old.
    assert case_id not in retention.due(s, T0 + timedelta(days=4000), 365)
    do(s, "nb_staff", case_id, "intake", T0 + timedelta(hours=1),
       intake_decision="reject", reject_reason="属于村内事务，不在减负投诉范围")
    assert case_id not in retention.due(s, T0 + timedelta(days=300), 365)
    assert case_id in retention.due(s, T0 + timedelta(days=366), 365)
    s.rollback()

    later = T0 + timedelta(days=366)
    retention.run_retention(demo_world, retention.RetentionSettings(365), "w1", later)
    retention.run_retention(demo_world, retention.RetentionSettings(365), "w1", later)
    s.expire_all()
    assert s.get(ComplaintIdentity, case_id) is None
    row = s.scalars(select(Attachment).where(Attachment.case_id == case_id)).one()
    assert row.original_sealed == b"" and row.original_sha256 == original_sha
    assert row.scrubbed == scrubbed  # what the departments see stays
    (event,) = erased_events(s, case_id)  # once, however often the worker runs
    assert event.actor_id is None and event.inputs["reason"] == "retention"
    assert event.inputs["identity_sealed_sha256"] == identity_hash
    assert event.inputs["originals"] == [{"attachment_id": row.id,
                                          "original_sha256": original_sha}]
    assert "张三" not in repr(event.inputs) and "13912345678" not in repr(event.inputs)
    assert retention.due(s, later, 365) == []


def test_the_complainant_erases_early_and_nothing_is_left_to_erase(
        world: Session, settings: ComplaintSettings) -> None:
    s = world
    case_id = named_with_photo(s, settings)
    done = retention.erase(s, case_id, reason="requested", now=T0 + timedelta(minutes=5),
                           by_complainant=True)
    assert done is not None
    (event,) = erased_events(s, case_id)
    assert event.actor_role == "complainant" and event.inputs["reason"] == "requested"
    assert retention.erase(s, case_id, reason="requested", now=T0 + timedelta(minutes=6),
                           by_complainant=True) is None
    assert not retention.holds_personal_data(s, case_id)


def test_settings_from_the_environment() -> None:
    assert retention.RetentionSettings.from_env({}) == retention.RetentionSettings(365)
    assert retention.RetentionSettings.from_env({"JIANFU_RETENTION_DAYS": "30"}) == \
        retention.RetentionSettings(30)
    assert retention.RetentionSettings.from_env({"JIANFU_RETENTION_DAYS": "0"}) is None
