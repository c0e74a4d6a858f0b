"""How the app and work group requests read to a person: the process, its statuses, the
fields of its forms and case data, its choices, the duplicate check as text, and the
messages raised by `workflows.apps` in the user's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from webapp.core import i18n
from webapp.core.i18n import N_

i18n.PROCESS_LABELS["app_request"] = N_("Government app or work group request")
i18n.STATUS_LABELS.setdefault("burden_review", N_("At the burden-reduction office"))
FIELDS = {
    "app_name": N_("Name of the app or group"), "app_kind": N_("Kind"),
    "app_purpose": N_("What it is for"),
    "demands_install": N_("Villages must install it"),
    "demands_login": N_("Villages must log in or join"),
    "demands_checkin": N_("Villages must check in"),
    "demands_photos": N_("Villages must upload photos"),
    "demands_data_entry": N_("Villages must enter data"),
    "checkins_per_week": N_("Check-ins demanded per week"),
    "minutes_per_checkin": N_("Minutes per check-in"),
    "app_change": N_("Request"), "app_id": N_("App or group"), "merge_into_id": N_("Merged into"),
    "app_code": N_("Registry number"), "merge_into_code": N_("Registry number merged into"),
    "merge_into_name": N_("Merged into"), "merge_into_version": N_("Its version"),
    "duplicate_check": N_("Duplicate check"), "duplicate_matches": N_("Similar registered apps"),
    "cyberspace_decision": N_("Decision of the cyberspace office"),
    "burden_decision": N_("Decision of the burden-reduction office"),
    "similar_reason": N_("Why it is needed although similar ones are registered"),
    "current": N_("As registered now"),
}
for _name, _label in FIELDS.items():
    i18n.FIELD_LABELS.setdefault(_name, _label)
i18n.CHOICE_LABELS.update({
    "app_change.new": N_("A new app or group"),
    "app_change.merge": N_("Merge into another"),
    "app_change.retire": N_("Retire"),
    "app_change.absorb": N_("Took over a merged one"),
    "app_kind.app": N_("Government app"), "app_kind.wechat_group": N_("WeChat work group"),
    "app_kind.dingtalk_group": N_("DingTalk work group"),
    "to_cyberspace": N_("Forward to the cyberspace office"),
})
# Who sent a request back (`returns[].stage`).
STAGES = {"sign_off": N_("The department head"),
          "burden_review": N_("The burden-reduction office (区委农办)"),
          "cyberspace_review": N_("The cyberspace office (区委网信办)")}
MESSAGES = (
    N_("required to merge or retire an app or group"),
    N_("a new app or group has no registry number yet"),
    N_("name the app or group it is merged into"),
    N_("only a merge names the app it goes into"),
    N_("an app cannot be merged into itself"),
    N_("choose at least one village or town"),
    N_("tick check-ins when it demands check-ins"), N_("how many check-ins a week"),
    N_("tick at least one thing it demands of villages"),
    N_("say why the app or group is merged or retired"),
    N_("the check found likely duplicates: say why this one is needed as well"),
    N_("only a district department or a town asks for an app or group"),
    N_("no registered app or group with this number"),
    N_("only the owner unit may merge or retire its app or group"),
    N_("the app or group was changed after this request started; return it for revision"),
    N_("no such app or group"), N_("no such village"),
    # the menu entry (webapp/templates/base.html) and the villages' notifications
    # (webapp/notifications/views.py TEXTS, written by workflows.apps.projection)
    N_("Apps and work groups"),
    N_("Registered for your village: %(code)s %(name)s"),
    N_("%(code)s %(name)s is merged into %(target)s: use that one"),
    N_("%(code)s %(name)s is retired: your village no longer uses it"),
)
i18n.add_message_pattern(
    r"^this app or group already has an unfinished request \(case (\d+)\)$",
    lambda m: gettext("This app or group already has an unfinished request (case %(id)s)",
                      id=m[1]))
i18n.add_message_pattern(r"^no village with number (\d+)$",
                         lambda m: gettext("No village with number %(id)s", id=m[1]))
i18n.add_message_pattern(r"^no town with number (\d+)$",
                         lambda m: gettext("No town with number %(id)s", id=m[1]))


def _matches(value: Any) -> str:
    """The duplicate check's matches as a person reads them."""
    rows = value.get("matches") if isinstance(value, dict) else value
    if not isinstance(rows, list) or not rows:
        return str(gettext("No similar app or group is registered."))
    parts = []
    for m in rows:
        if not isinstance(m, dict):
            continue
        mark = gettext("likely duplicate") if m.get("likely") else gettext("similar")
        parts.append(gettext("%(code)s %(name)s (%(mark)s, score %(score)s; shared words: "
                             "%(words)s)", code=m.get("code", ""), name=m.get("name", ""),
                             mark=mark, score=m.get("score", ""),
                             words="、".join(m.get("shared_words") or []) or "—"))
    return "；".join(parts)


def _current(value: Any) -> str:
    if not isinstance(value, dict):
        return i18n.json_text(value)
    return f"{value.get('app_name', '')} · {value.get('app_purpose', '')}"


i18n.VALUE_FORMATS.setdefault("duplicate_check", _matches)
i18n.VALUE_FORMATS.setdefault("duplicate_matches", _matches)
i18n.VALUE_FORMATS.setdefault("current", _current)
