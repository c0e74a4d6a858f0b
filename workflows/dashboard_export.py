"""CSV and XLSX exports of the supervision dashboard: one row per number (every metric at
every key of `dashboard.every_cell`), with its numerator and denominator for a rate and the
ids of the cases behind it, so a spreadsheet can be checked against the case list."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from openpyxl import Workbook

from workflows import dashboard
from workflows.dashboard import Dashboard, Rate

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
    for cell in dashboard.every_cell(board):
        dimension, group, period = dashboard.parse_key(cell.key)
        value = cell.value
        top: int | str
        bottom: int | str
        if isinstance(value, Rate):
            shown: Any = round(value.value, 4) if value.value is not None else ""
            top, bottom = value.numerator, value.denominator
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
