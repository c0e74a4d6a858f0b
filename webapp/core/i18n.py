"""Languages (zh_CN default, en second), the choice kept in the session, and labels for the
codes the lower layers use (roles, statuses, event types, form fields and choices)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlencode

from babel import support
from flask import Flask, request, session
from flask_babel import Babel, Domain, format_datetime, get_locale, gettext

DEFAULT_LOCALE = "zh_CN"
LOCALES = (DEFAULT_LOCALE, "en")
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}
# Babel expands "zh_CN" to "zh_Hans_CN"; our catalogs live under the short name.
CATALOG_NAMES = {"zh_Hans_CN": "zh_CN"}


def N_(text: str) -> str:  # noqa: N802 - the conventional name pybabel extracts
    """Mark a string for extraction; it is translated when shown."""
    return text


ROLE_LABELS = {
    "clerk": N_("Clerk"), "unit_head": N_("Unit head"), "burden_office": N_("Burden office"),
    "supervisor": N_("Supervisor"), "office_approver": N_("Office approver"),
    "town_official": N_("Town official"), "village_cadre": N_("Village cadre"),
    "auditor": N_("Auditor"), "admin": N_("Administrator"), "system": N_("System"),
    "verifier": N_("Verifier"), "complainant": N_("Complainant"),
    "party_office": N_("Party office (joint sign-off)"),
    "government_office": N_("Government office (joint sign-off)"),
}
STATUS_LABELS = {
    "new": N_("New"), "open": N_("Open"), "closed": N_("Closed"),
    "published": N_("Published"), "rejected": N_("Rejected"),
    "completed": N_("Completed"), "cancelled": N_("Cancelled"),
    "intake": N_("At intake"), "correction": N_("In correction"),
    "extension_review": N_("Extension under review"), "verification": N_("In verification"),
    "return_visit": N_("Return visit"), "merged": N_("Merged"), "reopened": N_("Reopened"),
    "drafting": N_("Being drafted"), "sign_off": N_("At the unit head"),
    "review": N_("At the burden office"), "joint_sign_off": N_("At the joint sign-off"),
    "returned": N_("Returned for changes"), "active": N_("In force"),
    "retired": N_("No longer in force"),
}
EVENT_LABELS = {
    "case_started": N_("Case started"), "task_completed": N_("Task completed"),
    "timer_fired": N_("Timer fired"), "task_claimed": N_("Task claimed"),
    "task_released": N_("Task released"), "task_reassigned": N_("Task reassigned"),
    "comment_added": N_("Comment added"), "attachment_added": N_("Files added"),
    "identity_unseal_requested": N_("Unsealing of the identity requested"),
    "identity_unseal_decided": N_("Unsealing of the identity decided"),
    "identity_accessed": N_("Identity read"),
    "data_recorded": N_("Village data entered"),
    "personal_data_erased": N_("Personal data erased"),
}
PROCESS_LABELS = {"report_form_approval": N_("New report form approval"),
                  "burden_complaint": N_("Burden complaint"),
                  "assessment_item_approval": N_("Assessment item approval")}
FIELD_LABELS = {
    "title": N_("Title"), "form_name": N_("Form name"), "purpose": N_("Purpose"),
    "field_count": N_("Number of fields"), "frequency": N_("Frequency"),
    "already_collected": N_("Already collected elsewhere"),
    "head_decision": N_("Sign-off decision"), "review_decision": N_("Review decision"),
    "comment": N_("Comment"), "status": N_("Status"), "data": N_("Data"),
    "tasks": N_("Tasks"), "jobs": N_("Timers"), "text": N_("Comment"),
    "to_user_id": N_("Colleague"), "process_id": N_("Process"),
    "state": N_("State"), "claimant_id": N_("Claimed by"), "due_at": N_("Due"),
    "case_status": N_("Status"), "published_at": N_("Published at"),
    "reminder_sent_at": N_("Reminder sent at"),
    "review_reminder_days": N_("Review reminder (working days)"),
    "old_password": N_("Current password"), "new_password": N_("New password"),
    "confirm_password": N_("New password again"), "fields": N_("Form fields"),
    "username": N_("Username"), "password": N_("Password"),
    # burden complaints
    "category": N_("Category"), "town_id": N_("Town"), "village_id": N_("Village"),
    "responsible_unit_id": N_("Responsible unit"), "description": N_("What happened"),
    "anonymous": N_("Anonymous"), "channel": N_("Channel"), "attachments": N_("Files"),
    "intake_decision": N_("Intake decision"), "reject_reason": N_("Reason for rejecting"),
    "duplicate_of": N_("Duplicate of case number"), "merged_into": N_("Merged into case"),
    "correction_outcome": N_("Correction outcome"), "findings": N_("Findings"),
    "actions_taken": N_("Actions taken"), "evidence": N_("Evidence"),
    "extension_reason": N_("Reason for the extension"),
    "extension_days": N_("Extension (working days)"), "extension_used": N_("Extension used"),
    "extension_decision": N_("Extension decision"),
    "verification_decision": N_("Verification decision"), "reasons": N_("Reasons"),
    "rating": N_("Rating"), "visit_channel": N_("Return visit by"),
    "appeal_reason": N_("Reason for the appeal"), "reopen_count": N_("Times reopened"),
    "appeal_closed": N_("Appeal window closed"), "appeal_due": N_("Appeal until"),
    "closed_at": N_("Closed at"), "intake_due": N_("Intake due"),
    "correction_due": N_("Correction due"), "verification_due": N_("Verification due"),
    "return_visit_due": N_("Return visit due"), "deadline_events": N_("Time limit events"),
    "reminders": N_("Reminders"), "breach_count": N_("Time limits missed"),
    "supervised": N_("In the supervision queue"),
    "intake": N_("Intake"), "correction": N_("Correction"),
    "verification": N_("Verification"), "return_visit": N_("Return visit (stage)"),
    # assessment items
    "code": N_("Item number"), "name": N_("Item name"), "owner": N_("Owner department"),
    "target": N_("Assessed"), "content": N_("What is assessed"),
    "criteria": N_("Scoring criteria"),
    "method": N_("How it is assessed"), "period": N_("Period of the year"),
    "weight": N_("Weight (points)"),
    "legal_basis": N_("Legal or policy basis"), "effective_date": N_("Effective date"),
    "retired_on": N_("Retired from"), "version": N_("Item version"),
    "change_note": N_("Reason for the change"), "change_kind": N_("Proposal"),
    "item_id": N_("Catalog item"), "item_code": N_("Item number"),
    "owner_unit_id": N_("Owner department"), "base_version": N_("Changes version"),
    "office_decision": N_("Sign-off decision"),
    "duplicate_reason": N_("Why this is not a duplicate"),
    "likely_duplicates": N_("Likely duplicates"), "rejected_at": N_("Rejected at"),
    "notice": N_("Departments notified"),
    "sign_off": N_("Unit head sign-off"), "review": N_("Burden office review"),
    "party_office_sign_off": N_("Party office sign-off"),
    "government_office_sign_off": N_("Government office sign-off"),
}
CHOICE_LABELS = {
    "approve": N_("Approve"), "return": N_("Return for changes"), "reject": N_("Reject"),
    "once": N_("Once"), "monthly": N_("Monthly"), "quarterly": N_("Quarterly"),
    "yearly": N_("Yearly"),
    "accept": N_("Accept"), "duplicate": N_("Duplicate: merge into an open case"),
    "done": N_("Corrected"), "request_extension": N_("Request an extension"),
    "deny": N_("Deny"), "pass": N_("Pass"), "satisfied": N_("Satisfied"),
    "partly": N_("Partly satisfied"), "not_satisfied": N_("Not satisfied"),
    "complainant": N_("The complainant"), "phone": N_("Phone call"),
    "web": N_("Web portal"), "hotline": N_("Hotline"),
    "unapproved_inspection": N_("Unapproved inspection or assessment"),
    "duplicate_assessment": N_("The same item assessed twice"),
    "too_many_meetings": N_("Too many meetings"),
    "too_many_forms": N_("Too many forms, ledgers or duplicate data entry"),
    "apps_and_checkins": N_("Apps, work groups, check-ins and photo proof"),
    "plaques": N_("Plaques"), "certificates": N_("Certificates not on the list"),
    "unfunded_work": N_("Work outside the lists without funding"), "other": N_("Other"),
    "new": N_("New item"), "change": N_("Change of the item"), "retire": N_("Retirement"),
    "villages": N_("Villages only"), "towns": N_("Towns only"),
    "both": N_("Villages and towns"),
    "on_site": N_("On-site"), "materials": N_("Materials review"),
    "online": N_("Online (system data)"),
    "half_yearly": N_("Half-yearly"), "all_year": N_("All year"),
    "q1": N_("First quarter"), "q2": N_("Second quarter"), "q3": N_("Third quarter"),
    "q4": N_("Fourth quarter"), "h1": N_("First half"), "h2": N_("Second half"),
    "year_end": N_("Year end"), "forward": N_("Forward to the joint sign-off"),
    "submitted": N_("Draft submitted"), "started:new": N_("Proposed a new item"),
    "started:change": N_("Proposed a change"), "started:retire": N_("Proposed retirement"),
    "reminder": N_("Reminder sent"), "departments_and_towns": N_("All departments and towns"),
}
# Messages raised below the web layer (marshmallow and the use cases), for extraction.
MESSAGES = (
    N_("Missing data for required field."), N_("Not a valid integer."),
    N_("Not a valid boolean."), N_("Not a valid string."), N_("Unknown field."),
    N_("Field may not be null."), N_("Invalid input type."),
    N_("a reason is required when not approving"), N_("no such case"), N_("no such task"),
    N_("this task is already done"), N_("you do not hold the role for this task"),
    N_("this task is claimed by someone else"), N_("this task is already claimed"),
    N_("this task is not claimed"), N_("only the unit head may reassign this task"),
    N_("only the claimant or the unit head may release this task"),
    N_("only a clerk of the requesting unit may start this process"),
    N_("no such active user"), N_("this user does not hold the task's role"),
    N_("a comment of 1 to 4000 characters is required"), N_("the current password is wrong"),
    N_("invalid input"),
    N_("this Idempotency-Key was already used with a different request body"),
    N_("a date as YYYY-MM-DD"), N_("required for a change or a retirement"),
    N_("a new item has no item number yet"), N_("say why the item is changed or retired"),
    N_("the change does not change any field of the item"),
    N_("the check found likely duplicates: say why this item is not one"),
    N_("only a district department proposes assessment items"),
    N_("no active item with this number"),
    N_("only the owner department may change or retire its item"),
    N_("the item was changed or retired after this proposal started; return it for "
       "revision"),
    N_("no such item"),
)

# The supervision review and sampling (issue 7).
PROCESS_LABELS["supervision_review"] = N_("Supervision review")
STATUS_LABELS.update({"in_review": N_("Under review"), "no_violation": N_("No violation found"),
                      "corrected": N_("Corrected")})
FIELD_LABELS.update({
    "finding": N_("Finding"), "violation_kind": N_("Kind of violation"),
    "correction_required": N_("What must be corrected"), "check_decision": N_("Check decision"),
    "sampled_case_id": N_("Sampled case"), "sampled_case_type": N_("Sampled process"),
    "sampled_title": N_("Sampled case title"), "draw": N_("Draw"),
})
CHOICE_LABELS.update({
    "no_violation": N_("No violation"), "violation": N_("Violation found"),
    "deadline": N_("Time limit missed"), "procedure": N_("Procedure not followed"),
    "substance": N_("Problem not really solved"), "records": N_("Records not true"),
})

# The inbox: delegation, substitutes, saved filters, bulk actions (issue 4).
EVENT_LABELS["task_delegated"] = N_("Task delegated")
FIELD_LABELS.update({
    "substitute_id": N_("Substitute"), "starts_on": N_("First day away"),
    "ends_on": N_("Last day away"), "filter_name": N_("Name of the filter"),
    "org_unit_id": N_("Unit"),
    "page": N_("Page"), "tab": N_("Inbox view"), "due": N_("Due"), "town": N_("Town"),
    "village": N_("Village"), "unit": N_("Unit"), "q": N_("Search"), "task": N_("Task"),
    "decision": N_("Decision"), "action": N_("Action"), "on_behalf_of": N_("On behalf of"),
    "from_user_id": N_("Held by"), "query": N_("Filter"),
})
INBOX_MESSAGES = (
    N_("choose someone other than yourself"),
    N_("a substitute must hold one of your roles in your unit"),
    N_("the last day must not be before the first day"),
    N_("the last day must not be in the past"), N_("a substitution covers at most 366 days"),
    N_("only a person can name a substitute"), N_("no such substitution"),
    N_("only a task you hold can be delegated; claim it first"),
    N_("this colleague already holds the task"), N_("this colleague is not in your unit"),
    N_("only a person can follow a case"), N_("only staff with a role can save filters"),
    N_("a name of 1 to 80 characters is required"), N_("choose one of your own units"),
    N_("at most 50 saved filters per person"), N_("no such saved filter"),
    N_("only the owner may delete a saved filter"),
    N_("this task does not allow bulk decisions"), N_("select at least one task"),
    N_("at most 100 tasks at once"), N_("Not a valid date."),
)

_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda m: gettext("Length must be between %(min)s and %(max)s.",
                       min=m[1], max=m[2])),
    (re.compile(r"^Must be greater than or equal to (\d+) and less than or equal to (\d+)\.$"),
     lambda m: gettext("Must be between %(min)s and %(max)s.", min=m[1], max=m[2])),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"),
     lambda m: gettext("At least %(min)s characters.", min=m[1])),
    (re.compile(r"^Longer than maximum length (\d+)\.$"),
     lambda m: gettext("At most %(max)s characters.", max=m[1])),
    (re.compile(r"^at least (\d+) characters are required$"),
     lambda m: gettext("At least %(min)s characters.", min=m[1])),
    (re.compile(r"^Must be one of: (.*)\.$"),
     lambda m: gettext("Must be one of: %(choices)s.",
                       choices=", ".join(choice_label(c) for c in m[1].split(", ")))),
    (re.compile(r"^this item already has an unfinished proposal \(case (\d+)\)$"),
     lambda m: gettext("this item already has an unfinished proposal (case %(id)s)",
                       id=m[1])),
]


def add_message_pattern(pattern: str, render: Callable[[re.Match[str]], str]) -> None:
    """Translate another parametrized message of a lower layer (a blueprint registers its
    own, e.g. "12 is not a village")."""
    _PATTERNS.append((re.compile(pattern), render))


def _lookup(table: dict[str, str], key: object) -> str:
    text = table.get(str(key))
    return gettext(text) if text is not None else str(key)


def role_label(code: object) -> str:
    return _lookup(ROLE_LABELS, code)


def status_label(code: object) -> str:
    return _lookup(STATUS_LABELS, code)


def event_label(code: object) -> str:
    return _lookup(EVENT_LABELS, code)


def process_label(code: object) -> str:
    return _lookup(PROCESS_LABELS, code)


def field_label(name: object) -> str:
    return _lookup(FIELD_LABELS, name)


def choice_label(value: object) -> str:
    return _lookup(CHOICE_LABELS, value)


def field_choice_label(value: object, field: object) -> str:
    """A choice of one field: its own label ("<field>.<value>") when it has one."""
    own = CHOICE_LABELS.get(f"{field}.{value}")
    return gettext(own) if own is not None else choice_label(value)


def message(text: object) -> str:
    """Translate a message produced below the web layer when the catalog knows it."""
    raw = str(text)
    for pattern, render in _PATTERNS:
        match = pattern.match(raw)
        if match:
            return render(match)
    return gettext(raw) if raw else raw


def iso_datetime(value: object) -> str:
    """An ISO-8601 timestamp from event data, shown in the user's time zone."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return str(format_datetime(moment, "yyyy-MM-dd HH:mm")) if moment.tzinfo else str(value)


