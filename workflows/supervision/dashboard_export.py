"""The supervision dashboard's tables (the rows of each section, every number it can show)
and its CSV and XLSX exports: one row per number, with its numerator and denominator for a
rate or an average and the ids of the cases behind it, so a spreadsheet can be checked
against the case list."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgUnit
from workflows.kernel.errors import ValidationFailedError
from workflows.supervision import dashboard as d
from workflows.supervision.dashboard import ALL, Average, Dashboard, Rate, key

COLUMNS: tuple[str, ...] = (
    "section", "metric", "dimension", "group", "group_name", "period", "value", "numerator",
    "denominator", "cases",
)
# (column or code, value) -> the text shown (e.g. a translated metric name)
Label = Callable[[str, Any], str]


def _guard(value: Any) -> Any:
    """Cells a spreadsheet would run as a formula are prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def table(board: Dashboard, names: dict[str, str], label: Label | None = None) -> list[list[Any]]:
    """The rows of an export (without the header)."""
    show = label or (lambda _c, v: str(v))
    out: list[list[Any]] = []
    for cell in every_cell(board):
        dimension, group, period = d.parse_key(cell.key)
        value = cell.value
        top: float | str
        bottom: float | str
        shown: Any
        if isinstance(value, Rate):
            shown = round(value.value, 4) if value.value is not None else ""
            top, bottom = value.numerator, value.denominator
        elif isinstance(value, Average):
            shown = round(value.value, 4) if value.value is not None else ""
            top, bottom = value.total, value.count
        else:
            shown, top, bottom = value, "", ""
        cases = " ".join(str(c) for c in sorted(board.cases(cell.metric, cell.key)))
        out.append([
            show("section", cell.section), show("metric", cell.metric),
            show("dimension", dimension), group,
            show("group_name", names.get(group, group)), period, shown, top, bottom, cases,
        ])
    return out


def export_csv(rows: Sequence[Sequence[Any]], headers: dict[str, str]) -> bytes:
    """UTF-8 CSV with a byte-order mark (so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([headers.get(c, c) for c in COLUMNS])
    for row in rows:
        writer.writerow([_guard(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(rows: Sequence[Sequence[Any]], headers: dict[str, str],
                title: str = "dashboard") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([headers.get(c, c) for c in COLUMNS])
    for row in rows:
        sheet.append([_guard(v) for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ tables


# (section, columns, periods: "months" or "years", dimensions) of every table
TABLES: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...] = (
    ("complaints", d.COMPLAINT_COLUMNS + d.CATEGORY_COLUMNS + d.STATUS_COLUMNS, "months",
     d.DIMENSIONS),
    ("report_forms", d.FORM_COLUMNS, "months", ("unit",)),
    ("assessment_items", d.ITEM_COLUMNS, "years", ("unit",)),
    ("supervision", d.REVIEW_COLUMNS, "months", ("unit",)),
    ("inspections", d.INSPECTION_COLUMNS, "months", d.DIMENSIONS),
    ("meetings", d.MEETING_COLUMNS, "months", d.DIMENSIONS),
    ("burden_ledger", d.LEDGER_COLUMNS, "months", ("village", "town")),
)


@dataclass(frozen=True)
class Row:
    dimension: str
    group: str  # an org unit id as text, "none" or "all"
    key: str


def rows(board: Dashboard, section: str, dimension: str, period: str) -> list[Row]:
    """The rows of a section's table: one per group of `dimension` that has a case of the
    section, then the total."""
    if dimension not in d.DIMENSIONS:
        raise ValidationFailedError({"dim": [f"one of {', '.join(d.DIMENSIONS)}"]})
    groups = sorted(board.groups.get((section, dimension), set()),
                    key=lambda g: (not g.isdigit(), int(g) if g.isdigit() else 0))
    out = [Row(dimension, g, key(dimension, g, period)) for g in groups]
    return [*out, Row(ALL, ALL, key(ALL, ALL, period))]


def unit_names(session: Session, board: Dashboard) -> dict[str, str]:
    """Names of the groups (org units) the dashboard shows, by id as text."""
    ids = {int(g) for groups in board.groups.values() for g in groups if g.isdigit()}
    if not ids:
        return {}
    return {str(uid): name for uid, name in
            session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids)))}


@dataclass(frozen=True)
class Cell:
    section: str
    metric: str
    key: str
    value: int | float | Rate | Average


def every_cell(board: Dashboard) -> list[Cell]:
    """Every number the dashboard can show (what the exports hold), in a stable order."""
    out: list[Cell] = []
    for section, columns, periods_of, dims in TABLES:
        if not board.has_data.get(section):
            continue
        periods = [ALL, *sorted(board.months if periods_of == "months" else board.years)]
        for dimension in dims:
            for period in periods:
                for row in rows(board, section, dimension, period):
                    if row.dimension == ALL and dimension != dims[0]:
                        continue  # the total once per period, not once per dimension
                    for metric in columns:
                        if metric == "items.active" and period != ALL:
                            continue
                        out.append(Cell(section, metric, row.key,
                                        board.value(metric, row.key)))
    return out
