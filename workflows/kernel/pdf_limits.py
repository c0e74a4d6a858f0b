"""Caps applied to a PDF before any of its streams is decoded (issue 17, finding 1).

A PDF of a few kilobytes can hold a 20000 x 20000 image (Flate around DCT, or Flate around
raw samples, zlib's ratio is about 1000:1): decoding it takes gigabytes here, and in the
department's viewer. So, for every stream and before any decoder runs:

- an image (`/Subtype /Image`) may have at most `MAX_PIXELS` pixels by its dictionary's
  /Width and /Height, and JPEG data inside at most as many by its own frame header;
- its decoded length may not exceed what /Width, /Height, /BitsPerComponent and the colour
  space allow (plus the predictors' row bytes); any other stream at most `MAX_STREAM_BYTES`;
  the whole file at most `MAX_DECODED_BYTES`. FlateDecode, the usual first filter, is
  inflated here in chunks and only counted (memory stays constant); other filters are
  decoded by qpdf in the scrub's child process, whose memory is capped (scrub_worker.py).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Final

import pikepdf

from workflows.kernel.jpeg_segments import jpeg_dimensions

MAX_PIXELS: Final = 40_000_000
MAX_STREAM_BYTES: Final = 64 * 1024 * 1024
MAX_DECODED_BYTES: Final = 512 * 1024 * 1024
_CHUNK: Final = 1024 * 1024
_CODECS: Final = (pikepdf.Name.DCTDecode, pikepdf.Name.JPXDecode, pikepdf.Name.JBIG2Decode,
                  pikepdf.Name.CCITTFaxDecode)
_COMPONENTS: Final = {"/DeviceGray": 1, "/CalGray": 1, "/Indexed": 1, "/Separation": 1,
                      "/DeviceRGB": 3, "/CalRGB": 3, "/Lab": 3, "/DeviceCMYK": 4}


class TooLargeError(ValueError):
    """The PDF holds an image or stream over a cap; the message says which."""


def filters(stream: pikepdf.Stream) -> list[pikepdf.Object]:
    value = stream.get("/Filter")
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return list(value)
    return [value]


def _int(value: object, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TooLargeError("an image in the PDF has an unreadable size")


def _components(space: object) -> int:
    if isinstance(space, pikepdf.Name):
        return _COMPONENTS.get(str(space), 4)
    if isinstance(space, pikepdf.Array) and len(space) > 0:
        family = str(space[0])
        if family == "/ICCBased" and len(space) > 1 and isinstance(space[1], pikepdf.Stream):
            return max(1, min(_int(space[1].get("/N"), 4), 32))
        if family == "/DeviceN" and len(space) > 1 and isinstance(space[1], pikepdf.Array):
            return max(1, min(len(space[1]), 32))
        return _COMPONENTS.get(family, 4)
    return 4  # unknown: the most a colour space takes (CMYK)


def image_bound(stream: pikepdf.Stream) -> int:
    """Refuses an image over `MAX_PIXELS`; else the most bytes its samples may take."""
    width, height = _int(stream.get("/Width"), 0), _int(stream.get("/Height"), 0)
    if width <= 0 or height <= 0:
        raise TooLargeError("an image in the PDF has no size")
    if width * height > MAX_PIXELS:
        raise TooLargeError(f"an image in the PDF is too large ({width}x{height} pixels; "
                       f"at most {MAX_PIXELS // 1_000_000} megapixels)")
    mask = bool(stream.get("/ImageMask", False))
    bits = 1 if mask else max(1, min(_int(stream.get("/BitsPerComponent"), 8), 16))
    colours = 1 if mask else _components(stream.get("/ColorSpace"))
    row = (width * colours * bits + 7) // 8
    return (row + 1) * height + 1024  # + 1: a PNG predictor's tag byte per row


def check_jpeg(data: bytes) -> None:
    """Refuses JPEG data whose frame header is over the pixel cap (or missing)."""
    try:
        width, height, _ = jpeg_dimensions(data)
    except ValueError as err:
        raise TooLargeError("an image in the PDF is not a readable JPEG") from err
    if width * height > MAX_PIXELS:
        raise TooLargeError(f"an image in the PDF is too large ({width}x{height} pixels; "
                       f"at most {MAX_PIXELS // 1_000_000} megapixels)")


def _inflate(raw: bytes, bound: int) -> Iterator[bytes]:
    """Chunks of the zlib data `raw`, refusing once more than `bound` bytes came out."""
    inflater = zlib.decompressobj()
    total = 0
    pending = raw
    while True:
        chunk = inflater.decompress(pending, _CHUNK)
        total += len(chunk)
        if total > bound:
            raise TooLargeError("a part of the PDF is too large once decompressed")
        if chunk:
            yield chunk
        pending = inflater.unconsumed_tail
        if not pending or inflater.eof:
            return


def inflated_length(raw: bytes, bound: int) -> int:
    """How many bytes FlateDecode makes of `raw`, counted without keeping them."""
    try:
        return sum(len(chunk) for chunk in _inflate(raw, bound))
    except zlib.error:
        return 0  # broken data: viewers show nothing; counting stops here


def inflate(raw: bytes, bound: int) -> bytes:
    """FlateDecode of `raw`, refusing more than `bound` bytes."""
    try:
        return b"".join(_inflate(raw, bound))
    except zlib.error as err:
        raise TooLargeError("an image in the PDF is damaged") from err


class Budget:
    """Decoded bytes of one PDF, against `MAX_DECODED_BYTES`."""

    def __init__(self) -> None:
        self.used = 0

    def spend(self, count: int) -> None:
        self.used += count
        if self.used > MAX_DECODED_BYTES:
            raise TooLargeError("the PDF is too large once decompressed")


def check_stream(stream: pikepdf.Stream, budget: Budget) -> None:
    """Applies the caps above to one stream, decoding at most its bound."""
    chain = filters(stream)
    is_image = stream.get("/Subtype") == pikepdf.Name.Image
    bound = image_bound(stream) if is_image else MAX_STREAM_BYTES
    if not chain:
        budget.spend(len(stream.read_raw_bytes()))
        return
    generalized = [f for f in chain if f not in _CODECS]
    if not generalized:
        return  # codec data as is: its pixels were capped by /Width and /Height above
    if chain[0] == pikepdf.Name.FlateDecode and len(generalized) == 1:
        budget.spend(inflated_length(stream.read_raw_bytes(), bound))
        return
    # Other or chained filters (rare): qpdf decodes them in the capped child process.
    length = len(stream.read_bytes(pikepdf.StreamDecodeLevel.generalized))
    if length > bound:
        raise TooLargeError("a part of the PDF is too large once decompressed")
    budget.spend(length)
