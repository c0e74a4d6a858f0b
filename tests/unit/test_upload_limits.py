"""T2.4: the limits on uploads: number of files, bytes, and pixels (decompression bombs)."""

from __future__ import annotations

import struct
import zlib

import pytest
from PIL import Image

from tests.unit.upload_samples import CASE_ID
from workflows.kernel import uploads
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.uploads import MAX_BYTES, MAX_FILES, prepare
from workflows.kernel.vault import Vault


def make_png_of(width: int, height: int, bit_depth: int = 1) -> bytes:
    """A grey PNG of any size, written by hand (a 30000x30000 bomb is ~100 KB compressed)."""
    row = b"\x00" + bytes((width * bit_depth + 7) // 8)
    packer = zlib.compressobj(9)
    block = 256
    parts = [packer.compress(row * block) for _ in range(height // block)]
    parts += [packer.compress(row * (height % block)), packer.flush()]

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


# --- limits -----------------------------------------------------------------------------------


def test_six_files_pass_seven_are_refused(png: bytes, vault: Vault) -> None:
    assert len(prepare([png] * MAX_FILES, vault, CASE_ID)) == MAX_FILES == 6
    with pytest.raises(ValidationFailedError) as err:
        prepare([png] * (MAX_FILES + 1), vault, CASE_ID)
    assert list(err.value.fields) == ["attachments"]
    assert "at most 6 files" in err.value.fields["attachments"][0]


def test_size_limit_is_five_mib(pdf: bytes, vault: Vault) -> None:
    assert MAX_BYTES == 5 * 1024 * 1024
    exactly = pdf + b"\n" * (MAX_BYTES - len(pdf))  # PDF readers ignore trailing whitespace
    assert len(prepare([exactly], vault, CASE_ID)) == 1
    with pytest.raises(ValidationFailedError) as err:
        prepare([exactly + b"\n"], vault, CASE_ID)
    assert list(err.value.fields) == ["attachments"]
    assert "larger than 5 MiB" in err.value.fields["attachments"][0]


@pytest.mark.parametrize(
    ("width", "height"),
    [(7000, 7000), (10000, 10000), (30000, 30000)],
    ids=["over our 40 MP cap", "over Pillow's warning", "over Pillow's error"],
)
def test_decompression_bomb_is_a_field_error(
    width: int, height: int, vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = make_png_of(width, height)
    assert len(bomb) < MAX_BYTES
    decoded: list[bool] = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(True))
    with pytest.raises(ValidationFailedError, match="too large") as err:
        prepare([bomb], vault, CASE_ID)
    assert list(err.value.fields) == ["attachments"]
    assert decoded == []  # refused from the header, before any pixel was decoded


def test_limits_are_the_documented_ones() -> None:
    assert uploads.ALLOWED_MIMES == ("image/jpeg", "image/png", "application/pdf")
    assert uploads.MAX_PIXELS == 40_000_000
