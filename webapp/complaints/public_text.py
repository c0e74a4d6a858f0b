"""What the public complaint pages say: labels of the service's codes, the fields, and
the service's messages in the user's language (zh_CN first). Split from
`webapp.complaints.public`."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from webapp.core import i18n
from workflows.complaints.forms import CATEGORIES
from workflows.kernel import uploads
from workflows.kernel.errors import ValidationFailedError


def _(text: str, **variables: Any) -> str:
    return str(gettext(text, **variables))


def _n(text: str) -> str:
    """Mark for extraction (pybabel -k _n); translated when shown."""
    return text


# Labels for the codes the service returns (translated when shown).
# The categories by the same names staff see (issue 18, item 8: 政务APP、打卡过多 on the
# public form was 政务APP、工作群、打卡和拍照留痕 for staff): the app catalog's choice labels.
CATEGORY_LABELS = {code: i18n.CHOICE_LABELS[code] for code in CATEGORIES}
STATUS_LABELS = {
    "intake": _n("Received, being registered"),
    "rejected": _n("Not accepted"),
    "merged": _n("Merged into an earlier complaint"),
    "correction": _n("Being corrected"),
    "extension_review": _n("Extension under review"),
    "verification": _n("Being verified"),
    "return_visit": _n("Return visit"),
    "closed": _n("Closed"),
    "reopened": _n("Reopened after your appeal"),
}
RATING_LABELS = {
    "satisfied": _n("Satisfied"),
    "partly": _n("Partly satisfied"),
    "not_satisfied": _n("Not satisfied"),
}
FIELD_LABELS = {
    "category": _n("What kind of burden"),
    "town_id": _n("Town"),
    "village_id": _n("Village"),
    "responsible_unit_id": _n("Unit responsible"),
    "description": _n("What happened"),
    "occurred_on": _n("When it happened"),
    "attachments": _n("Photos or PDF files"),
    "files": _n("Photos or PDF files"),
    "anonymous": _n("Named or anonymous"),
    "name": _n("Your name"),
    "phone": _n("Your phone number"),
    "code": _n("Receipt code"),
    "text": _n("Your message"),
    "rating": _n("Your rating"),
    "comment": _n("Comment"),
    "appeal_reason": _n("Why you appeal"),
    "confirm": _n("Confirmation"),
}
# What to say when the service's message has no translation in the catalog.
FIELD_HINTS = {
    "category": _n("Choose a kind of burden from the list."),
    "town_id": _n("Choose a town from the list."),
    "village_id": _n("Choose a village of the chosen town."),
    "responsible_unit_id": _n("Choose a unit from the list, or leave it empty."),
    "description": _n("Describe what happened in at least a few sentences."),
    "occurred_on": _n("Enter a day in the last year, not in the future, or leave it empty."),
    "attachments": _n("Attach at most 6 photos (JPEG, PNG) or PDF files of at most 5 MB each."),
    "files": _n("Attach at most 6 photos (JPEG, PNG) or PDF files of at most 5 MB each."),
    "anonymous": _n("Choose named or anonymous."),
    "name": _n("Enter your name, or choose anonymous."),
    "phone": _n("Enter a phone number we can call, or choose anonymous."),
    "text": _n("Write a message or attach a file."),
    "rating": _n("Choose one of the ratings."),
    "comment": _n("The comment is too long."),
    "appeal_reason": _n("Say why you appeal."),
}


def category_label(code: object) -> str:
    text = CATEGORY_LABELS.get(str(code))
    return _(text) if text else str(code)


def complaint_status_label(code: object) -> str:
    text = STATUS_LABELS.get(str(code))
    return _(text) if text else str(code)


def public_field_label(name: object) -> str:
    text = FIELD_LABELS.get(str(name))
    return _(text) if text else i18n.field_label(name)



MAX_PIXELS = uploads.MAX_PIXELS

# Messages of workflows.kernel.uploads and workflows.complaints.filing that carry numbers
# (translated by `i18n.message` on every page, the staff's upload form too).
for _pattern, _render in (
    (r"^file (\d+): only JPEG, PNG and PDF files can be attached",
     lambda m: _("File %(n)s: only JPEG, PNG and PDF files can be attached.", n=m[1])),
    (r"^file (\d+) is larger than (\d+) MiB",
     lambda m: _("File %(n)s is larger than %(size)s MB.", n=m[1], size=m[2])),
    (r"^file (\d+) is empty$", lambda m: _("File %(n)s is empty.", n=m[1])),
    (r"^file (\d+): the PDF is (password protected|encrypted)",
     lambda m: _("File %(n)s: the PDF is protected by a password; attach it without one.",
                 n=m[1])),
    (r"^file (\d+): .*too large",
     lambda m: _("File %(n)s holds an image or data too large to open safely (at most "
                 "%(mp)s megapixels per image).", n=m[1], mp=MAX_PIXELS // 1_000_000)),
    (r"^file (\d+): ",
     lambda m: _("File %(n)s is damaged or not a photo or PDF that can be read.", n=m[1])),
    (r"^at most (\d+) files may be attached",
     lambda m: _("Attach at most %(count)s files.", count=m[1])),
    (r"^a complaint holds at most (\d+) files$",
     lambda m: _("A complaint holds at most %(count)s files.", count=m[1])),
    (r"^at most (\d+) characters$",
     lambda m: _("At most %(max)s characters.", max=m[1])),
):
    i18n.add_message_pattern(_pattern, _render)


# marshmallow's generic messages: the field's own hint says more.
_GENERIC = ("Must be one of", "Not a valid", "Field may not be null", "Must be greater than")


def _message(name: str, raw: str) -> str:
    """The service's message in the user's language, else a hint for the field."""
    if raw.startswith(_GENERIC) and name in FIELD_HINTS:
        return _(FIELD_HINTS[name])  # "Must be one of: unapproved_inspection, ..." says less
    shown = i18n.message(raw)
    if shown == raw and i18n.current_locale() != "en" and name in FIELD_HINTS:
        return _(FIELD_HINTS[name])
    return shown


def field_errors(err: ValidationFailedError) -> dict[str, list[str]]:
    return {name: [_message(name, str(m)) for m in msgs] for name, msgs in err.fields.items()}


def rating_label(code: object) -> str:
    text = RATING_LABELS.get(str(code))
    return _(text) if text else str(code)
