"""Issue 17, finding 1: a PDF must not bypass the pixel cap. Six 6 KB PDFs, each holding a
20000 x 20000 image (Flate around DCT, as reported, or Flate around raw samples), are
refused, and scrubbing them keeps the process small: its peak memory and that of its
children are measured in a fresh interpreter (resource.getrusage)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from tests.unit import upload_bombs
from tests.unit.upload_samples import CASE_ID
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.uploads import MAX_BYTES, MAX_FILES, check_all, prepare
from workflows.kernel.vault import Vault

REPO = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 256

_MEASURE = """
import json, resource, sys
from tests.unit import upload_bombs
from workflows.kernel import uploads
from workflows.kernel.errors import ValidationFailedError
data = getattr(upload_bombs, sys.argv[1])()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    uploads.check_all([data] * uploads.MAX_FILES)
    messages = []
except ValidationFailedError as err:
    messages = err.fields["attachments"]
def hwm_kb():
    # This process's own peak (VmHWM): its getrusage ru_maxrss would also carry the RSS of
    # the process that started it (Linux folds the old memory's peak in at exec), which
    # inside a pytest-xdist worker is hundreds of MB before anything here runs.
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "size": len(data), "before_kb": before, "messages": messages,
    "self_kb": hwm_kb(),
    "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""


def _scrub_in_fresh_process(bomb: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _MEASURE, bomb], cwd=REPO, check=True,
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("bomb", ["pdf_jpeg_bomb", "pdf_flate_bomb", "pdf_lying_flate_bomb"])
def test_pdf_image_bombs_are_refused_in_bounded_memory(bomb: str) -> None:
    result = _scrub_in_fresh_process(bomb)
    size, messages = result["size"], result["messages"]
    assert isinstance(size, int) and size < MAX_BYTES
    assert isinstance(messages, list) and len(messages) == MAX_FILES, result
    assert all("too large" in m for m in messages), messages
    for key in ("self_kb", "children_kb"):
        peak = result[key]
        assert isinstance(peak, int) and peak < PEAK_LIMIT_MB * 1024, (key, result)


def test_the_reported_bomb_is_a_few_kilobytes() -> None:
    assert len(upload_bombs.pdf_jpeg_bomb()) < 8 * 1024


def test_a_large_but_allowed_pdf_image_passes(vault: Vault) -> None:
    jpeg = upload_bombs.grey_jpeg(4000, 3000)  # 12 megapixels
    pdf = upload_bombs.pdf_with_image(jpeg, [pikepdf.Name.DCTDecode], 4000, 3000)
    (prepared,) = prepare([pdf], vault, CASE_ID)
    with pikepdf.open(__import__("io").BytesIO(prepared.scrubbed)) as out:
        image = out.pages[0].Resources.XObject.Im0
        assert (int(image.Width), int(image.Height)) == (4000, 3000)


def test_a_jpeg_larger_than_its_dictionary_says_is_refused() -> None:
    jpeg = upload_bombs.grey_jpeg(upload_bombs.BOMB_SIDE, upload_bombs.BOMB_SIDE)
    pdf = upload_bombs.pdf_with_image(jpeg, [pikepdf.Name.DCTDecode], 8, 8)
    with pytest.raises(ValidationFailedError, match="too large"):
        check_all([pdf])
