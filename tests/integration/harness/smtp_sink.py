"""A real SMTP server for the notification tests: an aiosmtpd handler that writes every
message it accepts to a folder, one `.eml` file each (written aside, then renamed, so a
reader never sees half a message).

Run as its own process (standalone module: no project imports, starts fast):

    PYTHONPATH=tests/integration/harness \
        python -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.FolderSink FOLDER
"""

from __future__ import annotations

import itertools
import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any


class FolderSink:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.counter = itertools.count(1)

    @classmethod
    def from_cli(cls, parser: ArgumentParser, *args: str) -> FolderSink:
        if len(args) != 1:
            parser.error("FolderSink takes one argument: the folder to write messages to")
        return cls(Path(args[0]))

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        name = f"{os.getpid()}-{next(self.counter):06d}.eml"
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        head = f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(head + data)
        os.replace(tmp, self.folder / name)
        return "250 Message accepted for delivery"
