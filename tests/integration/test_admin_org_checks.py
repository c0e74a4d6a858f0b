"""The org tree import refuses a wrong file whole (issue 20): each kind of bad row is named
by row and column, every error of the file is reported at once, and nothing changes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import CaseEvent, OrgUnit
from tests.integration.admin_org_files import csv_bytes, row, sample_rows, uscc
from workflows.admin import org_codes, org_import
from workflows.admin.org_file import CHINESE_COLUMNS, OrgFileError
from workflows.kernel.access import SYSTEM_ACTOR

DAY = date(2026, 6, 1)
# (a row added to the sample, or a change to one of its rows; the error expected). The
# sample has 41 rows (2..42), so an added row is row 43.
BAD_ROWS: list[tuple[str, dict[str, str], str]] = [
    ("unknown parent", row("dgz-v9", "新村", "dgz9", "村", "500119104209"),
     "row 43, column parent_code: unknown parent 'dgz9'"),
    ("duplicate code", row("dgz-v1", "重复村", "dgz", "村", "500119104209"),
     "row 43, column code: duplicate code 'dgz-v1' (also row 25)"),
    ("duplicate official code", row("dgz-v9", "新村", "dgz", "村", "500119104201"),
     "row 43, column official_code: duplicate official code '500119104201' (also row 25)"),
    ("village code of 11 digits", row("dgz-v9", "新村", "dgz", "村", "50011910420"),
     "row 43, column official_code: a village's official code is 12 digits"),
    ("village code under another town", row("dgz-v9", "新村", "dgz", "村", "500119105209"),
     "row 43, column official_code: a village's official code starts with its town's 9 "
     "digits 500119104"),
    ("town code not ending in 000", row("xz", "新镇", "nanchuan", "镇", "500119130001"),
     "row 43, column official_code: a town's official code ends in 000 (and is not the "
     "district's)"),
    ("town under another district", row("xz", "新镇", "nanchuan", "镇", "500120130000"),
     "row 43, column official_code: a town's official code starts with its district's 6 "
     "digits 500119"),
    ("town without a code", row("xz", "新镇", "nanchuan", "镇"),
     "row 43, column official_code: required"),
    ("bad credit code", row("qxx", "新部门", "nanchuan", "部门", "12345"),
     "row 43, column official_code: not a unified social credit code (18 characters, "
     "GB 32100-2015)"),
    ("credit code with a wrong check", row("qxx", "新部门", "nanchuan", "部门",
                                           uscc("11500119MB1500000")[:17] + "1"),
     "row 43, column official_code: the check character of '11500119MB15000001' is wrong "
     f"(expected {uscc('11500119MB1500000')[17]})"),
    ("village under the district", row("dgz-v9", "新村", "nanchuan", "村", "500119104209"),
     "row 43, column parent_code: a village's parent must be a town; 'nanchuan' is a "
     "district"),
    ("town under a department", row("xz", "新镇", "qmzj", "镇", "500119130000"),
     "row 43, column parent_code: a town's parent must be a district; 'qmzj' is a "
     "department"),
    ("unknown kind", row("xz", "新镇", "nanchuan", "县城", "500119130000"),
     "row 43, column kind: unknown kind '县城': district, department, town or village (区, "
     "部门, 镇, 街道, 村, 社区)"),
    ("bad date", row("dgz-v9", "新村", "dgz", "村", "500119104209", "2026/1/1"),
     "row 43, column valid_from: '2026/1/1' is not a date as YYYY-MM-DD"),
    ("impossible date", row("dgz-v9", "新村", "dgz", "村", "500119104209", "", "2026-02-30"),
     "row 43, column valid_to: '2026-02-30' is not a date as YYYY-MM-DD"),
    ("end before start", row("dgz-v9", "新村", "dgz", "村", "500119104209", "2026-03-01",
                             "2026-02-01"),
     "row 43, column valid_to: the end date is before the start date"),
    ("missing name", row("dgz-v9", "", "dgz", "村", "500119104209"),
     "row 43, column name: required"),
    ("formula in a name", row("dgz-v9", "=HYPERLINK(1)", "dgz", "村", "500119104209"),
     "row 43, column name: a name may not start with = + - or @"),
    ("second district", row("wl", "武隆区", "", "区"),
     "row 43, column code: only one district: 'nanchuan' is the district"),
    ("outlives its parent", row("dgz-v9", "新村", "dgz", "村", "500119104209"),
     "row 43, column valid_to: the unit stays in force after its parent 'dgz' ends on "
     "2026-05-31"),
]


def _plan(session: Session, rows: list[dict[str, str]]) -> org_import.ImportPlan:
    return org_import.plan_import(session, org_import.read_rows(csv_bytes(rows), "t.csv"),
                                  as_of=DAY)


@pytest.mark.parametrize(("what", "bad", "message"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_each_kind_of_bad_row_is_refused_and_named(demo_world: sessionmaker[Session],
                                                   what: str, bad: dict[str, str],
                                                   message: str) -> None:
    rows = [*sample_rows(), bad]
    if what == "outlives its parent":
        rows = [dict(r, valid_to="2026-05-31") if r["code"].startswith("dgz") else r
                for r in rows[:-1]] + [bad]
    with demo_world() as session:
        plan = _plan(session, rows)
        assert plan.changes == []
        assert message in [str(e) for e in plan.errors], [str(e) for e in plan.errors]


def test_a_cycle_is_named(demo_world: sessionmaker[Session]) -> None:
    rows = [dict(r, parent_code="mlz") if r["code"] == "dgz" else
            dict(r, parent_code="dgz") if r["code"] == "mlz" else r for r in sample_rows()]
    with demo_world() as session:
        errors = [str(e) for e in _plan(session, rows).errors]
    assert "row 19, column parent_code: cycle: dgz → mlz → dgz" in errors


def test_a_kind_change_and_a_clash_with_the_database_are_refused(
        demo_world: sessionmaker[Session]) -> None:
    rows = [dict(r, kind="镇", official_code="500119130000") if r["code"] == "qmzj" else r
            for r in sample_rows()]
    rows += [row("dgz-v9", "新村", "dgz", "村", "500119116201")]
    rows = [r for r in rows if r["code"] != "mlz-v1"]
    with demo_world() as session:
        errors = [str(e) for e in _plan(session, rows).errors]
    assert "row 11, column kind: the kind cannot change ('qmzj' is a department in the " \
        "database)" in errors
    assert "row 42, column official_code: official code '500119116201' belongs to unit " \
        "'mlz-v1' in the database" in errors


def test_every_error_at_once_and_nothing_changes(demo_world: sessionmaker[Session]) -> None:
    rows = [*sample_rows(), *(bad for _w, bad, _m in BAD_ROWS[:8])]
    rows = [r for r in rows if r["code"] != "qwnb"]
    with demo_world() as session:
        before = session.scalar(select(func.count()).select_from(OrgUnit))
        plan = _plan(session, rows)
        assert len(plan.errors) >= 9 and plan.changes == []
        assert str(plan.errors[0]) == "column code: the file must carry the department " \
            "'qwnb': the processes route work to it"
        assert [e.row for e in plan.errors[1:]] == sorted(e.row for e in plan.errors[1:])
        with pytest.raises(Exception, match="invalid input"):
            org_import.apply_import(session, SYSTEM_ACTOR, plan)
        assert session.scalar(select(func.count()).select_from(OrgUnit)) == before
        assert session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.type == "admin_action")) == 0


def test_files_that_cannot_be_read() -> None:
    cases = [
        (b"code,name\nx,y\n", "t.csv", ["row 1, column parent_code: required column missing",
                                        "row 1, column kind: required column missing"]),
        (b"\xff\xfe\x00", "t.csv", ["file: the file is not UTF-8 or GB18030 text"]),
        (b"not a zip", "t.xlsx", ["file: the file is not an XLSX workbook"]),
        (b"", "t.csv", ["file: the file is empty"]),
        (b"x", "t.txt", ["file: the file must be a .csv or .xlsx file"]),
    ]
    for data, name, expected in cases:
        with pytest.raises(OrgFileError) as caught:
            org_import.read_rows(data, name)
        assert [str(e) for e in caught.value.errors] == expected, name


def test_chinese_headers_a_bom_and_gb18030() -> None:
    text = ",".join(CHINESE_COLUMNS) + "\nnanchuan,500119000000,南川区,,区,,\n"
    for data in (("\ufeff" + text).encode("utf-8"), text.encode("gb18030")):
        rows = org_import.read_rows(data, "中文.CSV")
        assert [(r.row, r.code, r.name, r.kind) for r in rows] == [(2, "nanchuan", "南川区",
                                                                    "区")]


def test_the_credit_code_check_character() -> None:
    # 91110000600037341L: a published code (its check character is L).
    assert org_codes.uscc_valid("91110000600037341L")
    assert not org_codes.uscc_valid("91110000600037341M")
    assert not org_codes.uscc_valid("91110000600037341")
