"""Process versions for the administrator: every deployed version with its hash, who deployed
it, when and how many cases run on it; a version's diagram and files; deploying a new version
from uploaded files (refused with the parser's message when the model is broken)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.admin.blueprint import bp
from webapp.cases.diagram_svg import version_diagram
from webapp.core import i18n
from webapp.core.auth import current_actor
from webapp.core.db import get_session
from workflows.admin import record, versions
from workflows.kernel.errors import ValidationFailedError
from workflows.pilots import towns as pilot_towns
from workflows.pilots import variants

i18n.add_message_pattern(
    r"^upload exactly one \.bpmn file$", lambda m: _("Upload exactly one .bpmn file."))
i18n.add_message_pattern(
    r"^no part of Jianfu runs a process (\S+): only new versions of the existing processes "
    r"can be deployed$",
    lambda m: _("No part of Jianfu runs a process “%(p)s”: only new versions of the existing "
                "processes can be deployed.", p=m.group(1)))
i18n.add_message_pattern(
    r"^cannot parse process (\S+): (.*)$",
    lambda m: _("The model of “%(p)s” does not parse: %(why)s", p=m.group(1), why=m.group(2)))
i18n.add_message_pattern(
    r"^no form for the user task\(s\) (.*) of (\S+)$",
    lambda m: _("The user task(s) %(tasks)s of “%(p)s” have no form: their cases could never "
                "go on.", tasks=m.group(1), p=m.group(2)))
i18n.add_message_pattern(
    r"^(\S+): a file name is the process id or decision table id with \.bpmn or \.dmn$",
    lambda m: _("%(f)s: name the file after its process or decision table, ending in .bpmn or "
                ".dmn.", f=m.group(1)))
i18n.add_message_pattern(
    r"^(\S+): larger than (\d+) bytes$",
    lambda m: _("%(f)s is larger than %(n)s KB.", f=m.group(1), n=int(m.group(2)) // 1024))
i18n.add_message_pattern(r"^(\S+): not UTF-8 text$",
                         lambda m: _("%(f)s is not UTF-8 text.", f=m.group(1)))


@bp.get("/versions", endpoint="versions")
def versions_page() -> str:
    rows = versions.listing(get_session(), current_actor())
    return render_template("admin/versions.html", rows=rows)


@bp.get("/versions/<int:version_id>")
def version_page(version_id: int) -> str:
    session = get_session()
    row, sources = versions.version(session, current_actor(), version_id)
    return render_template("admin/version.html", row=row, files=sorted(sources),
                           diagram=version_diagram(session, version_id))


@bp.route("/versions/deploy", methods=["GET", "POST"])
def deploy() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("admin/deploy.html", errors={})
    files = {f.filename or "": f.read() for f in request.files.getlist("files") if f.filename}
    try:
        done = versions.deploy(get_session(), current_actor(), files)
    except ValidationFailedError as err:
        return render_template("admin/deploy.html", errors=err.fields), 422
    if done.new:
        flash(_("Deployed %(p)s version %(v)s: new cases start on it; running cases stay on "
                "theirs.", p=i18n.process_label(done.version.process_id),
                v=done.version.version), "success")
    else:
        flash(_("These files are already deployed as %(p)s version %(v)s.",
                p=i18n.process_label(done.version.process_id), v=done.version.version), "info")
    return redirect(url_for("admin.version_page", version_id=done.version.id))


@bp.route("/versions/variant", methods=["GET", "POST"])
def deploy_variant() -> str | Response | tuple[str, int]:
    """A pilot town's variant of a process (docs/pilots.md): bound to the town, used only
    after 区委农办 approves it (its approval case starts here)."""
    session = get_session()
    actor = current_actor()
    record.require_admin(actor)
    choices = [t for t in pilot_towns.towns(session) if t.name in pilot_towns.DEMONSTRATION_TOWNS]
    if request.method == "GET":
        return render_template("admin/deploy_variant.html", errors={}, towns=choices,
                               values={})
    files = {f.filename or "": f.read() for f in request.files.getlist("files") if f.filename}
    town = request.form.get("town_id", "")
    values = {"town_id": town, "summary": request.form.get("summary", "")}
    try:
        variants.deploy_variant(session, actor, files, int(town) if town.isdigit() else None,
                                values["summary"])
    except ValidationFailedError as err:
        return render_template("admin/deploy_variant.html", errors=err.fields, towns=choices,
                               values=values), 422
    flash(_("The variant is deployed. It runs for the town's new cases once 区委农办 approves "
            "it."), "success")
    return redirect(url_for("pilots.variant_list"))
