"""The SpiffWorkflow contract must list every workflows module except the engine."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_workflows_module_but_engine_is_forbidden_spiffworkflow() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    spiff = next(c for c in contracts if c.get("forbidden_modules") == ["SpiffWorkflow"]
                 if c["type"] == "forbidden")
    modules = {f"workflows.{p.stem}" for p in (ROOT / "workflows").glob("*.py")
               if p.stem not in ("engine", "__init__")}
    assert modules <= set(spiff["source_modules"])
    assert {"webapp", "models"} <= set(spiff["source_modules"])
