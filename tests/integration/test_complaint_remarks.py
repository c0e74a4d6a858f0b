"""Each step's remarks stay its own (issue 18, item 3): the intake's, the extension
review's and the return visit's comments are kept side by side in the case data, none
overwritten by a later step (they all shared one `comment` field before)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from models import Case
from tests.integration.complaint_world import (
    T0,
    do,
    filing,
    unit_id,
)
from tests.integration.complaint_world import (
    settings as settings,  # fixture
)
from tests.integration.complaint_world import (
    world as world,  # fixture
)
from workflows.complaints import filing as complaints
from workflows.complaints import tracking as complaint_tracking
from workflows.complaints.filing import ComplaintSettings
from workflows.kernel.store import load_state


def test_every_step_keeps_its_own_remarks(world: Session, settings: ComplaintSettings) -> None:
    s = world
    filed = complaints.file_complaint(s, filing(s), [], settings=settings, now=T0)
    case_id = filed.case_id
    do(s, "nb_staff", case_id, "intake", T0 + timedelta(hours=2), intake_decision="accept",
       responsible_unit_id=unit_id(s, "qmzj"), comment="受理时的说明")
    do(s, "mz_clerk", case_id, "correction", T0 + timedelta(hours=3),
       correction_outcome="request_extension", extension_reason="需要协调三个部门",
       extension_days=5)
    do(s, "nb_staff", case_id, "review_extension", T0 + timedelta(hours=4),
       extension_decision="approve", comment="同意延期五天")
    do(s, "mz_clerk", case_id, "correction", T0 + timedelta(days=1), correction_outcome="done",
       findings="确有重复报表", actions_taken="合并为一张表", evidence="通知")
    do(s, "dc_staff", case_id, "verification", T0 + timedelta(days=2),
       verification_decision="pass")
    complaint_tracking.rate(s, case_id, "satisfied", "满意，谢谢",
                            now=T0 + timedelta(days=3))
    case = s.get(Case, case_id)
    assert case is not None
    data = load_state(s, case).data
    assert data["intake_comment"] == "受理时的说明"
    assert data["extension_comment"] == "同意延期五天"
    assert data["visit_comment"] == "满意，谢谢"
    assert "comment" not in data
