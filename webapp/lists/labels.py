"""Labels of the village lists in the app's tables (process, status, field and choice names on
case and task pages; the lists' names and what each is for), the messages of
`workflows.lists` translated, and the lists' date filter, through this package's catalog."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from webapp.core import i18n
from webapp.core.i18n import N_
from webapp.lists.blueprint import bp

i18n.PROCESS_LABELS.update({
    "list_change": N_("List change approval"),
    "plaque_change": N_("Plaque change"),
    "work_assignment": N_("Village work assignment"),
})
i18n.STATUS_LABELS.update({
    "hung": N_("Plaque hung"), "recorded": N_("Recorded"),
    "approving": N_("Waiting for the district government office's approval"),
    "removed": N_("Removed"),
})
i18n.FIELD_LABELS.update({
    "list_kind": N_("List"), "entry_description": N_("What it covers"),
    "task_description": N_("What the villages are to do"),
    "unit_id": N_("Department served"), "in_force_from": N_("In force from"),
    "in_force_to": N_("In force until"),
    "entry_id": N_("Plaque on the list"),
    "plaque_id": N_("Plaque"), "plaque_note": N_("Reason for the change"),
    "office_sign_off": N_("District government office sign-off"),
    "office_approval": N_("District government office approval"),
    "task_title": N_("Task"), "start_on": N_("From"), "end_on": N_("Until"),
    "paying_unit_id": N_("Paying department"), "amount": N_("Amount (yuan)"),
    "budget_line": N_("Budget line"), "agreement_ref": N_("Agreement reference"),
    "payment_schedule": N_("Payment schedule"), "list_finding": N_("On a list?"),
    "list_entry_code": N_("List entry number"),
    "purchase_check": N_("Service purchase check"),
})
i18n.CHOICE_LABELS.update({
    "list_kind.self_governance": N_("Self-governance list"),
    "list_kind.assistance": N_("Assistance list"),
    "list_kind.certificate": N_("Certificate list"),
    "list_kind.plaque": N_("Plaques a village office may carry"),
    "list_about.self_governance": N_("What the village decides and does itself, by law."),
    "list_about.assistance": N_("What the village helps the government with."),
    "list_about.certificate": N_("The only certificates a village committee may be asked to "
                                 "issue."),
    "list_about.plaque": N_("The plaques a village office may carry; others are merged or "
                            "removed."),
    "change_kind.add": N_("Add"), "change_kind.amend": N_("Amend"),
    "change_kind.remove": N_("Remove"),
    "plaque_change.add": N_("Hang a plaque"), "plaque_change.merge": N_("Merge plaques"),
    "plaque_change.remove": N_("Remove a plaque"),
    "list_finding.on_list": N_("On the self-governance or assistance list"),
    "list_finding.off_list": N_("On neither list (a service purchase is needed)"),
    "on_list": N_("On a list"), "purchased": N_("Bought as a service"),
    "refused": N_("Refused: no service purchase"),
    "started:add": N_("Proposed an addition"),
    "started:amend": N_("Proposed an amendment"), "started:remove": N_("Proposed a removal"),
})
# Texts of the village burden ledger and the dashboard block (issue 14, items 3 and 5).
LEDGER_TEXTS = (
    N_("Paid work (service purchases)"), N_("Unpaid work (on the lists)"),
    N_("Paid amount (yuan)"), N_("Plaques hanging now"), N_("Plaques and work given to villages"),
    N_("Town"),
)
# "returned" of the three processes under a key of their own: another feature may relabel
# the shared "returned" for its own cases (webapp/pilots/labels.py: "Returned to the town").
LIST_PROCESSES = frozenset({"list_change", "plaque_change", "work_assignment"})
i18n.STATUS_LABELS["lists_returned"] = N_("Returned for changes")
i18n.STATUS_VIEWS.append(
    lambda case_type, status, _tasks: "lists_returned"
    if case_type in LIST_PROCESSES and status == "returned" else status)
MESSAGES = (
    N_("only a district department proposes list changes"),
    N_("no active entry with this number on this list"),
    N_("only the department an entry serves, or 区委农办, changes it"),
    N_("choose a district department"),
    N_("say why the entry is amended or removed"),
    N_("the amendment does not change any field"),
    N_("the check found likely duplicates: say why this entry is not one"),
    N_("the end of force is before its start"),
    N_("only a town's clerk records its villages' plaques"),
    N_("choose a village of your town"),
    N_("choose a plaque on the plaque list"),
    N_("this plaque already hangs there"),
    N_("no plaque with this number hangs in the village"),
    N_("merge into another plaque"),
    N_("choose the plaque from the plaque list"),
    N_("choose the hanging plaque"),
    N_("choose the plaque it is merged into"),
    N_("say why"),
    N_("only a district department asks villages to take on work"),
    N_("choose at least one village or town"),
    N_("the end is before the start"),
    N_("a service-purchase record needs every field"),
    N_("the amount must be more than 0"),
    N_("name the list entry the work is on"),
    N_("no entry with this number in force on the self-governance or assistance list"),
    N_("choose villages from the list"),
    N_("choose towns from the list"),
    N_("a reason is required when not approving"),
)
i18n.add_message_pattern(
    r"^this agreement already pays for work assignment (\d+)$",
    lambda m: _("This agreement already pays for work assignment #%(id)s.",
                           id=m.group(1)))
i18n.add_message_pattern(
    r"^the agreement already pays for work assignment (\d+)$",
    lambda m: _("This agreement already pays for work assignment #%(id)s.",
                           id=m.group(1)))
i18n.add_message_pattern(
    r"^(\S+) is no longer in force$",
    lambda m: _("List entry %(code)s is no longer in force.", code=m.group(1)))
i18n.add_message_pattern(
    r"^this entry already has an unfinished proposal \(case (\d+)\)$",
    lambda m: _("This entry already has an unfinished proposal (case #%(id)s).",
                           id=m.group(1)))


@bp.app_template_filter("list_date")
def list_date(value: date | str | None) -> str:
    """A day as the reader's locale writes it (an ISO string too; blank: empty)."""
    day = value
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
    return str(format_date(day, "medium")) if isinstance(day, date) else ""
