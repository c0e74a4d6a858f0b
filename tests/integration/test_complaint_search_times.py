"""A department cannot probe a complaint's filing time through the inbox search (issue 17,
finding "filing time leaks to the department"): `q=t02`, `q=12-08t02` or the microseconds of
a stored time matched `intake_due` in the case data. Staff who see dates only find a
complaint by its title or number; 区委农办 (who sees exact times) still searches its data."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy.orm import Session

from models import Case
from tests.integration.complaint_world import T0, actor, do, filing, unit_id
from tests.integration.complaint_world import settings as settings  # fixture
from tests.integration.complaint_world import world as world  # fixture
from workflows.complaints import filing as complaints
from workflows.complaints.filing import ComplaintSettings
from workflows.inbox import search as inbox_search
from workflows.inbox.filters import InboxFilter

FILED = T0 + timedelta(hours=2, minutes=46, seconds=52, microseconds=276948)


def found(s: Session, username: str, q: str) -> set[int]:
    result = inbox_search.search(s, actor(s, username), InboxFilter(q=q))
    return {item.case_id for item in result.rows}


def test_a_department_finds_a_complaint_by_title_not_by_its_times(
        world: Session, settings: ComplaintSettings) -> None:
    s = world
    filed = complaints.file_complaint(s, filing(s), [], settings=settings, now=FILED)
    do(s, "nb_staff", filed.case_id, "intake", FILED + timedelta(hours=1),
       intake_decision="accept", category="too_many_forms",
       responsible_unit_id=unit_id(s, "qmzj"))
    case = s.get(Case, filed.case_id)
    assert case is not None
    stored = json.dumps(json.loads(case.data))
    assert "52.276948" in stored or "T" in stored  # the data holds exact times
    for probe in ("t02", "12-08t02", "T02", "52.276948", ":46", "02:46"):
        assert filed.case_id not in found(s, "mz_clerk", probe), probe
    assert filed.case_id in found(s, "mz_clerk", case.title[:6])
    assert filed.case_id in found(s, "mz_clerk", str(filed.case_id))
    # a date is what they see anyway: it still finds the complaint by its due date
    due = json.loads(case.data)["correction_due"][:10]
    assert filed.case_id in found(s, "mz_clerk", due)
