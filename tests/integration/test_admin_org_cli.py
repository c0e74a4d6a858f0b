"""`jianfu org import FILE [--dry-run] [--as-of]` and `jianfu org export` (issue 20), then
`jianfu audit verify` over the administration events they leave."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import CaseEvent, OrgUnit
from tests.integration.admin_org_files import SAMPLE, csv_bytes, row, sample_rows
from webapp.cli.main import main


def _events(make: sessionmaker[Session]) -> int:
    with make() as session:
        return int(session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.type == "admin_action")) or 0)


def test_import_dry_run_then_for_real_then_verify(demo_world: sessionmaker[Session],
                                                  db_url: str, tmp_path: Path) -> None:
    rows = [r for r in sample_rows() if r["code"] != "sqz-v3"]
    rows += [row("sqz-v4", "三泉镇新村", "sqz", "村", "500119100204", "2026-06-01")]
    tree = tmp_path / "tree.csv"
    tree.write_bytes(csv_bytes(rows))
    runner = CliRunner()
    args = ["org", "import", str(tree), "--as-of", "2026-06-01", "--database-url", db_url]
    dry = runner.invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines() == [
        "unit.add sqz-v4 三泉镇新村 (kind village, official_code 500119100204, parent sqz, "
        "valid_from 2026-06-01)",
        "unit.deactivate sqz-v3 三泉镇示例村3（演示） (valid_to: - -> 2026-05-31)",
        "2 change(s): 1 unit.add, 1 unit.deactivate", "dry run: nothing changed"]
    assert _events(demo_world) == 0
    done = runner.invoke(main, args)
    assert done.exit_code == 0 and done.output.endswith("applied 2 change(s)\n"), done.output
    assert _events(demo_world) == 2
    again = runner.invoke(main, args)
    assert again.output.splitlines()[-2:] == ["0 change(s)", "nothing to change"]
    verify = runner.invoke(main, ["audit", "verify", "--database-url", db_url])
    assert verify.exit_code == 0 and "audit ok" in verify.output, verify.output


def test_a_refused_file_exits_non_zero_with_every_error(demo_world: sessionmaker[Session],
                                                        db_url: str, tmp_path: Path) -> None:
    rows = [*sample_rows(), row("x1", "新村", "nowhere", "村", "500119104209"),
            row("dgz-v1", "又一个", "dgz", "村", "500119104299")]
    tree = tmp_path / "bad.csv"
    tree.write_bytes(csv_bytes(rows))
    result = CliRunner().invoke(main, ["org", "import", str(tree), "--database-url", db_url])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "row 43, column parent_code: unknown parent 'nowhere'",
        "row 44, column code: duplicate code 'dgz-v1' (also row 25)",
        "refused: 2 error(s); nothing changed"]
    assert _events(demo_world) == 0


def test_export_to_stdout_and_to_xlsx_imports_back_unchanged(
        demo_world: sessionmaker[Session], db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["org", "export", "--database-url", db_url])
    assert out.exit_code == 0
    assert out.stdout_bytes.startswith("\ufeffcode,official_code,name,".encode())
    with demo_world() as session:
        units = session.scalar(select(func.count()).select_from(OrgUnit))
    assert out.stdout_bytes.count(b"\r\n") == (units or 0) + 1
    book = tmp_path / "tree.xlsx"
    saved = runner.invoke(main, ["org", "export", "--file", str(book), "--chinese",
                                 "--database-url", db_url])
    assert saved.exit_code == 0, saved.output
    back = runner.invoke(main, ["org", "import", str(book), "--database-url", db_url])
    assert back.exit_code == 0 and "nothing to change" in back.output, back.output
    sample = runner.invoke(main, ["org", "import", str(SAMPLE), "--dry-run",
                                  "--database-url", db_url])
    assert sample.output.splitlines()[-2:] == ["0 change(s)", "dry run: nothing changed"]


def test_import_onto_a_new_database_needs_the_processes_deployed(db_url: str,
                                                                 sessions: sessionmaker[Session]
                                                                 ) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["org", "import", str(SAMPLE), "--database-url", db_url])
    assert result.exit_code == 1 and "run `jianfu deploy` first" in result.output
    runner.invoke(main, ["deploy", "--database-url", db_url])
    result = runner.invoke(main, ["org", "import", str(SAMPLE), "--database-url", db_url])
    assert result.exit_code == 0 and "applied 41 change(s)" in result.output, result.output