def select_locale() -> str:
    """`?lang=` first, then the choice kept in the session, then zh_CN."""
    wanted = request.args.get("lang")
    if wanted in LOCALES:
        return wanted
    kept = session.get("lang")
    return kept if kept in LOCALES else DEFAULT_LOCALE


def remember_locale() -> None:
    wanted = request.args.get("lang")
    if wanted in LOCALES and session.get("lang") != wanted:
        session["lang"] = wanted


class CatalogDomain(Domain):  # type: ignore[misc]
    """Flask-Babel's domain, loading `translations/zh_CN` for Babel's `zh_Hans_CN`."""

    def get_translations(self) -> support.NullTranslations:
        name = current_locale()
        key = (name, self.domain[0])
        if key not in self.cache:
            merged = support.Translations()
            for dirname in self.translation_directories:
                catalog = support.Translations.load(dirname, [name], self.domain[0])
                merged.merge(cast(support.Translations, catalog))
                if hasattr(catalog, "plural"):
                    merged.plural = catalog.plural
            self.cache[key] = merged
        translations: support.NullTranslations = self.cache[key]
        return translations


def json_text(value: object) -> str:
    """A structured value as readable JSON text: Chinese as characters, not \\u escapes
    (plain text, so the template escapes it)."""
    return json.dumps(value, ensure_ascii=False, default=str)


