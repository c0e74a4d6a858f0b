"""T4.8: a production start refuses debug mode and weak or default secret keys; a
development app and a strong key start."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from webapp import create_app
from webapp.core.startup_checks import UnsafeProductionError, problems

STRONG = secrets.token_hex(32)


@pytest.mark.parametrize(("config", "named"), [
    ({"SECRET_KEY": STRONG, "DEBUG": True}, "JIANFU_DEBUG"),
    ({"SECRET_KEY": STRONG, "TESTING": True}, "JIANFU_TESTING"),
    ({}, "not set"),
    ({"SECRET_KEY": "changeme"}, "well-known"),
    ({"SECRET_KEY": "ChangeMe" + "x" * 40}, "well-known"),
    ({"SECRET_KEY": "dev"}, "well-known"),
    ({"SECRET_KEY": "k3Y!" * 4}, "16 characters"),
    ({"SECRET_KEY": "ab" * 32}, "not random"),
])
def test_each_unsafe_setting_is_named(config: dict[str, object], named: str) -> None:
    found = problems(config)
    assert found and named in " ".join(found)


def test_a_strong_key_without_debug_passes() -> None:
    assert problems({"SECRET_KEY": STRONG}) == []


def test_create_app_refuses_production_with_debug(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/p.sqlite3"
    with pytest.raises(UnsafeProductionError, match="JIANFU_DEBUG"):
        create_app({"PRODUCTION": True, "DEBUG": True, "SECRET_KEY": STRONG,
                    "DATABASE_URL": url})
    with pytest.raises(UnsafeProductionError, match="JIANFU_SECRET_KEY"):
        create_app({"PRODUCTION": True, "SECRET_KEY": "secret", "DATABASE_URL": url})
    app = create_app({"PRODUCTION": True, "SECRET_KEY": STRONG, "DATABASE_URL": url})
    assert app.config["SECRET_KEY"] == STRONG
    # A development app (no PRODUCTION) still starts with a throwaway key.
    assert create_app({"DEBUG": True, "SECRET_KEY": "dev", "DATABASE_URL": url})


def test_the_wsgi_entry_point_is_production(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp import wsgi

    monkeypatch.chdir(tmp_path)  # instance/ secrets go here
    monkeypatch.setenv("JIANFU_SECRET_KEY", "changeme")
    with pytest.raises(UnsafeProductionError, match="well-known"):
        wsgi.create(f"sqlite:///{tmp_path}/w.sqlite3")
    monkeypatch.setenv("JIANFU_SECRET_KEY", STRONG)
    monkeypatch.setenv("JIANFU_DEBUG", "true")
    with pytest.raises(UnsafeProductionError, match="JIANFU_DEBUG"):
        wsgi.create(f"sqlite:///{tmp_path}/w.sqlite3")
    monkeypatch.delenv("JIANFU_DEBUG")
    assert wsgi.create(f"sqlite:///{tmp_path}/w.sqlite3").config["PRODUCTION"] is True
