"""Inspections and meetings as the villages see them (issue 6): each village's calendar of
approved inspections and combined meeting sessions, the monthly burden ledger, and the
combined sessions with their generated agendas. Everything here is read from
`workflows.inspections.ledger` / `workflows.inspections.bundler` (folded from the case events).

Requests are made on the generic pages (`/cases/new/inspection_request`,
`/cases/new/meeting_request`) and worked in the inbox; the town review and the village
rating are tasks there. Their draft forms pick villages by town, catalog items and
materials with the widgets of `webapp.core.schema_form` (choices from `webapp.core.pickers`). A
village outside the actor's scope is a 404.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, g, render_template, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from models import OrgUnit
from webapp.core import i18n
from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.core.i18n import N_
from webapp.inspections import joined, notices
from webapp.inspections import labels as _labels  # noqa: F401  (registers the labels)
from workflows.complaints import calendar_check as complaint_calendar
from workflows.inspections import bundler as meeting_bundler
from workflows.inspections import ledger as village_ledger
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError
from workflows.kernel.ids import ProcessId

bp = Blueprint("inspections", __name__, template_folder="templates", url_prefix="/inspections")
bp.add_app_template_global(notices.task_notices, "task_notices")
joined.register(bp)  # the inspection a department's request joined (issue 19, item 3)

Page = Response | str | tuple[str, int]
INSPECTION = str(ProcessId.INSPECTION_REQUEST)
MEETING = str(ProcessId.MEETING_REQUEST)


# Labels of the codes of both processes on the generic pages (start, task, case).
i18n.PROCESS_LABELS.update({
    "inspection_request": N_("Inspection request"),
    "meeting_request": N_("Meeting or activity request"),
})
i18n.STATUS_LABELS.update({
    "head_review": N_("At the department head"),
    "town_review": N_("At the towns"),
    "approval": N_("Awaiting approval"),
    "scheduled": N_("Scheduled"),
    "rating": N_("Villages rating the burden"),
    "queued": N_("Waiting for the combined session"),
    "urgent_approved": N_("Urgent meeting approved"),
})
i18n.FIELD_LABELS.update({
    "inspection_type": N_("Kind of inspection"),
    "item_ids": N_("Catalog items assessed"),
    "village_ids": N_("Villages concerned"),
    "town_ids": N_("Whole towns (every village)"),
    "window_start": N_("From"),
    "window_end": N_("Until"),
    "people": N_("People on site"),
    "days": N_("Days on site"),
    "materials": N_("Materials demanded"),
    "overlap_decision": N_("Overlap"),
    "merge_with": N_("Join the inspection (case number)"),
    "town_decision": N_("Town's opinion"),
    "objection": N_("Objection"),
    "approval_decision": N_("Approval"),
    "actual_start": N_("Actually from"),
    "actual_end": N_("Actually until"),
    "actual_people": N_("People actually on site"),
    "actual_days": N_("Days actually on site"),
    "actual_materials": N_("Materials actually demanded"),
    "outcome_note": N_("Note"),
    "rating_comment": N_("Comment on the burden"),
    "attendees": N_("Who must attend"),
    "hours": N_("Length in hours"),
    "mode": N_("On site or online"),
    "preferred_date": N_("Needed from"),
    "urgent": N_("Urgent: a stand-alone meeting"),
    "urgent_reason": N_("Why it cannot wait for the combined session"),
    "urgent_date": N_("Date of the urgent meeting"),
    "urgent_decision": N_("Stand-alone meeting"),
    "check_result": N_("Automatic check"),
    "check_reason": N_("Reason"),
})
i18n.CHOICE_LABELS.update({
    "assessment": N_("Assessment or rating"),
    "supervision": N_("Supervision"),
    "law_enforcement": N_("Law-enforcement inspection"),
    "business": N_("Business inspection"),
    "research": N_("Research visit"),
    "merge": N_("Join it (joint inspection)"),
    "reschedule": N_("Choose another window"),
    "agree": N_("Agree"),
    "object": N_("Object"),
    "refuse": N_("Refuse: bundle it"),
    "items_invalid": N_("Items not in the catalog or not in force"),
    "limit_exceeded": N_("Too many people or days"),
    "quota_exceeded": N_("Village quota exceeded"),
    "overlap": N_("Overlaps an approved inspection"),
})


# What the draft forms' checks say (workflows/inspections/forms.py,
# workflows/inspections/requests.py).
PICKER_MESSAGES = (
    N_("choose at least one village or town"), N_("no village chosen"),
    N_("an assessment names its catalog items"),
)
i18n.add_message_pattern(r"^(\d+) is not a village$",
                        lambda m: gettext("%(id)s is not a village", id=m[1]))
i18n.add_message_pattern(r"^(\d+) is not a town$",
                        lambda m: gettext("%(id)s is not a town", id=m[1]))
i18n.add_message_pattern(  # workflows.inspections.quota
    r"^quota used up since the check: (.+), (\S+) \((\d+) of (\d+) approved\)$",
    lambda m: gettext("Quota used up since the check: %(village)s, %(period)s (%(used)s of "
                      "%(quota)s approved). Return or reject the request.",
                      village=m[1], period=m[2], used=m[3], quota=m[4]))


def _villages(actor: Actor) -> list[OrgUnit]:
    villages = village_ledger.visible_villages(get_session(), actor)
    if not villages:
        raise NotFoundError("no such page")
    return villages


def _chosen(villages: list[OrgUnit]) -> OrgUnit | None:
    raw = request.args.get("village", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise NotFoundError("no such village")
    chosen = next((v for v in villages if v.id == int(raw)), None)
    if chosen is None:
        raise NotFoundError("no such village")
    return chosen


def _may_request(actor: Actor) -> bool:
    return any(role == access.CLERK for role, _, _ in actor.roles)


def _calendar_villages(actor: Actor) -> list[OrgUnit]:
    villages = village_ledger.calendar_villages(get_session(), actor)
    if not villages:
        raise NotFoundError("no such page")
    return villages


def may_open(actor: Actor | None) -> bool:
    """Whether /inspections/ has anything for the actor (the menu links it then)."""
    if actor is None or actor.is_system:
        return False
    return _may_request(actor) or bool(village_ledger.calendar_villages(get_session(), actor))


@bp.app_context_processor
def _menu() -> dict[str, Any]:
    return {"inspections_menu": may_open(g.get("actor")),
            "preview_tasks": notices.PREVIEW_TASKS}


@bp.route("/")
@login_required
def index() -> Page:
    actor = current_actor()
    villages = village_ledger.calendar_villages(get_session(), actor)
    if not villages and not _may_request(actor):
        raise NotFoundError("no such page")
    return render_template("inspections/index.html", villages=villages,
                           may_request=_may_request(actor), inspection=INSPECTION,
                           meeting=MEETING, show_ledger=_shows_ledger(actor))


def _shows_ledger(actor: Actor) -> bool:
    return bool(village_ledger.visible_villages(get_session(), actor))


@bp.route("/calendar")
@login_required
def calendar() -> Page:
    actor = current_actor()
    villages = _calendar_villages(actor)
    chosen = _chosen(villages) or villages[0]
    entries = [e for e in village_ledger.all_entries(get_session())
               if e.village_id == chosen.id]
    reported = complaint_calendar.reported(get_session(), actor, chosen.id, entries)
    return render_template("inspections/calendar.html", villages=villages, chosen=chosen,
                           entries=entries, reported=reported,
                           category=complaint_calendar.CATEGORY,
                           show_ledger=_shows_ledger(actor))


@bp.route("/ledger")
@login_required
def ledger() -> Page:
    actor = current_actor()
    villages = _villages(actor)
    chosen = _chosen(villages)
    shown, rows = village_ledger.village_ledger(get_session(), actor,
                                                chosen.id if chosen else None)
    names = {v.id: v.name for v in shown}
    return render_template("inspections/ledger.html", villages=villages, chosen=chosen,
                           rows=list(rows.values()), names=names,
                           totals=village_ledger.totals(rows),
                           plaques=village_ledger.plaques_hanging(get_session(), shown))


@bp.route("/sessions")
@login_required
def sessions() -> Page:
    """The combined sessions of the visible villages; for a department, the sessions its own
    meetings are in, with its own agenda items only."""
    actor = current_actor()
    session = get_session()
    visible = {v.id for v in village_ledger.visible_villages(session, actor)}
    own = village_ledger.requesting_units(session, actor)
    if not visible and not own:
        raise NotFoundError("no such page")
    names = meeting_bundler.unit_names(session)
    shown: list[dict[str, Any]] = []
    for s in meeting_bundler.sessions(session):
        mine = [v for v in s.village_ids if v in visible]
        if not mine:
            items = [i for i in s.agenda if i.owner_unit_id in own]
            if not items:
                continue
            s = replace(s, agenda=items)
        shown.append({
            "on": s.on, "town": names.get(s.town_id, ""), "urgent": s.urgent,
            "mode": s.mode, "hours": s.hours, "key": f"{s.town_id}-{s.on.isoformat()}",
            "villages": [(names.get(v, ""), s.hours_for(v)) for v in mine],
            "agenda": [{"unit": names.get(i.owner_unit_id or 0, ""), "purpose": i.purpose,
                        "attendees": i.attendees, "hours": i.hours, "mode": i.mode,
                        "concerns": bool(set(i.village_ids) & set(mine))}
                       for i in s.agenda]})
    return render_template("inspections/sessions.html", sessions=shown,
                           show_ledger=bool(visible))
