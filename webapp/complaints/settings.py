"""Complaint settings from configuration: the vault key, the receipt salt and Argon2id cost,
and the time limits per category. Built once per app, read by the portal and Open311.

Configuration (environment `JIANFU_*` or the mapping given to `create_app`):
- `VAULT_KEY`: urlsafe base64 of 32 bytes (`jianfu complaints keygen`); seals identities and
  original uploads. Without it a random key is used and a warning logged: sealed data is then
  lost with the process, which is only acceptable for tests and the demo.
- `RECEIPT_SALT`: hex, at least 16 bytes; the per-system Argon2id salt of receipt codes.
- `RECEIPT_TIME_COST`, `RECEIPT_MEMORY_KIB`: Argon2id cost (defaults 3 and 65536).
- `COMPLAINT_LIMITS`: JSON {category: {stage: working days}} overriding the defaults.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from workflows.complaints.filing import ComplaintSettings
from workflows.complaints.forms import CATEGORIES, DEFAULT_LIMITS
from workflows.complaints.receipts import ReceiptHasher
from workflows.kernel.vault import Vault, generate_key

EXTENSION = "jianfu.complaints"
logger = logging.getLogger(__name__)


def _limits(raw: Any) -> dict[str, dict[str, int]]:
    overrides = json.loads(raw) if isinstance(raw, str) else (raw or {})
    limits = {c: dict(DEFAULT_LIMITS) for c in CATEGORIES}
    for category, stages in overrides.items():
        if category not in limits:
            raise ValueError(f"COMPLAINT_LIMITS: unknown category {category!r}")
        for stage, days in stages.items():
            if stage not in DEFAULT_LIMITS or not isinstance(days, int) or not 1 <= days <= 60:
                raise ValueError(
                    f"COMPLAINT_LIMITS[{category!r}][{stage!r}]: a stage of "
                    f"{sorted(DEFAULT_LIMITS)} with 1 to 60 working days"
                )
            limits[category][stage] = days
    return limits


def init_app(app: Flask) -> ComplaintSettings:
    settings = from_config(app.config)
    app.extensions[EXTENSION] = settings
    return settings


def from_config(config: Mapping[str, Any]) -> ComplaintSettings:
    """The settings from a config mapping (see the module docstring for the keys)."""
    key = config.get("VAULT_KEY")
    if not key:
        logger.warning(
            "JIANFU_VAULT_KEY is not set: sealing identities and uploads with a key that "
            "dies with this process")
        key = generate_key()
    salt_hex = config.get("RECEIPT_SALT") or ""
    if not salt_hex:
        logger.warning("JIANFU_RECEIPT_SALT is not set: receipts work for this process only")
        salt_hex = secrets.token_hex(16)
    salt = bytes.fromhex(str(salt_hex))
    if len(salt) < 16:
        raise ValueError("JIANFU_RECEIPT_SALT must be at least 16 bytes of hex")
    return ComplaintSettings(
        hasher=ReceiptHasher(
            salt,
            time_cost=int(config.get("RECEIPT_TIME_COST", 3)),
            memory_cost_kib=int(config.get("RECEIPT_MEMORY_KIB", 65536)),
            parallelism=1,
        ),
        vault=Vault.from_config(str(key)),
        limits_by_category=_limits(config.get("COMPLAINT_LIMITS")),
    )


def settings() -> ComplaintSettings:
    value: ComplaintSettings = current_app.extensions[EXTENSION]
    return value
