"""Every BPMN file in bpmn/ passes bpmn.io's linter (bpmnlint, its recommended rules:
.bpmnlintrc) with no error (issue 18, item 13). The linter is the project's pinned npm
devDependency (package.json, package-lock.json), installed by `make test` with `npm ci`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINTER = ROOT / "node_modules" / ".bin" / "bpmnlint"
SUMMARY = re.compile(r"(\d+) problems? \((\d+) errors?, (\d+) warnings?\)")


def _files() -> list[Path]:
    return sorted((ROOT / "bpmn").rglob("*.bpmn"))


def _lint(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    assert LINTER.exists(), "run `npm ci` (make test does) to install bpmnlint"
    return subprocess.run([str(LINTER), *map(str, paths)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)


def test_every_bpmn_file_has_no_linter_error() -> None:
    files = _files()
    assert len(files) >= 8
    run = _lint(files)
    found = SUMMARY.search(run.stdout)
    errors = int(found.group(2)) if found else 0
    assert run.returncode == 0 and errors == 0, run.stdout + run.stderr


def test_the_linter_finds_the_errors_it_is_meant_to(tmp_path: Path) -> None:
    """The errors of issue 18 (the first inspection_request version): unresolved loop
    references and a gateway that joins and forks; so a passing run means something."""
    old = ROOT / "tests" / "bpmn" / "versions" / "inspection_request_v1.bpmn"
    run = _lint([old])
    assert run.returncode != 0
    assert "unresolved reference <towns>" in run.stdout
    assert "no-gateway-join-fork" in run.stdout
    assert SUMMARY.search(run.stdout) is not None
    assert SUMMARY.search(run.stdout).group(2) == "5"  # type: ignore[union-attr]
