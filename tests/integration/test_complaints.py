"""Burden complaints end to end through the service layer (issue 3): filing with evidence,
every stage by the right people, the complainant's code, the appeal, time limits and the
supervision queue, the identity custodian flow, similar complaints, and what each role
may see. The web, Open311 and browser tests drive the same functions over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Attachment, Case, CaseEvent, ComplaintIdentity, ComplaintReceipt
from tests.integration.complaint_world import (
    T0,
    actor,
    do,
    filing,
    photo,
    unit_id,
)
from tests.integration.complaint_world import (
    settings as settings,  # fixture
)
from tests.integration.complaint_world import (
    world as world,  # fixture
)
from workflows.complaints import filing as complaints
from workflows.complaints import staff as complaint_staff
from workflows.complaints import tracking as complaint_tracking
from workflows.complaints.filing import ComplaintSettings
from workflows.inbox.queue import inbox
from workflows.kernel import case_additions, cases, worker
from workflows.kernel.errors import (
    InvalidTransitionError,
    NotAllowedError,
    NotFoundError,
    ValidationFailedError,
)


def test_phone_to_closure_and_through_an_appeal(world: Session,
                                                settings: ComplaintSettings) -> None:
    s = world
    filed = complaints.file_complaint(s, filing(s), [photo()], settings=settings, now=T0)
    assert len(filed.code) == 16 and filed.code.isdigit()
    case_id = complaint_tracking.case_for_code(s, filed.code, settings)
    assert case_id == filed.case_id
    seen = complaint_tracking.track(s, case_id)
    assert (seen.status, seen.holder, seen.attachments) == ("intake", "区委农办", 1)
    assert seen.due_on is not None and seen.anonymous

    # Only the receipt hash is stored; the code appears in no row.
    receipt = s.scalar(select(ComplaintReceipt).where(ComplaintReceipt.case_id == case_id))
    assert receipt is not None and filed.code not in receipt.code_hash
    started = s.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id))
    assert started is not None and filed.code not in json.dumps(started.inputs)
    files = started.inputs["data"]["attachments"]
    row = s.get(Attachment, files[0]["id"])
    assert row is not None and files[0]["sha256"] == row.original_sha256

    mz = unit_id(s, "qmzj")
    do(s, "nb_staff", case_id, "intake", T0 + timedelta(hours=2), intake_decision="accept",
       category="too_many_forms", responsible_unit_id=mz)
    assert complaint_tracking.track(s, case_id).holder == "区民政局"
    # The responsible unit's clerk works it; another department's clerk cannot even see it.
    with pytest.raises(NotFoundError):
        cases.get_case(s, actor(s, "tj_clerk"), case_id)
    do(s, "mz_clerk", case_id, "correction", T0 + timedelta(days=1), correction_outcome="done",
       findings="确有重复报表", actions_taken="三张表合并为一张，每月报一次", evidence="通知")
    # Verification: the supervision office may do it too (the verifier lane).
    do(s, "dc_staff", case_id, "verification", T0 + timedelta(days=2),
       verification_decision="pass")
    seen = complaint_tracking.track(s, case_id)
    assert seen.can_rate and seen.outcome["actions_taken"] == "三张表合并为一张，每月报一次"

    # The complainant rates through the code: not satisfied goes back to verification.
    complaint_tracking.rate(s, case_id, "not_satisfied", "还在报", now=T0 + timedelta(days=3))
    assert complaint_tracking.track(s, case_id).status == "verification"
    do(s, "nb_staff", case_id, "verification", T0 + timedelta(days=4),
       verification_decision="pass")
    complaint_tracking.rate(s, case_id, "satisfied", now=T0 + timedelta(days=5))
    seen = complaint_tracking.track(s, case_id)
    assert seen.status == "closed" and seen.can_appeal and seen.appeal_until is not None
    with pytest.raises(InvalidTransitionError):
        complaint_tracking.rate(s, case_id, "satisfied", now=T0 + timedelta(days=5))

    # An appeal within 15 working days reopens the case at verification.
    complaint_tracking.appeal(s, case_id, "整改后又恢复了每周报表", now=T0 + timedelta(days=8))
    seen = complaint_tracking.track(s, case_id)
    assert seen.status == "verification" and not seen.can_appeal
    assert "reopen_count" in cases.get_case(s, actor(s, "nb_staff"), case_id)[1].data
    do(s, "nb_staff", case_id, "verification", T0 + timedelta(days=9),
       verification_decision="pass")
    do(s, "nb_staff", case_id, "return_visit", T0 + timedelta(days=10), rating="partly",
       visit_channel="phone", comment="电话回访")
    assert complaint_tracking.track(s, case_id).can_appeal

    # Nobody appeals: the worker closes the window for good after 15 working days.
    s.commit()
    later = T0 + timedelta(days=40)
    make = sessionmaker(bind=s.get_bind(), expire_on_commit=False)
    assert worker.run_once(make, clock=lambda: later) >= 1
    s.expire_all()
    seen = complaint_tracking.track(s, case_id)
    assert seen.status == "closed" and not seen.can_appeal
    with pytest.raises(InvalidTransitionError):
        complaint_tracking.appeal(s, case_id, "太晚了", now=later)
    case = s.get(Case, case_id)
    assert case is not None and case.status == "closed"


def test_reject_and_merge_are_shown_to_the_complainant(world: Session,
                                                       settings: ComplaintSettings) -> None:
    s = world
    first = complaints.file_complaint(s, filing(s, "htz-v2"), [], settings=settings, now=T0)
    second = complaints.file_complaint(
        s, filing(s, "htz-v2", description="河图镇每周让村里填三张统计表，内容都是重复的。"),
        [], settings=settings, now=T0)
    other = complaints.file_complaint(
        s, filing(s, "xlz-v1", description="村里被要求挂七块牌子，每块都要花钱制作。"),
        [], settings=settings, now=T0)
    # Similar open complaints are suggested at intake: same village, same words.
    similar = complaint_staff.similar_open(s, actor(s, "nb_staff"), second.case_id)
    assert [m.case_id for m in similar][:1] == [first.case_id]
    assert similar[0].same_village and "重复" in similar[0].shared
    assert other.case_id not in [m.case_id for m in similar]

    do(s, "nb_staff", second.case_id, "intake", T0 + timedelta(hours=1),
       intake_decision="duplicate", duplicate_of=first.case_id)
    assert complaint_tracking.track(s, second.case_id).merged
    do(s, "nb_staff", other.case_id, "intake", T0 + timedelta(hours=1),
       intake_decision="reject", reject_reason="属于村内事务，不在减负投诉范围")
    seen = complaint_tracking.track(s, other.case_id)
    assert seen.status == "rejected"
    assert seen.outcome == {"reject_reason": "属于村内事务，不在减负投诉范围"}
    with pytest.raises(ValidationFailedError) as err:
        do(s, "nb_staff", first.case_id, "intake", T0, intake_decision="reject")
    assert "reject_reason" in err.value.fields


def test_replies_public_and_internal(world: Session, settings: ComplaintSettings) -> None:
    s = world
    filed = complaints.file_complaint(s, filing(s), [], settings=settings, now=T0)
    nb = actor(s, "nb_staff")
    case_additions.add_comment(s, nb, filed.case_id, "内部：先核实镇里通知", now=T0)
    case_additions.add_comment(s, nb, filed.case_id, "请问是哪个部门的报表？", public=True, now=T0)
    complaint_tracking.reply(s, filed.case_id, "是镇统计站的表", [photo()], vault=settings.vault,
                     now=T0 + timedelta(hours=1))
    seen = complaint_tracking.track(s, filed.case_id)
    assert [(r.by, r.text) for r in seen.replies] == [
        ("office", "请问是哪个部门的报表？"), ("you", "是镇统计站的表")]
    assert seen.attachments == 1
    with pytest.raises(ValidationFailedError) as err:
        complaint_tracking.reply(s, filed.case_id, "", [], vault=settings.vault)
    assert "text" in err.value.fields


def test_identity_is_sealed_and_unsealed_only_with_approval(world: Session,
                                                            settings: ComplaintSettings) -> None:
    s = world
    named = complaints.file_complaint(
        s, filing(s, anonymous=False, name="王小明", phone="13912345678"), [],
        settings=settings, now=T0)
    row = s.get(ComplaintIdentity, named.case_id)
    assert row is not None and "王小明".encode() not in row.sealed
    case = s.get(Case, named.case_id)
    assert case is not None and "王小明" not in case.data and "139" not in case.data
    nb, dc, mz = actor(s, "nb_staff"), actor(s, "dc_staff"), actor(s, "mz_head")

    with pytest.raises(NotAllowedError):
        complaint_staff.read_identity(s, nb, named.case_id, settings.vault)
    with pytest.raises(NotAllowedError):  # the supervisor decides, it does not request
        complaint_staff.request_unseal(s, dc, named.case_id, "need to call back")
    with pytest.raises(ValidationFailedError):
        complaint_staff.request_unseal(s, nb, named.case_id, "")
    complaint_staff.request_unseal(s, nb, named.case_id, "需要电话核实具体报表名称", now=T0)
    with pytest.raises(NotAllowedError):  # intake cannot approve its own request
        complaint_staff.decide_unseal(s, nb, named.case_id, True)
    complaint_staff.decide_unseal(s, dc, named.case_id, True, now=T0)
    assert not complaint_tracking.track(s, named.case_id).identity_accessed
    identity = complaint_staff.read_identity(s, nb, named.case_id, settings.vault, now=T0)
    assert identity == {"name": "王小明", "phone": "13912345678"}
    assert complaint_tracking.track(s, named.case_id).identity_accessed

    # A department never reaches it: not even the case, until it holds a task of it.
    with pytest.raises(NotFoundError):
        complaint_staff.read_identity(s, mz, named.case_id, settings.vault)
    # Anonymous complaints have nothing to unseal.
    anon = complaints.file_complaint(s, filing(s), [], settings=settings, now=T0)
    with pytest.raises(InvalidTransitionError):
        complaint_staff.request_unseal(s, nb, anon.case_id, "需要电话核实具体报表名称")


def test_staff_outside_intake_see_dates_on_anonymous_cases(world: Session,
                                                           settings: ComplaintSettings) -> None:
    s = world
    moment = datetime(2026, 11, 2, 3, 17, 42, tzinfo=UTC)
    anon = {"anonymous": True}
    assert complaint_staff.shown_time(actor(s, "mz_clerk"), anon, moment) == moment.date()
    assert complaint_staff.shown_time(actor(s, "nb_staff"), anon, moment) == moment
    assert complaint_staff.shown_time(actor(s, "mz_clerk"), {"anonymous": False},
                                      moment) == moment


def test_two_breaches_put_the_case_in_the_supervision_queue(
        world: Session, settings: ComplaintSettings) -> None:
    s = world
    filed = complaints.file_complaint(s, filing(s), [], settings=settings, now=T0)
    dc, mz = actor(s, "dc_staff"), actor(s, "mz_clerk")
    make = sessionmaker(bind=s.get_bind(), expire_on_commit=False)
    s.commit()
    # Intake (2 working days) is missed: warning, then breach with a reminder.
    worker.run_once(make, clock=lambda: T0 + timedelta(days=5))
    s.expire_all()
    data = cases.get_case(s, dc, filed.case_id)[1].data
    kinds = [(e["stage"], e["kind"]) for e in data["deadline_events"]]
    assert kinds == [("intake", "warning"), ("intake", "breach")]
    office = unit_id(s, "qwnb")
    assert data["reminders"][0]["to"] == "unit_head"
    assert data["reminders"][0]["unit_id"] == office
    assert complaint_staff.supervision_queue(s, dc) == []
    do(s, "nb_staff", filed.case_id, "intake", T0 + timedelta(days=5, hours=1),
       intake_decision="accept", category="too_many_forms", responsible_unit_id=unit_id(s,
                                                                                       "qmzj"))
    s.commit()
    worker.run_once(make, clock=lambda: T0 + timedelta(days=40))
    s.expire_all()
    queue = complaint_staff.supervision_queue(s, dc)
    assert [c.id for c, _ in queue] == [filed.case_id]
    data = queue[0][1]
    assert data["breach_count"] == 2 and data["supervised"] is True
    assert data["reminders"][1]["unit_id"] == unit_id(s, "qmzj")
    with pytest.raises(NotFoundError):
        complaint_staff.supervision_queue(s, mz)
    # The reminder reaches the head of the unit that missed the limit, and only them.
    # (the demo complaint at 民政局's correction has missed its limit by now too)
    assert {(r.case_id, r.stage) for r in complaint_staff.reminders_for(
        s, actor(s, "mz_head"))} >= {(filed.case_id, "correction")}
    assert {(r.case_id, r.stage) for r in complaint_staff.reminders_for(
        s, actor(s, "nb_head")) if r.case_id == filed.case_id} == {(filed.case_id, "intake")}
    assert complaint_staff.reminders_for(s, actor(s, "tj_head")) == []


def test_extension_once_with_approval_moves_the_due_date(world: Session,
                                                         settings: ComplaintSettings) -> None:
    s = world
    filed = complaints.file_complaint(s, filing(s), [], settings=settings, now=T0)
    do(s, "nb_staff", filed.case_id, "intake", T0, intake_decision="accept",
       category="too_many_forms", responsible_unit_id=unit_id(s, "qmzj"))
    nb = actor(s, "nb_staff")
    before = cases.get_case(s, nb, filed.case_id)[1].data["correction_due"]
    do(s, "mz_clerk", filed.case_id, "correction", T0 + timedelta(hours=1),
       correction_outcome="request_extension", extension_reason="需要与镇里协调", extension_days=5)
    do(s, "nb_staff", filed.case_id, "review_extension", T0 + timedelta(hours=2),
       extension_decision="approve")
    after = cases.get_case(s, nb, filed.case_id)[1].data["correction_due"]
    assert after > before
    with pytest.raises(ValidationFailedError) as err:
        do(s, "mz_clerk", filed.case_id, "correction", T0 + timedelta(hours=3),
           correction_outcome="request_extension", extension_reason="再延期", extension_days=5)
    assert "correction_outcome" in err.value.fields


def test_filing_errors_name_the_field(world: Session, settings: ComplaintSettings) -> None:
    s = world
    bad: list[tuple[dict[str, Any], list[bytes], str]] = [
        (filing(s, category="nonsense"), [], "category"),
        (filing(s, village_id=unit_id(s, "xlz-v1")), [], "village_id"),
        (filing(s, description="太多"), [], "description"),
        (filing(s, anonymous=False, name="张三"), [], "phone"),
        (filing(s, responsible_unit_id=unit_id(s, "dgz-v1")), [], "responsible_unit_id"),
        (filing(s), [photo()] * 7, "attachments"),
        (filing(s), [b"<html><script>alert(1)</script></html>"], "attachments"),
        (filing(s, ip="1.2.3.4"), [], "ip"),
    ]
    for fields, files, name in bad:
        with pytest.raises(ValidationFailedError) as err:
            complaints.file_complaint(s, fields, files, settings=settings, now=T0)
        assert name in err.value.fields, (name, err.value.fields)
    assert s.scalar(select(Case.id).where(Case.case_type == "burden_complaint",
                                          Case.created_at == T0)) is None


def test_verifier_lane_reaches_both_offices_inbox(world: Session,
                                                  settings: ComplaintSettings) -> None:
    s = world
    filed = complaints.file_complaint(s, filing(s), [], settings=settings, now=T0)
    do(s, "nb_staff", filed.case_id, "intake", T0, intake_decision="accept",
       category="too_many_forms", responsible_unit_id=unit_id(s, "dgz"))
    # A town as responsible unit: its clerk works the correction.
    do(s, "dg_official", filed.case_id, "correction", T0 + timedelta(hours=1),
       correction_outcome="done", findings="属实", actions_taken="已取消", evidence="通知")
    for username in ("nb_staff", "dc_staff"):
        rows = inbox(s, actor(s, username))
        assert (filed.case_id, "verification") in {(r.case_id, r.task_id) for r in rows}
    assert filed.case_id not in {r.case_id for r in inbox(s, actor(s, "mz_clerk"))}
