"""The writer of the backup drill (tests/integration/test_backup.py): starts report-form
cases one after another and appends each title to a journal once its commands committed
(acknowledged), until told to stop."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.integration.harness import new_case, open_sessions


def writer(url: str, journal: str, stop: Any, limit: int) -> None:
    sessions = open_sessions(url)
    path = Path(journal)
    for n in range(limit):
        if stop.is_set():
            break
        title = f"备份演练 {n}"
        with sessions() as session:
            new_case(session, "review_form", title=title)
            session.commit()
        with path.open("a", encoding="utf-8") as out:  # acknowledged: committed above
            out.write(title + "\n")
            out.flush()
            os.fsync(out.fileno())
