"""Issue 4 item 4 — notifications in the app: a projection written in the command's own
transaction.

Checks: who is told what (new tasks, reassignment, comments, the case closed, deadlines to
the unit's head, nothing of the complainant's); notifications are not history (not in the
hashes, not produced by replay). E-mail digests: test_notification_digests.py; sending them:
test_notification_sending.py. The `sessions` fixture also replays and audits every case
after each test.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from models import CaseEvent, Notification, utcnow
from tests.integration.harness import (
    actors,
    draft_fields,
    fresh_definition_cache,  # noqa: F401
    new_case,
    open_task,
)
from tests.integration.notification_world import (
    BASE_URL,
    T0,
    SmtpServer,
    body,
    mine,
    settle,
    start,
    uid,
)
from tests.integration.notification_world import smtp as smtp  # fixture
from workflows.complaints import filing as complaints
from workflows.complaints.filing import ComplaintSettings
from workflows.complaints.receipts import ReceiptHasher
from workflows.kernel import audit, case_additions, cases, orgs, replay, worker
from workflows.kernel.vault import Vault, generate_key
from workflows.notifications import mail as notification_mail
from workflows.notifications import notify as notifications
from workflows.notifications.outbox import send_outbox

# ------------------------------------------------------------------ in-app: who is told


def test_who_is_told_in_app(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        who = actors(s, "mz_clerk", "mz_clerk2", "mz_head", "nb_staff", "nb_head")
        case_id = start(s, "通知测试报表")
        draft = [("task_available", {"task": "填写报表申请", "task_id": "draft_form"})]
        # The group at the task's unit is told; the clerk who started it is not.
        assert mine(s, "mz_clerk2", case_id) == draft
        assert mine(s, "mz_clerk", case_id) == []
        for other in ("mz_head", "tj_clerk", "nb_staff", "auditor"):
            assert mine(s, other, case_id) == []

        cases.complete_task(s, who["mz_clerk"], case_id, open_task(s, case_id, "draft_form"),
                            draft_fields("通知测试报表"))
        assert mine(s, "mz_head", case_id) == [
            ("task_available", {"task": "部门负责人签批", "task_id": "sign_off"})]
        cases.complete_task(s, who["mz_head"], case_id, open_task(s, case_id, "sign_off"),
                            {"head_decision": "approve"})
        review = ("task_available", {"task": "区委农办审核", "task_id": "review_form"})
        assert mine(s, "nb_staff", case_id) == [review]
        assert mine(s, "nb_head", case_id) == [review]

        # Reassign: the colleague it now belongs to; a comment: the task's assignee.
        task = open_task(s, case_id, "review_form")
        cases.reassign_task(s, who["nb_head"], case_id, task, who["nb_staff"].user_id or 0)
        assigned = ("task_assigned", {"task": "区委农办审核", "task_id": "review_form"})
        assert mine(s, "nb_staff", case_id) == [assigned, review]
        case_additions.add_comment(s, who["mz_clerk"], case_id, "请尽快审核，月底前要下发")
        assert ("comment", {}) in mine(s, "nb_staff", case_id)
        assert ("comment", {}) not in mine(s, "nb_head", case_id)  # the task is nb_staff's
        assert ("comment", {}) not in mine(s, "mz_clerk", case_id)  # their own comment

        # Finished: the clerk who started it is told.
        cases.complete_task(s, who["nb_staff"], case_id, task, {"review_decision": "approve"})
        assert mine(s, "mz_clerk", case_id) == [("case_closed", {"status": "published"})]

        # Reading: unread count, mark some, mark all.
        me = who["nb_staff"].user_id or 0
        count = notifications.unread_count(s, me)
        first = notifications.unread(s, me)[0]
        assert notifications.mark_read(s, me, [first.id]) == 1
        assert notifications.unread_count(s, me) == count - 1
        # Another user's ids are not theirs to mark.
        other = notifications.unread(s, uid(s, "nb_head"))[0]
        assert notifications.mark_read(s, me, [other.id]) == 0
        assert notifications.mark_read(s, me) == count - 1
        assert notifications.unread_count(s, me) == 0
        assert notifications.unread_count(s, uid(s, "nb_head")) > 0


def test_review_reminder_warns_the_group(demo_world: sessionmaker[Session]) -> None:
    past = utcnow() - timedelta(days=30)
    with demo_world() as s:
        case_id, _ = new_case(s, "review_form", "提醒测试", settings={"review_reminder_days": 1},
                              now=past)
    assert worker.run_once(demo_world, jobs={"mail": None}) >= 1
    with demo_world() as s:
        warning = ("deadline_warning", {"task": "区委农办审核", "task_id": "review_form"})
        for head in ("nb_staff", "nb_head"):
            assert warning in mine(s, head, case_id)
        assert all(kind != "deadline_warning" for kind, _ in mine(s, "mz_head", case_id))


def complaint_settings() -> ComplaintSettings:
    return ComplaintSettings(hasher=ReceiptHasher.for_tests(b"notification-tests"),
                             vault=Vault.from_config(generate_key()))


def test_deadlines_reach_the_unit_head_and_no_complainant_data(
        demo_world: sessionmaker[Session], smtp: SmtpServer) -> None:
    description = "镇里要求每个村每周上报三张内容重复的统计表格，占用大量时间。联系人张三"
    with demo_world() as s:
        settle(s, T0)
        village = orgs.by_code(s, "dgz-v2")
        assert village is not None
        filing = {"category": "too_many_forms", "town_id": village.parent_id,
                  "village_id": village.id, "description": description,
                  "anonymous": False, "name": "张三", "phone": "13800138000"}
        filed = complaints.file_complaint(s, filing, [], settings=complaint_settings(), now=T0)
        case_id = filed.case_id
        intake = ("task_available", {"task": "受理审核", "task_id": "intake"})
        assert mine(s, "nb_staff", case_id) == [intake]
        s.commit()
    # The worker fires the warning and breach timers of intake (2 working days).
    fired = worker.run_once(demo_world, clock=lambda: T0 + timedelta(days=5), jobs={"mail": None})
    assert fired >= 1  # one firing records both the warning and the breach
    with demo_world() as s:
        warning = ("deadline_warning", {"task": "受理审核", "task_id": "intake"})
        breach = ("deadline_breach", {"stage": "intake"})
        assert mine(s, "nb_head", case_id) == [breach, warning, intake]  # head of 区委农办
        assert mine(s, "nb_staff", case_id) == [warning, intake]
        assert mine(s, "mz_head", case_id) == [] and mine(s, "tj_head", case_id) == []
        stored = json.dumps([n.params for n in s.scalars(
            select(Notification).where(Notification.case_id == case_id))], ensure_ascii=False)
        assert "张三" not in stored and "13800138000" not in stored and "重复" not in stored
        assert notification_mail.queue_digests(s, T0 + timedelta(days=6), base_url=BASE_URL) >= 2
        send_outbox(s, smtp.settings, T0 + timedelta(days=6), "w1")
    sent = {m["To"]: body(m) for m in smtp.wait_for(2)}
    head = sent["nb_head@demo.jianfu.invalid"]
    assert "受理环节已超过办理时限" in head and f"投诉 #{case_id}" in head
    assert f"{BASE_URL}/cases/{case_id}" in head
    for text in sent.values():  # titles of complaints are the complainant's words
        assert "张三" not in text and "13800138000" not in text and "重复" not in text


# ------------------------------------------------------------------ not history


def test_notifications_are_not_history(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        who = actors(s, "mz_clerk", "mz_head")
        case_id = start(s, "不是历史")
        cases.complete_task(s, who["mz_clerk"], case_id, open_task(s, case_id, "draft_form"),
                            draft_fields("不是历史"))
        case_additions.add_comment(s, who["mz_head"], case_id, "看过了")
        made = s.scalar(select(func.count()).select_from(Notification))
        assert made and mine(s, "mz_head", case_id)
        for ev in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)):
            recorded = json.dumps([ev.inputs, ev.diff], ensure_ascii=False)
            assert "notification" not in recorded and "task_available" not in recorded
        report = replay.replay_case(s, case_id)
        assert report.ok and report.events == 3
        s.rollback()
        assert s.scalar(select(func.count()).select_from(Notification)) == made
        # Not hashed: deleting every notification leaves the audit and replay clean.
        s.execute(delete(Notification))
        s.commit()
        assert [str(p) for p in audit.verify(s)] == []
        assert replay.replay_case(s, case_id).ok
