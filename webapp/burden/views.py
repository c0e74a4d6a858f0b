"""The burden-impact estimate as the approver and the auditor see it (issue 13, item 8).

The estimate itself is computed by `workflows.burden` when the draft is submitted and
recorded in that event (`burden_estimate`). This blueprint has no pages of its own: it gives
the task page its panel (`burden_panel`: the recorded estimate, on every task of a gated
request after its draft) and the replay certificate the estimates its events recorded
(`burden_seen`), and tells the generic case details how to read the value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint
from flask_babel import gettext

from models import Case
from webapp.core import i18n
from webapp.core.db import get_session
from webapp.core.i18n import N_
from workflows.burden.hooks import GATED, KEY, PROCESSES
from workflows.kernel.state import TaskView
from workflows.kernel.store import case_events

bp = Blueprint("burden", __name__, template_folder="templates")

DRAFTS = frozenset(str(task) for _, task in GATED)
PARTS = {
    "site": N_("accompanying the team on site"), "materials": N_("preparing materials"),
    "meeting": N_("the meeting"), "travel": N_("travel to the meeting"),
    "fields": N_("filling in the fields"), "setup": N_("installing and logging in"),
    "checkins": N_("check-ins"),
}
i18n.FIELD_LABELS.setdefault(KEY, N_("Estimated burden on the villages"))


@dataclass(frozen=True)
class Seen:
    """One estimate recorded in the case's history."""

    seq: int
    at: datetime
    task_id: str
    estimate: dict[str, Any]


@bp.app_template_global("burden_panel")
def burden_panel(case: Case, task: TaskView, data: dict[str, Any]) -> dict[str, Any] | None:
    """The recorded estimate an approver sees on a task of a gated request (not the draft)."""
    if case.case_type not in PROCESSES or task.task_id in DRAFTS:
        return None
    found = data.get(KEY)
    return found if isinstance(found, dict) else None


@bp.app_template_global("burden_seen")
def burden_seen(case_id: int) -> list[Seen]:
    """Every estimate the case's events recorded, oldest first (for the certificate page,
    which has already checked the viewer may read the case)."""
    out = []
    for event in case_events(get_session(), case_id):
        data = (event.inputs or {}).get("data")
        if isinstance(data, dict) and isinstance(data.get(KEY), dict):
            out.append(Seen(event.seq, event.at, str(event.task_id or ""), data[KEY]))
    return out


@bp.app_template_filter("burden_part")
def burden_part(name: str) -> str:
    label = PARTS.get(name)
    return gettext(label) if label else name


def summary(value: Any) -> str:
    """The estimate in one line (the generic case details)."""
    if not isinstance(value, dict):
        return i18n.json_text(value)
    return str(gettext("%(hours)s cadre-hours per village and year · %(villages)s villages · "
                       "%(clashes)s calendar clashes", hours=value.get("hours_per_village_year"),
                       villages=value.get("villages"), clashes=value.get("clash_count")))


i18n.VALUE_FORMATS.setdefault(KEY, summary)
