"""The org tree file (docs/administration.md): CSV or XLSX, one unit a row, headers in English
or Chinese. Reading gives rows with the row number a spreadsheet shows (the header is row
1); writing gives the same format back, so an export imports with no change."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook

from models import OrgKind

COLUMNS = ("code", "official_code", "name", "parent_code", "kind", "valid_from", "valid_to")
CHINESE_COLUMNS = ("编码", "统一代码", "名称", "上级编码", "类型", "生效日期", "失效日期")
REQUIRED_COLUMNS = ("code", "name", "parent_code", "kind")
_HEADER = {**{c: c for c in COLUMNS}, **dict(zip(CHINESE_COLUMNS, COLUMNS, strict=True))}
# The kinds a file may name; communities (社区) are village-level, sub-districts (街道) towns.
KIND_NAMES = {
    "district": OrgKind.DISTRICT, "department": OrgKind.DEPARTMENT, "town": OrgKind.TOWN,
    "village": OrgKind.VILLAGE, "区": OrgKind.DISTRICT, "县": OrgKind.DISTRICT,
    "部门": OrgKind.DEPARTMENT, "镇": OrgKind.TOWN, "乡": OrgKind.TOWN, "街道": OrgKind.TOWN,
    "村": OrgKind.VILLAGE, "社区": OrgKind.VILLAGE,
}
MAX_ROWS = 20_000
# The messages of reading a file (the web layer translates them).
MESSAGES = ("the file must be a .csv or .xlsx file", "the file is not UTF-8 or GB18030 text",
            "the CSV file cannot be read: %(why)s", "the file is not an XLSX workbook",
            "the file is empty", "required column missing", "the file has more than %(n)s rows")
UTF8_BOM = "\ufeff"


@dataclass(frozen=True)
class OrgRow:
    """One unit as the file says it: every value as text ("" when empty); `row` is its row
    number in the file (1 is the header)."""

    row: int
    code: str
    official_code: str
    name: str
    parent_code: str
    kind: str
    valid_from: str
    valid_to: str

    def values(self) -> tuple[str, ...]:
        return (self.code, self.official_code, self.name, self.parent_code, self.kind,
                self.valid_from, self.valid_to)


@dataclass(frozen=True)
class RowError:
    """What is wrong, where: `row` 0 and `column` "" when it concerns the whole file.
    `text` is an English template with %(name)s fields (`params`), so the web layer can show
    it translated."""

    row: int
    column: str
    text: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def message(self) -> str:
        return self.text % dict(self.params) if self.params else self.text

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row else []
        where += [f"column {self.column}"] if self.column else []
        return f"{', '.join(where) or 'file'}: {self.message}"


def row_error(row: int, column: str, text: str, **params: object) -> RowError:
    return RowError(row, column, text, tuple((k, str(v)) for k, v in params.items()))


class OrgFileError(Exception):
    """The file cannot be read as an org tree file; `errors` say where and why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def read_rows(data: bytes, filename: str) -> list[OrgRow]:
    """The units of a .csv (UTF-8 with or without BOM, or GB18030 as Excel writes it on a
    Chinese Windows) or .xlsx file (its first sheet). Empty rows are skipped."""
    name = filename.lower()
    if name.endswith(".csv"):
        table = _csv_table(data)
    elif name.endswith(".xlsx"):
        table = _xlsx_table(data)
    else:
        raise OrgFileError([row_error(0, "", "the file must be a .csv or .xlsx file")])
    return _rows(table)


def _csv_table(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as err:
            raise OrgFileError([row_error(0, "", "the file is not UTF-8 or GB18030 text")]) \
                from err
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as err:
        raise OrgFileError([row_error(0, "", "the CSV file cannot be read: %(why)s",
                                      why=str(err))]) from err


def _cell(value: object) -> str:
    """An XLSX cell as text: a date as YYYY-MM-DD, a whole number without ".0" (an official
    code typed as a number stays its 12 digits)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_table(data: bytes) -> list[list[str]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise OrgFileError([row_error(0, "", "the file is not an XLSX workbook")]) from err
    try:
        sheet = book.worksheets[0]
        table = []
        for values in sheet.iter_rows(values_only=True):
            table.append([_cell(v) for v in values])
            if len(table) > MAX_ROWS + 1:
                break
        return table
    finally:
        book.close()


def _rows(table: list[list[str]]) -> list[OrgRow]:
    if not table:
        raise OrgFileError([row_error(0, "", "the file is empty")])
    header = [h.strip().lstrip(UTF8_BOM).strip().lower() for h in table[0]]
    index = {_HEADER[h]: i for i, h in reversed(list(enumerate(header))) if h in _HEADER}
    missing = [row_error(1, c, "required column missing") for c in REQUIRED_COLUMNS
               if c not in index]
    if missing:
        raise OrgFileError(missing)
    if len(table) > MAX_ROWS + 1:
        raise OrgFileError([row_error(0, "", "the file has more than %(n)s rows", n=MAX_ROWS)])
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = {c: (values[i].strip() if i < len(values) else "") for c, i in index.items()}
        if not any(cells.values()):
            continue
        rows.append(OrgRow(number, *(cells.get(c, "") for c in COLUMNS)))
    return rows


def header(chinese: bool) -> tuple[str, ...]:
    return CHINESE_COLUMNS if chinese else COLUMNS


def chinese_kind(kind: str, name: str) -> str:
    """The Chinese name of a kind: 街道 and 社区 told from 镇 and 村 by the unit's name."""
    if kind == OrgKind.TOWN:
        return "街道" if name.endswith("街道") else "乡" if name.endswith("乡") else "镇"
    if kind == OrgKind.VILLAGE:
        return "社区" if name.endswith("社区") else "村"
    return {"district": "区", "department": "部门"}.get(kind, kind)


def _cells(row: OrgRow, chinese: bool) -> list[str]:
    values = list(row.values())
    if chinese:
        values[4] = chinese_kind(row.kind, row.name)
    return values


def to_csv(rows: list[OrgRow], *, chinese: bool = False) -> bytes:
    """Chinese or English headers and kinds; UTF-8 with a BOM (so that Excel shows the
    Chinese names), CRLF line ends."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header(chinese))
    for row in rows:
        writer.writerow(_cells(row, chinese))
    return (UTF8_BOM + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[OrgRow], *, chinese: bool = False) -> bytes:
    """One sheet; every cell text (codes keep their leading zeros, dates their form)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "org_tree"
    sheet.append(list(header(chinese)))
    for row in rows:
        sheet.append(_cells(row, chinese))
    for column in sheet.iter_cols(min_row=1):
        for cell in column:
            cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
