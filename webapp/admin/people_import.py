"""Importing people from a file (`/admin/people/import`): upload, see the plan (or every bad
row, by row and column), confirm. Without JavaScript the uploaded file cannot ride along in
the confirming form (a hidden copy would exceed the request limit), so it waits in a private
temporary folder under its SHA-256 until it is confirmed, or for at most a day."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

from flask import render_template, request
from werkzeug.wrappers import Response

from webapp.admin.blueprint import bp
from webapp.core.auth import current_actor
from webapp.core.db import get_session
from workflows.admin import people_import, people_read
from workflows.kernel.errors import ValidationFailedError

KEEP_SECONDS = 24 * 3600
DIGEST = re.compile(r"^[0-9a-f]{64}$")
SUFFIXES = (".csv", ".xlsx")


def _folder() -> Path:
    folder = Path(tempfile.gettempdir()) / f"jianfu-people-imports-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _keep(data: bytes, suffix: str) -> str:
    """Store the upload until it is confirmed; drop uploads older than a day."""
    folder = _folder()
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    digest = hashlib.sha256(data).hexdigest()
    (folder / f"{digest}{suffix}").write_bytes(data)
    return digest


def _kept(digest: str, suffix: str) -> bytes | None:
    if not DIGEST.match(digest) or suffix not in SUFFIXES:
        return None
    path = _folder() / f"{digest}{suffix}"
    return path.read_bytes() if path.exists() else None


def _page(status: int = 200, **context: object) -> tuple[str, int]:
    values = {"plan": None, "result": None, "errors": {}, "digest": "", "suffix": "",
              "filename": "", "unit_names": people_read.unit_names(get_session()), **context}
    return render_template("admin/people_import.html", **values), status


@bp.route("/people/import", methods=["GET", "POST"])
def people_import_page() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return _page()
    session, actor = get_session(), current_actor()
    if request.form.get("confirm"):
        return _confirm(request.form.get("digest", ""), request.form.get("suffix", ""),
                        request.form.get("filename", "")[:200])
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(422, errors={"file": ["choose a .csv or .xlsx file"]})
    name = upload.filename[:200]
    suffix = Path(name.lower()).suffix
    data = upload.read()
    try:
        plan = people_import.plan_people_import(session, actor, data, name)
    except ValidationFailedError as err:
        session.rollback()
        return _page(422, errors=err.fields, filename=name)
    session.rollback()
    if plan.errors:
        return _page(422, plan=plan, filename=name)
    digest = _keep(data, suffix) if plan.changes else ""
    return _page(plan=plan, digest=digest, suffix=suffix, filename=name)


def _confirm(digest: str, suffix: str, filename: str) -> tuple[str, int]:
    data = _kept(digest, suffix)
    if data is None:
        return _page(422, errors={"file": ["the upload has expired: choose the file again"]})
    session, actor = get_session(), current_actor()
    plan, result = people_import.apply_people_import(session, actor, data, f"x{suffix}")
    if result is None:  # the data changed since the preview: show what is wrong now
        return _page(422, plan=plan, filename=filename)
    (_folder() / f"{digest}{suffix}").unlink(missing_ok=True)
    return _page(plan=plan, result=result, filename=filename)
