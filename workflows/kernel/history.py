"""Canonical JSON, event hashes (per case and global) and field-level diffs."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """The one JSON form that is hashed: sorted keys, no spaces, UTF-8 text kept."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def event_hash(
    *,
    case_id: int,
    seq: int,
    type: str,
    actor_id: int | None,
    actor_role: str | None,
    at: datetime,
    task_uuid: str | None,
    task_id: str | None,
    inputs: dict[str, Any],
    diff: dict[str, Any],
    prev_hash: str,
) -> str:
    return sha256(
        canonical(
            {
                "case_id": case_id,
                "seq": seq,
                "type": type,
                "actor_id": actor_id,
                "actor_role": actor_role,
                "at": iso(at),
                "task_uuid": task_uuid,
                "task_id": task_id,
                "inputs": inputs,
                "diff": diff,
                "prev_hash": prev_hash,
            }
        )
    )


def global_hash(prev_global_hash: str, global_seq: int, own_hash: str) -> str:
    return sha256(f"{prev_global_hash}|{global_seq}|{own_hash}")


def field_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field that changed, was added or was removed."""
    out: dict[str, list[Any]] = {}
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if key not in old or key not in new or canonical(before) != canonical(after):
            out[key] = [before, after]
    return out
