"""How the administration pages name things: the actions of the administration record, the
fields they change, and values as a person reads them (texts in webapp/admin/translations)."""

from __future__ import annotations

import re

from flask_babel import gettext

from webapp.admin.blueprint import bp
from webapp.core import i18n
from webapp.core.i18n import N_

HASH = re.compile(r"^[0-9a-f]{64}$")
# The unit head's notification when someone is deactivated (shown by webapp.notifications;
# listed here so that this catalog, which translates it, extracts it).
N_("%(person)s was deactivated; tasks back to the group: %(tasks)s")
ACTION_LABELS = {
    "unit.add": N_("Unit added"), "unit.edit": N_("Unit changed"),
    "unit.move": N_("Unit moved"), "unit.deactivate": N_("Unit inactive from a date"),
    "unit.reactivate": N_("Unit active again"), "org.import": N_("Org tree imported"),
    "user.add": N_("Person added"), "user.edit": N_("Person changed"),
    "user.disable": N_("Person deactivated"), "user.enable": N_("Person reactivated"),
    "user.reset_password": N_("Password reset"), "user.lock": N_("Account locked"),
    "user.unlock": N_("Account unlocked"), "user.import": N_("People imported"),
    "role.grant": N_("Role granted"), "role.revoke": N_("Role revoked"),
    "process.deploy": N_("Process version deployed"),
}
# The administration record is a process too (bpmn/administration.bpmn): its name on case
# lists and audit pages.
i18n.PROCESS_LABELS["administration"] = N_("Administration record")
# The fields of the record's before/after (the app's FIELD_LABELS name other forms' fields).
FIELD_LABELS = {
    "code": N_("Unit code"), "official_code": N_("Official code"),
    "name": N_("Unit or person name"),
    "kind": N_("Kind"), "parent": N_("Parent unit"), "valid_from": N_("In force from"),
    "valid_to": N_("In force until"), "username": N_("Username"),
    "display_name": N_("Name shown"), "email": N_("E-mail"), "active": N_("Active"),
    "role": N_("Role"), "unit": N_("Unit"), "process_id": N_("Process"),
    "version": N_("Version"), "content_hash": N_("Content hash"), "files": N_("Model files"),
    "roles": N_("Roles"), "admin_locked": N_("Locked by the administrator"),
    "must_change_password": N_("Must choose a new password"),
}


@bp.app_template_filter("admin_action")
def admin_action(code: object) -> str:
    text = ACTION_LABELS.get(str(code))
    return gettext(text) if text is not None else str(code)


@bp.app_template_filter("admin_field")
def admin_field(name: object) -> str:
    text = FIELD_LABELS.get(str(name))
    return gettext(text) if text is not None else str(name)


@bp.app_template_filter("admin_value")
def admin_value(value: object) -> str:
    """A recorded value as a person reads it: yes/no, a dash for nothing, lists joined."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(gettext("yes") if value else gettext("no"))
    if isinstance(value, list):
        return "、".join(admin_value(v) for v in value)
    if isinstance(value, str):
        if HASH.match(value):  # a content hash: its start names it (the page shows it whole)
            return f"{value[:12]}…"
        if value in i18n.ROLE_LABELS:
            return i18n.role_label(value)
        return i18n.process_label(value) if value in i18n.PROCESS_LABELS else value
    return str(value)
