"""The texts of the people pages that come from below the web layer (the English messages of
workflows.admin.people_rules and people_import, translated in the `people` catalog), the
unit kinds, and the template filters that show a recorded grant ("clerk@qmzj") as a person
reads it."""

from __future__ import annotations

from flask_babel import gettext

from webapp.admin.blueprint import bp
from webapp.core import i18n
from webapp.core.i18n import N_

KIND_LABELS = {"district": N_("District"), "department": N_("Departments"),
               "town": N_("Towns"), "village": N_("Villages")}
# Messages raised by workflows.admin (people_rules, people_import, record) and shown here.
MESSAGES = (
    N_("2 to 80 characters: lowercase letters, digits, '_', '.' or '-', starting with a "
       "letter or digit"),
    N_("this username is taken"), N_("a name of 1 to 120 characters is required"),
    N_("not a valid e-mail address"), N_("not a role people can hold"), N_("no such unit"),
    N_("this unit is no longer in force"), N_("this role is not held at this kind of unit"),
    N_("this person already holds this role at this unit"),
    N_("this person does not hold this role at this unit"),
    N_("the last administrator cannot lose the role"),
    N_("administrators cannot deactivate or lock themselves"),
    N_("write a role as role@unitcode"), N_("no such person"),
    N_("this person is already deactivated"), N_("this person is already active"),
    N_("this account is already locked"), N_("this account is not locked"),
    N_("unknown column"), N_("this column appears twice"), N_("this column is required"),
    N_("the file is empty"), N_("choose a .csv or .xlsx file"),
    N_("the file is not UTF-8 or GB18030 text"),
    N_("the file is not a readable .xlsx workbook"),
    N_("this username appears twice in the file"), N_("write 是 or 否 (yes or no)"),
    N_("a new person must be active"), N_("the upload has expired: choose the file again"),
)
# Shown by webapp/core/auth.py for the accounts this part manages (kept in this catalog).
AUTH_MESSAGES = (
    N_("This account is deactivated. Ask the administrator if you need it again."),
    N_("This account is locked by the administrator. Ask them to unlock it."),
    N_("Your password was reset: choose a new one before you go on."),
    N_("Choose a password other than the one-time password."),
)

i18n.add_message_pattern(
    r"^(\S+@\S*|\S+): (no such unit|not a role people can hold|this unit is no longer in force"
    r"|this role is not held at this kind of unit|write a role as role@unitcode)$",
    lambda m: f"{m[1]}：{gettext(m[2])}")
i18n.add_message_pattern(
    r"^the file is larger than (\d+) bytes$",
    lambda m: gettext("the file is larger than %(n)s bytes", n=m[1]))
i18n.add_message_pattern(
    r"^at most (\d+) rows$", lambda m: gettext("at most %(n)s rows", n=m[1]))
N_("the file is larger than %(n)s bytes")
N_("at most %(n)s rows")


def kind_label(kind: str) -> str:
    text = KIND_LABELS.get(kind)
    return gettext(text) if text is not None else kind


@bp.app_template_filter("grant_text")
def grant_text(value: object, names: dict[str, str] | None = None) -> str:
    """"clerk@qmzj" -> "经办人 · 区民政局" (a list: each, joined)."""
    if isinstance(value, list):
        joiner = ", " if i18n.current_locale() == "en" else "、"
        return joiner.join(grant_text(v, names) for v in value) or "—"
    role, sep, code = str(value).partition("@")
    if not sep:
        return str(value)
    return f"{i18n.role_label(role)} · {(names or {}).get(code, code)}"
