"""The report forms' labels on the shared pages (task, case, history): field names, choices
and statuses, and the messages of the forms' checks, so that they are translated."""

from __future__ import annotations

from flask_babel import gettext

from webapp.core import i18n
from webapp.core.i18n import N_

i18n.STATUS_LABELS.update({
    "all_held": N_("No new collection: every field is held in the one form"),
    "in_force": N_("In force"),
})
for _name, _label in {
    "due_day": N_("Due on day of the month"),
    "town_ids": N_("Towns whose villages fill it (none: every village)"),
    "submission": N_("How it is submitted"),
    "field_lines": N_("Fields, one per line: name (unit) = indicator code, "
                      "or = 新 for a new field"),
    "held_reason": N_("Why fields already held in the one form are collected again"),
    "form_id": N_("Form"), "form_code": N_("Form code"),
    "field_check": N_("Fields and the one form"),
    "all_fields_held": N_("Every field already held"),
    "owner_unit_id": N_("Requesting department"),
}.items():
    i18n.FIELD_LABELS.setdefault(_name, _label)
i18n.CHOICE_LABELS.update({
    "submission.online": N_("Online"),
    "submission.paper": N_("On paper"),
    "submission.both": N_("Online and on paper"),
})

# A registry version's kind, on the form's page (the catalog keeps "change_kind.*" for items).
VERSION_KINDS = {"new": N_("New form"), "change": N_("Change of the form"),
                 "retire": N_("Retirement of the form")}

# The checks' messages (workflows/report_forms), translated on the pages.
MESSAGES = (
    N_("empty"), N_("not a number"), N_("whole number"), N_("out of range"), N_("too long"),
    N_("no such indicator"), N_("enter at least one value"),
    N_("list at least one field"),
    N_("say why the form is changed or retired"),
    N_("some new fields are already held in the one form: reuse them (return the form) or say "
       "why they are collected again"),
    N_("required for a change or a retirement"), N_("a new form has no number yet"),
    N_("no form in force with this number"),
)

# The parametrized messages of the draft's field lines (workflows/report_forms/forms.py).
i18n.add_message_pattern(
    r"^「(.*)」: a field needs a name of 1 to 60 characters$",
    lambda m: str(gettext("「%(line)s」: a field needs a name of 1 to 60 characters",
                          line=m[1])))
i18n.add_message_pattern(
    r"^「(.*)」: no indicator (.*) in the one form \(write 新 for a new field\)$",
    lambda m: str(gettext("「%(name)s」: the one form has no indicator %(code)s (write 新 for a "
                          "new field)", name=m[1], code=m[2])))
i18n.add_message_pattern(
    r"^listed twice: (.*)$",
    lambda m: str(gettext("Listed twice: %(names)s", names=m[1])))
i18n.add_message_pattern(
    r"^this form already has an unfinished proposal \(case (\d+)\)$",
    lambda m: str(gettext("This form already has an unfinished proposal (case %(id)s)",
                          id=m[1])))
