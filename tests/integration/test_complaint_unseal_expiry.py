"""An approved unsealing of a complainant's identity expires (issue 17, low finding "an
approved unsealing never expires"): it opens the identity for UNSEAL_VALID_DAYS days (or
the days the decision records), then 区委农办 must ask again and 区委督查办 decide again;
decisions recorded before approvals expired end 7 days after they were taken."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import CaseEvent
from tests.integration.complaint_world import T0, actor, filing
from tests.integration.complaint_world import settings as settings  # fixture
from tests.integration.complaint_world import world as world  # fixture
from workflows.complaints import filing as complaints
from workflows.complaints import staff as complaint_staff
from workflows.complaints.filing import ComplaintSettings
from workflows.kernel.errors import NotAllowedError

REASON = "需要电话核实具体报表名称"


def _approved(s: Session, settings: ComplaintSettings, days: int | None = None) -> int:
    named = complaints.file_complaint(
        s, filing(s, anonymous=False, name="王小明", phone="13912345678"), [],
        settings=settings, now=T0)
    nb, dc = actor(s, "nb_staff"), actor(s, "dc_staff")
    complaint_staff.request_unseal(s, nb, named.case_id, REASON, now=T0)
    if days is None:
        complaint_staff.decide_unseal(s, dc, named.case_id, True, now=T0)
    else:
        complaint_staff.decide_unseal(s, dc, named.case_id, True, valid_days=days, now=T0)
    return named.case_id


def test_an_approval_opens_the_identity_for_a_week_only(world: Session,
                                                        settings: ComplaintSettings) -> None:
    s = world
    case_id = _approved(s, settings)
    nb, dc = actor(s, "nb_staff"), actor(s, "dc_staff")
    status = complaint_staff.unseal_status(s, case_id, T0 + timedelta(days=6))
    assert status.approved and status.approved_until == T0 + timedelta(days=7)
    assert complaint_staff.read_identity(s, nb, case_id, settings.vault,
                                         now=T0 + timedelta(days=6))["name"] == "王小明"
    later = T0 + timedelta(days=7, minutes=1)
    assert not complaint_staff.unseal_status(s, case_id, later).approved
    with pytest.raises(NotAllowedError):
        complaint_staff.read_identity(s, nb, case_id, settings.vault, now=later)
    # ask again, decide again, and it opens again
    complaint_staff.request_unseal(s, nb, case_id, REASON, now=later)
    complaint_staff.decide_unseal(s, dc, case_id, True, valid_days=1, now=later)
    assert complaint_staff.read_identity(s, nb, case_id, settings.vault,
                                         now=later + timedelta(hours=2))["name"] == "王小明"
    with pytest.raises(NotAllowedError):
        complaint_staff.read_identity(s, nb, case_id, settings.vault,
                                      now=later + timedelta(days=1, minutes=1))


@pytest.mark.tampers  # rewrites a recorded decision the way older versions recorded it
def test_decisions_recorded_before_expiry_end_after_a_week(world: Session,
                                                           settings: ComplaintSettings) -> None:
    s = world
    case_id = _approved(s, settings, days=30)
    s.execute(update(CaseEvent).where(CaseEvent.case_id == case_id,
                                      CaseEvent.type == "identity_unseal_decided")
              .values(inputs={"approve": True, "comment": ""}))
    s.commit()
    at = s.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case_id,
                                             CaseEvent.type == "identity_unseal_decided"))
    assert at is not None
    assert complaint_staff.unseal_status(s, case_id, at + timedelta(days=6)).approved
    assert not complaint_staff.unseal_status(s, case_id, at + timedelta(days=8)).approved
