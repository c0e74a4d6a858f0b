"""The complaint filing form, shared by the public portal (`webapp.complaints.public`) and the staff
hotline (`webapp.complaints.views`): its fields and steps, reading a post into the service's
fields, drawing the form, and the receipt with its QR code."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

import segno
from flask import current_app, render_template, request, url_for
from werkzeug.datastructures import FileStorage

from webapp.core import throttle
from webapp.core.db import get_session
from workflows.complaints import filing as complaints
from workflows.complaints import photos
from workflows.complaints.receipts import format_code
from workflows.kernel import uploads

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
MAX_FILES = uploads.MAX_FILES
# Photos up to this size are accepted and made smaller on the server (workflows/complaints/
# photos.py); PDF files stay at most uploads.MAX_BYTES (5 MiB).
MAX_FILE_MB = photos.MAX_PHOTO_BYTES // MiB
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 4000  # complaint_forms.ComplaintFilingSchema
ACCEPT = "image/jpeg,image/png,application/pdf"

# The three steps of the filing page and the fields each one holds.
STEP_FIELDS = {
    1: ("category", "town_id", "village_id", "responsible_unit_id", "description",
        "occurred_on"),
    2: ("attachments", "files"),
    3: ("anonymous", "name", "phone"),
}
TEXT_FIELDS = ("category", "town_id", "village_id", "responsible_unit_id", "description",
               "occurred_on",
               "anonymous", "name", "phone")


@dataclass
class FilingForm:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def first_step(self) -> int:
        for step, names in STEP_FIELDS.items():
            if any(n in self.errors for n in names):
                return step
        return 1


def uploaded_files() -> list[bytes]:
    """The bytes of each uploaded file; the client's file name is never read."""
    files: list[bytes] = []
    for storage in request.files.getlist("files"):
        if isinstance(storage, FileStorage):
            data = storage.read()
            if data:
                files.append(data)
    return files


def _int_or_raw(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _town_of(options: complaints.FilingOptions, village: str) -> int | None:
    for town_id, _name, villages in options.towns:
        if any(str(v_id) == village for v_id, _v in villages):
            return town_id
    return None


def service_fields(values: dict[str, str], options: complaints.FilingOptions) -> dict[str, Any]:
    fields: dict[str, Any] = {"description": values.get("description", "")}
    for name in ("category", "town_id", "village_id", "responsible_unit_id", "occurred_on"):
        if values.get(name):
            fields[name] = _int_or_raw(values[name]) if name.endswith("_id") else values[name]
    if "town_id" not in fields and values.get("village_id"):
        town = _town_of(options, values["village_id"])  # no JS: the village names its town
        if town is not None:
            fields["town_id"] = town
    named = values.get("anonymous") == "0"
    fields["anonymous"] = not named
    if named:
        fields["name"] = values.get("name", "")
        fields["phone"] = values.get("phone", "")
    return fields


def render_filing(form: FilingForm, status: int = 200,
                   action: str | None = None) -> tuple[str, int]:
    """The filing form; `action` is the staff hotline's own address when staff file."""
    options = complaints.filing_options(get_session())
    return render_template(
        "public/file.html", form=form, options=options, accept=ACCEPT,
        max_files=MAX_FILES, max_file_mb=MAX_FILE_MB, description_min=DESCRIPTION_MIN,
        description_max=DESCRIPTION_MAX, submission=secrets.token_urlsafe(16),
        action=action), status


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (no image request, nothing third-party)."""
    code = segno.make(url, error="m")
    svg: str = code.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr",
                               dark="#000", light="#fff")
    return svg


def tracking_url(code: str) -> str | None:
    """The tracking page's address with the code in the fragment (never sent to the
    server), for the receipt's QR code: under JIANFU_BASE_URL, never the request's Host
    header (anyone can send one, and a villager would scan a stranger's site). Without a
    base URL only a development or test server uses its own host; in production the
    receipt then shows no QR code (and the log says why) rather than trust the header."""
    base = str(current_app.config.get("BASE_URL") or "").strip().rstrip("/")
    if base:
        return f"{base}{url_for('public.track')}#code={code}"
    if current_app.debug or current_app.testing:
        return f"{url_for('public.track', _external=True)}#code={code}"
    logger.warning("JIANFU_BASE_URL is not set: receipts carry no QR code")
    return None


def receipt_page(code: str, anonymous: bool, again: bool = False) -> str:
    """The receipt: the code in groups of four, the QR code of the tracking page and a
    button that opens the tracking page with the code (posted, never in the address);
    `again`: the page was reloaded and shows the same receipt."""
    url = tracking_url(code)
    return render_template("public/receipt.html", code=format_code(code), digits=code,
                           qr=qr_svg(url) if url else None, anonymous=anonymous,
                           again=again, ticket=throttle.issue_ticket())
