"""How the complaint cases read to staff (issue 18, items 1 to 3): labels of the fields the
forms do not name (each step's own remarks), the messages of
`workflows.complaints.intake` in the user's language, and the unit picker's groups."""

from __future__ import annotations

from webapp.core import i18n
from webapp.core.i18n import N_

i18n.FIELD_LABELS.update({
    "intake_comment": N_("Remarks at intake"),
    "extension_comment": N_("Remarks on the extension"),
    "visit_comment": N_("Remarks of the return visit"),
})

MESSAGES = (
    N_("nobody in this unit holds the clerk role: choose another unit or ask an "
       "administrator"),
    N_("District departments"), N_("Towns"), N_("(when accepting)"),
)
