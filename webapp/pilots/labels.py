"""Labels of measures 7 and 8 in the app's tables (process, status, field and choice names
shown on case and task pages), through this package's catalog."""

from __future__ import annotations

from flask_babel import gettext as _

from webapp.core import i18n
from webapp.core.i18n import N_

i18n.PROCESS_LABELS.update({
    "five_year_plan_check": N_("Five-year plan check"),
    "pilot_variant_approval": N_("Pilot variant approval"),
    "innovation_practice": N_("Innovation practice"),
})
i18n.STATUS_LABELS.update({
    "submitted": N_("Reported, waiting for the check"), "returned": N_("Returned to the town"),
    "confirmed": N_("Checked"), "not_reported": N_("Not reported"),
    "pending": N_("Waiting for approval"), "approved": N_("Approved"),
    "unrequested": N_("Approval not asked"),
    "registered": N_("Registered"), "adopted": N_("Adopted district-wide"),
    "noted": N_("On record"),
})
i18n.FIELD_LABELS.update({
    "names_burden_reduction": N_("The plan names burden reduction for villages"),
    "section_reference": N_("Section of the plan"), "excerpt": N_("Wording in the plan"),
    "plan_decision": N_("Check result"), "variant_decision": N_("Decision on the variant"),
    "practice_decision": N_("Decision on the practice"), "tried": N_("What was tried"),
    "results": N_("Results"), "summary": N_("What differs from the standard"),
    "process_name": N_("Process"), "submitted_at": N_("Reported at"),
    "checked_at": N_("Checked at"), "approved_at": N_("Approved at"),
    "adopted_at": N_("Adopted at"),
})
i18n.CHOICE_LABELS.update({
    "confirm": N_("Confirm the record"), "adopt": N_("Adopt district-wide"),
    "note": N_("Keep on record"),
    "plan_decision.return": N_("Return to the town"),
})
MESSAGES = (
    N_("name the section of the plan that names burden reduction"),
    N_("only a town's clerk records this, for the town"),
    N_("choose a town"),
    N_("only a demonstration town (大观镇, 木凉镇, 兴隆镇, 河图镇) may run a variant"),
    N_("say in 2 to 2000 characters what differs"),
    N_("this variant's approval was asked already"),
)
i18n.add_message_pattern(
    r"^these files are already deployed as version (\d+): a variant must differ from every "
    r"deployed version$",
    lambda m: _("These files are already deployed as version %(v)s: a variant must "
                           "differ from every deployed version.", v=m.group(1)))
i18n.add_message_pattern(
    r"^(\S+) has no variants$",
    lambda m: _("“%(p)s” has no variants.", p=i18n.process_label(m.group(1))))
i18n.add_message_pattern(
    r"^the town's plan check is still open \(case (\d+)\)$",
    lambda m: _("The town's five-year plan check is still open (case %(id)s): finish it "
                "first.", id=m.group(1)))
