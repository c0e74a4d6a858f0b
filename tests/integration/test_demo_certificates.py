"""Every demo case gets a clean replay certificate: its replay matches and every recorded
form still validates, including tasks whose command adds computed inputs (an assessment
item's duplicate check, an inspection's villages, check facts and quota slots)."""

from __future__ import annotations

from sqlalchemy import select

from models import Case
from tests.integration.harness import fresh_definition_cache  # noqa: F401
from tests.integration.inspection_world import InspectionDriver, actor, draft
from workflows.supervision import audit_trail


def test_every_demo_case_certifies(demo_world):
    with demo_world() as s:
        driver = InspectionDriver(s)
        case_id = driver.approve(draft(s, ["dgz-v1"]), title="认证用检查")
        driver.finish(case_id, {"actual_start": "2026-04-13", "actual_end": "2026-04-13",
                                "actual_people": 2, "actual_days": 1,
                                "actual_materials": ["低保名册"]})
        auditor = actor(s, "auditor")
        ids = list(s.scalars(select(Case.id).order_by(Case.id)))
        assert case_id in ids and len(ids) > 5
        problems = {cid: audit_trail.certificate(s, auditor, cid).differences for cid in ids}
        assert {cid: d for cid, d in problems.items() if d} == {}
