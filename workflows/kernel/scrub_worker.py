"""The PDFs of one submission are scrubbed in a child process with capped memory and time.

qpdf (under pikepdf) is C++: a decoder inside it cannot be stopped or held to a memory cap
from Python. So `scrub_pdfs` starts `python -m workflows.kernel.scrub_worker`, hands it the
PDFs on stdin and reads the scrubbed copies (or refusals) on stdout. The child first lowers
its own limits: `MEMORY_LIMIT` of address space (an allocation over it fails, and the PDF
is refused) and CPU seconds; the parent kills it when the submission's time is up. Any
failure of the child refuses its PDFs: nothing unchecked gets through.
"""

from __future__ import annotations

import logging
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Final

MEMORY_LIMIT: Final = 512 * 1024 * 1024
_LENGTH: Final = struct.Struct(">Q")
_OK, _REFUSED = b"\x00", b"\x01"
FAILED: Final = "the PDF is too large or too complex to check safely"
_ROOT: Final = str(Path(__file__).resolve().parents[2])

logger = logging.getLogger(__name__)


def _frame(items: list[bytes]) -> bytes:
    return b"".join(_LENGTH.pack(len(item)) + item for item in items)


def _unframe(data: bytes) -> list[bytes]:
    items, pos = [], 0
    while pos < len(data):
        (length,) = _LENGTH.unpack_from(data, pos)
        pos += _LENGTH.size
        if pos + length > len(data):
            raise ValueError("truncated frame")
        items.append(data[pos : pos + length])
        pos += length
    return items


def scrub_pdfs(pdfs: list[bytes], seconds: float) -> list[bytes | str]:
    """For each PDF its scrubbed copy (bytes) or the reason it is refused (str)."""
    if not pdfs:
        return []
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH", "")) if p)
    env["JIANFU_SCRUB_SECONDS"] = str(max(1, int(seconds) + 1))
    answers: list[bytes] = []
    try:
        done = subprocess.run(
            [sys.executable, "-m", "workflows.kernel.scrub_worker"], input=_frame(pdfs),
            capture_output=True, timeout=max(1.0, seconds), env=env, check=False)
        if done.returncode == 0:
            answers = _unframe(done.stdout)
        else:
            logger.warning("PDF scrub child failed (exit %s)", done.returncode)
    except (subprocess.TimeoutExpired, ValueError, OSError) as err:
        logger.warning("PDF scrub stopped: %s", type(err).__name__)
    if len(answers) != len(pdfs):
        return [FAILED] * len(pdfs)
    return [a[1:] if a[:1] == _OK else a[1:].decode("utf-8", "replace") for a in answers]


def _limit_self() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    cpu = int(os.environ.get("JIANFU_SCRUB_SECONDS", "30"))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def main() -> int:
    from workflows.kernel.pdf_scrub import RefusedError, scrub_pdf

    _limit_self()
    pdfs = _unframe(sys.stdin.buffer.read())
    answers = []
    for data in pdfs:
        try:
            answers.append(_OK + scrub_pdf(data))
        except RefusedError as err:
            answers.append(_REFUSED + str(err).encode("utf-8"))
        except MemoryError:
            answers.append(_REFUSED + FAILED.encode("utf-8"))
    sys.stdout.buffer.write(_frame(answers))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
