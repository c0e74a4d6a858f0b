"""People imported from CSV and XLSX (issue 20): English or Chinese headers, a plan first,
idempotent (the second import changes nothing), every bad row named by row and column and a
refused file applying nothing; and the `jianfu` commands for people and roles, including
the first administrator on a database that has only the org tree."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Base, CaseEvent, OrgKind, User
from models.db import make_engine, make_sessionmaker
from tests.conftest import BPMN_DIR
from webapp.cli.main import main
from workflows.admin import people_import
from workflows.kernel import access, accounts, audit, orgs, processes

SYSTEM = access.SYSTEM_ACTOR
GOOD = ("username,display_name,email,roles,active\n"
        "li_si,李四,li@example.cn,clerk@qmzj;unit_head@qmzj,是\n"
        "mz_clerk,民政局经办人（演示）,,clerk@qmzj,\n"
        "wang_wu,王五,,village_cadre@dgz-v1,yes\n")


def csv_bytes(text: str) -> bytes:
    return text.encode("utf-8-sig")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def events(session: Session) -> int:
    return len(list(session.scalars(select(CaseEvent.id).where(
        CaseEvent.type == "admin_action"))))


def test_import_twice_changes_nothing_the_second_time(demo_world: sessionmaker[Session]
                                                      ) -> None:
    with demo_world() as session:
        plan = people_import.plan_people_import(session, SYSTEM, csv_bytes(GOOD), "p.csv")
        assert not plan.errors
        assert [(p.row, p.username, p.action) for p in plan.people] == [
            (2, "li_si", "add"), (3, "mz_clerk", "unchanged"), (4, "wang_wu", "add")]
        assert events(session) == 0  # a plan changes nothing
        plan, result = people_import.apply_people_import(session, SYSTEM, csv_bytes(GOOD),
                                                         "p.csv")
        assert result is not None and [a.username for a in result.added] == ["li_si", "wang_wu"]
        li = session.scalars(select(User).where(User.username == "li_si")).one()
        assert li.must_change_password and {r.role for r in li.roles} == {"clerk", "unit_head"}
        assert accounts.authenticate(session, "li_si", result.added[0].password) is not None
        count = events(session)
        plan, result = people_import.apply_people_import(session, SYSTEM, csv_bytes(GOOD),
                                                         "p.csv")
        assert result is not None and not result.added and result.updated == 0
        assert plan.changes == [] and events(session) == count


def test_chinese_headers_in_xlsx_update_and_deactivate(demo_world: sessionmaker[Session]
                                                       ) -> None:
    with demo_world() as session:
        data = xlsx_bytes([["用户名", "姓名", "电子邮箱", "角色", "启用"],
                           ["mz_clerk2", "民政局经办人乙", "", "", "否"],
                           ["tj_clerk", "", "tj@example.cn", "clerk@qtjj;clerk@qmzj", ""]])
        plan, result = people_import.apply_people_import(session, SYSTEM, data, "p.xlsx")
        assert not plan.errors and result is not None and result.updated == 2
        clerk2 = session.scalars(select(User).where(User.username == "mz_clerk2")).one()
        assert clerk2.display_name == "民政局经办人乙" and not clerk2.active
        tj = session.scalars(select(User).where(User.username == "tj_clerk")).one()
        assert tj.email == "tj@example.cn"
        assert sorted(r.role for r in tj.roles) == ["clerk", "clerk"]
        actions = [e.inputs["action"] for e in session.scalars(
            select(CaseEvent).where(CaseEvent.type == "admin_action")
            .order_by(CaseEvent.global_seq))]
        assert actions == ["user.edit", "user.disable", "user.edit", "role.grant"]
        again = people_import.plan_people_import(session, SYSTEM, data, "p.xlsx")
        assert again.changes == []


def test_every_kind_of_bad_row_is_named_and_nothing_applies(
        demo_world: sessionmaker[Session]) -> None:
    bad = ("用户名,姓名,电子邮箱,角色,启用\n"
           "ok_person,好人,,clerk@qmzj,是\n"
           "Bad Name,坏名,,,\n"
           "no_name,,,,\n"
           "mail_bad,某人,not-mail,,\n"
           "role_bad,某人,,boss@qmzj,\n"
           "unit_bad,某人,,clerk@nowhere,\n"
           "kind_bad,某人,,village_cadre@qmzj,\n"
           "spec_bad,某人,,clerk,\n"
           "flag_bad,某人,,,也许\n"
           "ok_person,重复,,,\n"
           "new_off,某人,,,否\n")
    with demo_world() as session:
        plan, result = people_import.apply_people_import(session, SYSTEM, csv_bytes(bad),
                                                         "bad.csv")
        assert result is None and plan.people == []
        found = {(e.row, e.column) for e in plan.errors}
        assert found == {(3, "用户名"), (4, "姓名"), (5, "电子邮箱"), (6, "角色"), (7, "角色"),
                         (8, "角色"), (9, "角色"), (10, "启用"), (11, "用户名"), (12, "启用")}
        messages = {e.row: e.message for e in plan.errors}
        assert messages[7].startswith("clerk@nowhere: no such unit")
        assert messages[8].endswith("this role is not held at this kind of unit")
        assert session.scalar(select(User.id).where(User.username == "ok_person")) is None
        assert events(session) == 0
        header = people_import.plan_people_import(session, SYSTEM, csv_bytes("用户名,职务\n"),
                                                  "h.csv")
        assert {(e.row, e.column) for e in header.errors} == {(1, "职务"), (1, "display_name")}
        empty = people_import.plan_people_import(session, SYSTEM, b"", "e.csv")
        assert empty.errors and empty.errors[0].row == 1


def run(db_url: str, *args: str, env: dict[str, str] | None = None,
        stdin: str | None = None) -> tuple[int, str]:
    group, command, *rest = args
    result = CliRunner().invoke(main, [group, command, "--database-url", db_url, *rest],
                                env=env, input=stdin)
    return result.exit_code, result.output


def test_first_administrator_on_a_database_with_only_the_org_tree(
        db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    make = make_sessionmaker(engine)
    code, out = run(db_url, "admin", "create", "chief", env={"JIANFU_ADMIN_PASSWORD": "x" * 12})
    assert code == 1 and "org tree is empty" in out, out
    with make() as session:
        district = orgs.add_unit(session, "nanchuan", "南川区", OrgKind.DISTRICT)
        orgs.add_unit(session, "qmzj", "区民政局", OrgKind.DEPARTMENT, district)
        session.commit()
    code, out = run(db_url, "admin", "create", "chief", env={"JIANFU_ADMIN_PASSWORD": "x" * 12})
    assert code == 1 and "jianfu deploy" in out, out
    with make() as session:
        processes.deploy(session, BPMN_DIR)
    code, out = run(db_url, "admin", "create", "chief", env={"JIANFU_ADMIN_PASSWORD": "short"})
    assert code == 1 and "at least 10" in out, out
    secret = tmp_path / "pw"
    secret.write_text("a-long-password-1\n", encoding="utf-8")
    code, out = run(db_url, "admin", "create", "chief", "--display-name", "管理员",
                    "--password-file", str(secret))
    assert code == 0 and "chief" in out, out
    code, out = run(db_url, "admin", "create", "chief2", stdin="another-pass-2\nanother-pass-2\n")
    assert code == 0, out
    code, out = run(db_url, "user", "add", "li_si", "--display-name", "李四", "--role",
                    "clerk@qmzj")
    assert code == 0 and "one-time password" in out, out
    code, out = run(db_url, "role", "grant", "li_si", "unit_head", "qmzj")
    assert code == 0, out
    code, out = run(db_url, "role", "grant", "li_si", "auditor", "qmzj")
    assert code == 1 and "unit: this role is not held at this kind of unit" in out, out
    code, out = run(db_url, "role", "revoke", "li_si", "unit_head", "qmzj")
    assert code == 0, out
    code, out = run(db_url, "user", "reset-password", "li_si")
    assert code == 0 and "one-time password for li_si" in out, out
    code, out = run(db_url, "user", "disable", "li_si")
    assert code == 0 and "deactivated" in out, out
    code, out = run(db_url, "user", "disable", "nobody")
    assert code == 1 and "no person" in out, out
    file = tmp_path / "people.csv"
    file.write_text("username,display_name,roles\nwang_wu,王五,clerk@qmzj\n", encoding="utf-8")
    code, out = run(db_url, "user", "import", str(file), "--dry-run")
    assert code == 0 and "row 2: add wang_wu" in out and "dry run" in out, out
    code, out = run(db_url, "user", "import", str(file))
    assert code == 0 and "1 added" in out, out
    code, out = run(db_url, "user", "import", str(file))
    assert code == 0 and "0 added, 0 updated, 1 unchanged" in out, out
    with make() as session:
        chief = accounts.authenticate(session, "chief", "a-long-password-1")
        assert chief is not None and not chief.must_change_password
        assert access.ADMIN in access.load_actor(session, chief.id).role_names()
        assert not audit.verify(session)
    code, out = run(db_url, "audit", "verify")
    assert code == 0 and "audit ok" in out, out
    engine.dispose()