# How a feature shows a structured case-data value as a person reads it (field name ->
# plain text; a blueprint registers its own, e.g. the villages of an inspection by name).
VALUE_FORMATS: dict[str, Callable[[Any], str]] = {}


# How a feature names a moment its stored status does not: (case type, status, open task
# ids) -> the status to show (e.g. an inspection whose overlap is being resolved).
STATUS_VIEWS: list[Callable[[str, str, list[str]], str]] = []


def shown_status(case_type: object, status: object, task_ids: Any = ()) -> str:
    shown = str(status)
    for view in STATUS_VIEWS:
        shown = view(str(case_type), shown, [str(t) for t in task_ids])
    return shown


def field_text(value: object, name: object) -> str:
    """A case-data value that is not plain text: its feature's format, else JSON text."""
    render = VALUE_FORMATS.get(str(name))
    return render(value) if render is not None else json_text(value)


def init_app(app: Flask) -> None:
    babel = Babel(app, locale_selector=select_locale)
    babel.domain_instance = CatalogDomain()
    app.before_request(remember_locale)
    for name, fn in (("role_label", role_label), ("status_label", status_label),
                     ("event_label", event_label), ("process_label", process_label),
                     ("field_label", field_label), ("choice_label", choice_label),
                     ("msg", message), ("iso_datetime", iso_datetime),
                     ("json_text", json_text), ("field_text", field_text),
                     ("field_choice_label", field_choice_label)):
        app.add_template_filter(fn, name)
    app.jinja_env.globals.update(LOCALES=LOCALES, LOCALE_NAMES=LOCALE_NAMES,
                                 shown_status=shown_status,
                                 current_locale=current_locale, lang_url=lang_url)


def lang_url(code: str) -> str:
    """The current page in another language (other query arguments kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return f"{request.path}?{urlencode([*args, ('lang', code)])}"


def current_locale() -> str:
    """The catalog name of the request's language ("zh_CN" or "en")."""
    name = str(get_locale() or DEFAULT_LOCALE)
    return CATALOG_NAMES.get(name, name)
