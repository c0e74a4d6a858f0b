"""The shared village data as the departments read it instead of asking villages: a page, CSV,
XLSX and JSON, each only with what the reader is entitled to (workflows.report_forms
.entitlement): who entered each value and when."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from openpyxl import Workbook
from werkzeug.wrappers import Response

from webapp.core.auth import current_actor, login_required
from webapp.core.db import get_session
from webapp.report_forms.blueprint import bp
from webapp.report_forms.views import rf_day
from workflows.report_forms import entitlement

MAX_PERIOD = 10


def _period() -> str:
    raw = request.args.get("period", "")[:MAX_PERIOD]
    return raw if all(c.isdigit() or c in "-Q" for c in raw) else ""


def _rows() -> list[entitlement.ValueRow]:
    return entitlement.read(get_session(), current_actor(), _period())


def _headers() -> list[str]:
    return [_("Village"), _("Indicator"), _("Unit"), _("Period"), _("Value"), _("Entered by"),
            _("Entered on")]


def _cells(r: entitlement.ValueRow) -> list[Any]:
    # A text cell that a spreadsheet would run as a formula is quoted.
    def guard(v: str) -> str:
        return f"'{v}" if v[:1] in ("=", "+", "-", "@") else v

    return [guard(r.village), guard(r.name), r.unit, r.period, guard(r.value),
            guard(r.entered_by), rf_day(r.entered_at)]


@bp.get("/data")
@login_required
def data_page() -> str:
    rows = _rows()
    return render_template("report_forms/data.html", rows=rows, period=_period())


def _download(body: bytes, mime: str, ext: str) -> Response:
    response = make_response(body)
    response.headers["Content-Type"] = mime
    name = f"village-data-{date.today().isoformat()}.{ext}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/data.csv")
@login_required
def data_csv() -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_headers())
    writer.writerows(_cells(r) for r in _rows())
    return _download(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8",
                     "csv")


@bp.get("/data.xlsx")
@login_required
def data_xlsx() -> Response:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Village data")[:31]
    sheet.append(_headers())
    for r in _rows():
        sheet.append(_cells(r))
    out = io.BytesIO()
    book.save(out)
    return _download(out.getvalue(),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")


@bp.get("/data.json")
@login_required
def data_json() -> Response:
    """The same values for programs: the village's official code and name, the indicator's
    code, name and unit, the period, the value, who entered it and on which local day."""
    return jsonify({"values": [
        {"village": r.village, "village_id": r.village_id, "indicator": r.indicator,
         "name": r.name, "unit": r.unit, "period": r.period, "value": r.value,
         "entered_by": r.entered_by, "entered_on": rf_day(r.entered_at)}
        for r in _rows()]})
