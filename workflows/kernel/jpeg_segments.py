"""JPEG at the segment level, without decoding a pixel: the frame size (to apply the pixel
cap before any decoder runs) and a copy without metadata segments (EXIF, XMP, IPTC, ICC,
comments, thumbnails, trailing data). Used for JPEG data inside PDFs (pdf_scrub.py)."""

from __future__ import annotations

from typing import Final

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_STANDALONE: Final = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7: markers without a length
# Start-of-frame markers (baseline, progressive, lossless, arithmetic...): not DHT, JPG, DAC.
_SOF: Final = {*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC}


def _segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of each segment up to the first scan, checked for length."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG stream")
    found: list[tuple[int, int, int]] = []
    pos, size = 2, len(data)
    while pos < size:
        if data[pos] != 0xFF:
            raise ValueError(f"JPEG marker expected at byte {pos}")
        marker = data[pos + 1] if pos + 1 < size else -1
        if marker == 0xFF:
            pos += 1
            continue
        if marker in _STANDALONE or marker == _EOI:
            found.append((marker, pos, pos + 2))
            pos += 2
            if marker == _EOI:
                return found
            continue
        if marker < 0 or pos + 4 > size:
            raise ValueError("truncated JPEG stream")
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > size:
            raise ValueError("truncated JPEG segment")
        found.append((marker, pos, end))
        pos = end
        if marker == _SOS:
            return found
    raise ValueError("JPEG stream without a scan")


def jpeg_dimensions(data: bytes) -> tuple[int, int, int]:
    """(width, height, components) from the first start-of-frame segment, read from the
    header alone. Raises ValueError when there is none or it is malformed."""
    for marker, start, end in _segments(data):
        if marker in _SOF:
            frame = data[start + 4 : end]
            if len(frame) < 6:
                raise ValueError("truncated JPEG frame header")
            height = int.from_bytes(frame[1:3], "big")
            width = int.from_bytes(frame[3:5], "big")
            return width, height, frame[5]
    raise ValueError("JPEG stream without a frame header")


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG `data` without APP1-APP15 / COM segments, JFIF extensions (thumbnails) or
    bytes after the end-of-image marker; image data and tables are copied unchanged.

    Keeps APP0 "JFIF" and APP14 "Adobe" (needed to decode colours). Raises ValueError on a
    stream that is not a well-formed JPEG.
    """
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG stream")
    out = bytearray(data[:2])
    pos = 2
    size = len(data)
    while pos < size:
        if data[pos] != 0xFF:
            raise ValueError(f"JPEG marker expected at byte {pos}")
        marker = data[pos + 1] if pos + 1 < size else -1
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == _EOI:
            out += b"\xff\xd9"
            return bytes(out)
        if marker in _STANDALONE:
            out += data[pos : pos + 2]
            pos += 2
            continue
        if marker < 0 or pos + 4 > size:
            raise ValueError("truncated JPEG stream")
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > size:
            raise ValueError("truncated JPEG segment")
        segment = data[pos:end]
        if _keep_segment(marker, segment[4:]):
            out += segment
        pos = end
        if marker == _SOS:  # entropy-coded data runs to the next real marker
            scan_end = _scan_end(data, pos)
            out += data[pos:scan_end]
            pos = scan_end
    raise ValueError("JPEG stream without an end marker")


def _keep_segment(marker: int, payload: bytes) -> bool:
    if marker == 0xE0:
        return payload.startswith(b"JFIF\x00")
    if marker == 0xEE:
        return payload.startswith(b"Adobe")
    return not (0xE1 <= marker <= 0xEF or marker == 0xFE)


def _scan_end(data: bytes, pos: int) -> int:
    size = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= size:
            raise ValueError("JPEG scan without an end")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1
            continue
        return pos
