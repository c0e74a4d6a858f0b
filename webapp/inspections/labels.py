"""How the inspection and meeting cases read to a person (issue 19, item 11): a label for
every case-data field, the structured values as text (villages and towns by name, checks
with their reason and local time, quota slots, calendar entries), and the forms' validation
messages from `workflows.inspections.forms` in the user's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g
from flask_babel import gettext
from sqlalchemy import select

from models import OrgUnit
from webapp.core import i18n
from webapp.core.db import get_session
from webapp.core.i18n import N_
from workflows.catalog import browse as catalog
from workflows.kernel.errors import NotFoundError

# Case-data fields the draft forms do not name (the process and the commands set them).
FIELDS = {
    "villages": N_("Villages of the request"), "towns": N_("Towns of the request"),
    "check": N_("Latest automatic check"), "checks": N_("Automatic checks so far"),
    "check_facts": N_("Facts the check used"), "quota_slots": N_("Quota slots taken"),
    "approved_at": N_("Approved at"), "too_long": N_("Over the length limit"),
    "calendar_entries": N_("On the village calendars"),
    "quarter_quota": N_("Quota per village and quarter"),
    "year_quota": N_("Quota per village and year"), "max_people": N_("People allowed"),
    "max_days": N_("Days allowed"), "average_rating": N_("Average burden rating"),
    "village_ratings": N_("The villages' ratings"), "town_reviews": N_("The towns' opinions"),
    "town_objections": N_("The towns' objections"),
    "owner_unit_id": N_("Requesting department"), "merged_into": N_("Joined the inspection"),
    "closed_at": N_("Closed at"), "queued_at": N_("Waiting for the session since"),
    "urgent_approved_at": N_("Urgent meeting approved at"),
    "max_meeting_hours": N_("Longest meeting allowed (hours)"),
    "length_reason": N_("Why the length was refused"), "returns": N_("Returned for changes"),
    "legal_basis": N_("Legal basis"), "join": N_("Joined the approved inspection"),
    "visit_ends_at": N_("The visit ends"),
    "town_reviews_withdrawn": N_("Town reviews withdrawn after an objection"),
    # workflows.lists.purchase_rule, recorded at the approval or the meeting's filing
    "work_check": N_("Service-purchase check"),
}
for _name, _label in FIELDS.items():
    i18n.FIELD_LABELS.setdefault(_name, _label)

# The village's burden rating, one labelled step per value (the "scale" widget).
i18n.CHOICE_LABELS.update({
    "burden_rating.1": N_("1 · hardly any burden"),
    "burden_rating.2": N_("2 · a light burden"),
    "burden_rating.3": N_("3 · a noticeable burden"),
    "burden_rating.4": N_("4 · a heavy burden"),
    "burden_rating.5": N_("5 · a very heavy burden"),
    # a meeting's mode (the catalog's "method" keeps on_site / online as inspection methods)
    "mode.on_site": N_("Meeting on site"),
    "mode.online": N_("Online meeting"),
})
i18n.FIELD_LABELS["burden_rating"] = N_("How heavy was the burden on the village?")

# The forms' checks (workflows/inspections/forms.py), translated on the pages.
MESSAGES = (
    N_("choose the inspection to join"), N_("not one of the overlapping inspections"),
    N_("a reason is required"), N_("an urgent meeting states why it cannot wait"),
    N_("the window ends before it starts"), N_("more days on site than the window has"),
    N_("a law-enforcement inspection states its legal basis"),
    N_("the visit ends before it starts"), N_("Not a valid number."),
)


def _names() -> dict[int, str]:
    """Every org unit's name, once per request."""
    if "unit_names" not in g:
        g.unit_names = dict(get_session().execute(select(OrgUnit.id, OrgUnit.name)).all())
    names: dict[int, str] = g.unit_names
    return names


def _unit(value: Any) -> str:
    try:
        return _names().get(int(value), f"#{value}")
    except (TypeError, ValueError):
        return str(value)


def _join(parts: list[str]) -> str:
    return "、".join(p for p in parts if p) or "—"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in _list(value) if isinstance(v, dict)]


def _named(value: Any) -> str:
    return _join([str(v.get("name") or _unit(v.get("unit_id"))) for v in _dicts(value)])


def _units(value: Any) -> str:
    return _join([_unit(v) for v in _list(value)])


