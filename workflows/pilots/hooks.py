"""What measures 7 and 8 plug into the kernel (docs/pilots.md): the forms of the five-year-plan
check, the pilot variant approval and the innovation practice; the start data of the town's
own cases; and the version chooser that starts a case of a pilot town on its approved
variant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case
from workflows.kernel import forms, registry
from workflows.kernel.access import Actor
from workflows.kernel.errors import ValidationFailedError
from workflows.pilots import forms as pilot_forms
from workflows.pilots import variants
from workflows.pilots.towns import require_town

TOWN_ONLY = "only a town's clerk records this, for the town"
OPEN_PLAN_STATES = ("new", "open", "submitted", "returned")


def town_start(session: Session, actor: Actor, org_unit_id: int,
               data: dict[str, Any]) -> dict[str, Any]:
    """A plan check or a practice is the town's own: the town in the data."""
    try:
        town = require_town(session, org_unit_id)
    except ValidationFailedError:
        raise ValidationFailedError({"org_unit_id": [TOWN_ONLY]}) from None
    return {**data, "town_id": town.id}


def plan_start(session: Session, actor: Actor, org_unit_id: int,
               data: dict[str, Any]) -> dict[str, Any]:
    """A town's plan check, refused while the town's previous check is still open."""
    data = town_start(session, actor, org_unit_id, data)
    open_case = session.scalar(
        select(Case.id).where(Case.case_type == pilot_forms.PLAN_CHECK,
                              Case.scope_org_unit_id == org_unit_id,
                              Case.status.in_(OPEN_PLAN_STATES)).limit(1))
    if open_case is not None:
        raise ValidationFailedError({"title": [
            f"the town's plan check is still open (case {open_case})"]})
    return data


def register() -> None:
    forms.register_process(pilot_forms.PLAN_CHECK, start=pilot_forms.PlanStartSchema,
                           tasks=dict(pilot_forms.PLAN_TASKS))
    forms.register_process(pilot_forms.PRACTICE, start=pilot_forms.PracticeStartSchema,
                           tasks=dict(pilot_forms.PRACTICE_TASKS))
    forms.register_process(pilot_forms.VARIANT_APPROVAL, start=pilot_forms.VariantStartSchema,
                           tasks=dict(pilot_forms.VARIANT_TASKS), public=True)
    registry.add_start_hook(pilot_forms.PLAN_CHECK, plan_start)
    registry.add_start_hook(pilot_forms.PRACTICE, town_start)
    registry.add_version_chooser("pilot_variants", variants.choose)
