"""The instance/ secrets of webapp/wsgi.py: web processes starting together (gunicorn's
workers each build the app) all use the first value written, never one of their own."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from webapp import wsgi


def test_a_secret_is_made_once_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = wsgi._local_secret("secret_key")
    assert len(first) == 64
    assert wsgi._local_secret("secret_key") == first
    mode = (tmp_path / "instance" / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert [p.name for p in (tmp_path / "instance").iterdir()] == ["secret_key"]  # no temp left


def test_the_process_that_loses_the_race_uses_the_winners_secret(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "instance" / "vault_key"

    def make_while_another_process_writes_first() -> str:
        target.write_text("the other process's key", encoding="utf-8")
        return "this process's key"

    assert wsgi._local_secret("vault_key", make_while_another_process_writes_first) \
        == "the other process's key"
    assert target.read_text(encoding="utf-8") == "the other process's key"


def test_local_config_fills_only_what_the_environment_lacks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JIANFU_SECRET_KEY", "from-the-environment")
    monkeypatch.delenv("JIANFU_VAULT_KEY", raising=False)
    monkeypatch.delenv("JIANFU_RECEIPT_SALT", raising=False)
    config = wsgi.local_config("sqlite:///x.sqlite3")
    assert "SECRET_KEY" not in config
    assert set(config) == {"DATABASE_URL", "VAULT_KEY", "RECEIPT_SALT"}
    assert not (tmp_path / "instance" / "secret_key").exists()
