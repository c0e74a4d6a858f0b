"""The import-linter contracts cover every package: only the engine package may import
SpiffWorkflow, the kernel contract forbids every feature, and the feature contracts list
every feature (docs/architecture.md)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return found


def named(text: str) -> dict[str, Any]:
    return next(c for c in contracts() if text in c["name"])


def packages(root: str) -> set[str]:
    return {f"{root}.{p.name}" for p in (ROOT / root).iterdir()
            if (p / "__init__.py").exists()}


def features(root: str, core: str) -> set[str]:
    return packages(root) - {f"{root}.{core}", f"{root}.demo", f"{root}.cli"}


def test_only_the_engine_package_may_import_spiffworkflow() -> None:
    spiff = named("SpiffWorkflow only")
    assert spiff["type"] == "protected"
    assert spiff["protected_modules"] == ["SpiffWorkflow"]
    assert spiff["allowed_importers"] == ["workflows.kernel.engine"]
    assert (ROOT / "workflows" / "kernel" / "engine" / "__init__.py").exists()


def test_the_kernel_contract_forbids_every_feature() -> None:
    kernel = named("The kernel knows no feature")
    assert kernel["source_modules"] == ["workflows.kernel"]
    assert features("workflows", "kernel") | {"workflows.demo", "workflows.features"} \
        <= set(kernel["forbidden_modules"])


def test_the_feature_contracts_list_every_feature() -> None:
    assert set(named("Features use each other").get("modules", [])) \
        == features("workflows", "kernel")
    assert set(named("Web features use each other").get("modules", [])) \
        == features("webapp", "core")
    assert set(named("The web app's core knows no feature")["forbidden_modules"]) \
        == features("webapp", "core")
    assert set(named("No import cycles")["ancestors"]) == {"workflows", "webapp", "models"}
