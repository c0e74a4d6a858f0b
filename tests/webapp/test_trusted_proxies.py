"""Behind N trusted reverse proxies (JIANFU_TRUSTED_PROXIES=N) each client is throttled by the
address the proxy saw; without the setting X-Forwarded-For is ignored (a client cannot pick a
fresh address to escape its limit). Before, every client behind a proxy shared one counter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.webapp.conftest import _public_app, csrf_token


def fail_logins(app: Flask, forwarded: str, times: int) -> list[int]:
    client = app.test_client()
    headers = {"X-Forwarded-For": forwarded}
    codes = []
    for i in range(times):
        token = csrf_token(client.get("/login", headers=headers).get_data(as_text=True))
        codes.append(client.post("/login", headers=headers, data={
            "username": f"nobody{i}", "password": "wrong", "csrf_token": token}).status_code)
    return codes


@pytest.mark.parametrize("trusted", [0, 1])
def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(
        trusted: int, template_db: Path, tmp_path: Path) -> None:
    app = _public_app(template_db, tmp_path, TRUSTED_PROXIES=trusted,
                      LOGIN_FAIL_LIMIT="2 per 15 minutes")
    assert fail_logins(app, "198.51.100.7", 3) == [401, 401, 429]
    other: Any = fail_logins(app, "198.51.100.8", 1)
    assert other == ([401] if trusted else [429])
    app.extensions["jianfu.db"].engine.dispose()