def _items(value: Any) -> str:
    ids = [int(v) for v in _list(value) if isinstance(v, int)]
    if not ids:
        return "—"
    found = {}
    for item_id in ids:
        try:
            row = catalog.get_row(get_session(), item_id)
        except NotFoundError:
            continue
        found[item_id] = f"{row.code} {row.name}"
    return _join([found.get(i, f"#{i}") for i in ids])


def _check(value: Any) -> str:
    if not isinstance(value, dict):
        return i18n.json_text(value)
    when = i18n.iso_datetime(value.get("at") or "")
    return str(gettext("%(result)s: %(reason)s (%(when)s)",
                       result=i18n.choice_label(value.get("result", "")),
                       reason=value.get("reason", ""), when=when))


def _checks(value: Any) -> str:
    return "；".join(_check(c) for c in _dicts(value)) or "—"


def _facts(value: Any) -> str:
    if not isinstance(value, dict):
        return i18n.json_text(value)
    text = str(gettext("Most visits of this kind per village: %(quarter)s this quarter, %(year)s "
                   "this year (%(busiest)s)", quarter=value.get("quarter_count", ""),
                   year=value.get("year_count", ""), busiest=value.get("busiest", "")))
    for o in _dicts(value.get("overlaps")):
        text += "；" + gettext("overlaps #%(case)s %(title)s (%(start)s – %(end)s, %(villages)s)",
                              case=o.get("case_id"), title=o.get("title", ""),
                              start=o.get("window_start"), end=o.get("window_end"),
                              villages=_join([str(v) for v in _list(o.get("villages"))]))
    if value.get("invalid_items"):
        text += "；" + gettext("items not in force: %(items)s",
                              items=_join([str(v) for v in _list(value["invalid_items"])]))
    return text


def _slots(value: Any) -> str:
    return _join([gettext("%(village)s %(period)s no. %(slot)s", village=_unit(s.get("village_id")),
                          period=s.get("period", ""), slot=s.get("slot", ""))
                  for s in _dicts(value)])


def _entries(value: Any) -> str:
    return _join([f"{e.get('village_name') or _unit(e.get('village_id'))} "
                  f"{e.get('start', '')} – {e.get('end', '')}" for e in _dicts(value)])


def _reviews(value: Any) -> str:
    return _join([f"{r.get('town_name', '')}：{i18n.choice_label(r.get('decision', ''))}"
                  + (f"（{r['objection']}）" if r.get("objection") else "")
                  for r in _dicts(value)])


def _ratings(value: Any) -> str:
    return _join([f"{r.get('village_name', '')}：{r.get('rating', '')} {r.get('comment', '')}"
                  for r in _dicts(value)])


def _materials(value: Any) -> str:
    return _join([str(m.get("name", "")) + (gettext(" (already held by the district)")
                                            if m.get("already_held") else "")
                  for m in _dicts(value)] + [str(m) for m in _list(value) if isinstance(m, str)])


def _returns(value: Any) -> str:
    return "；".join(f"{i18n.iso_datetime(r.get('at') or '')} {r.get('reason', '')}"
                    for r in _dicts(value)) or "—"


def _joined(value: Any) -> str:
    if not isinstance(value, dict):
        return i18n.json_text(value)
    return str(gettext("#%(case)s %(title)s of %(unit)s, %(start)s – %(end)s, at %(villages)s "
                       "(%(people)s people)", case=value.get("case_id"),
                       title=value.get("title", ""), unit=value.get("unit_name", ""),
                       start=value.get("window_start"), end=value.get("window_end"),
                       villages=_named(value.get("villages")), people=value.get("people")))


FORMATS: dict[str, Callable[[Any], str]] = {
    "villages": _named, "towns": _named, "village_ids": _units, "town_ids": _units,
    "item_ids": _items, "check": _check, "checks": _checks, "check_facts": _facts,
    "quota_slots": _slots, "calendar_entries": _entries, "town_reviews": _reviews,
    "town_objections": _reviews, "village_ratings": _ratings, "materials": _materials,
    "actual_materials": _materials, "owner_unit_id": _unit, "returns": _returns,
    "merged_into": lambda v: f"#{v}", "join": _joined,
    "visit_ends_at": lambda v: i18n.iso_datetime(str(v or "")),
    "town_reviews_withdrawn": lambda v: _join([str(t) for t in _list(v)]),
}
i18n.VALUE_FORMATS.update(FORMATS)
