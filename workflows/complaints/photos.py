"""Phone photos made small enough to attach (issue 18, item 7).

Phones take 3 to 15 MB photos; the kernel accepts files of at most `uploads.MAX_BYTES`
(5 MiB). A JPEG or PNG photo of up to `MAX_PHOTO_BYTES` (20 MiB) is downscaled here, on the
server, before the kernel checks, seals and scrubs it (so it works without JavaScript):

- the bomb limits stay the kernel's: the pixel count from the header is held to
  `uploads.MAX_PIXELS` (40 megapixels) before any pixel is decoded, and Pillow's
  decompression-bomb warning is an error; a JPEG is decoded at a reduced DCT scale
  (`Image.draft`), so a 40-megapixel photo never needs its full-size pixels in memory;
- the photo is resized to at most `MAX_SIDE` pixels on its long side and saved as JPEG at
  falling qualities until it fits 5 MiB. The EXIF block is carried over so that the
  sealed original keeps the photo's orientation, time and place as evidence; the copy staff
  see is still re-encoded from bare pixels by `uploads` (no metadata);
- files at most 5 MiB, PDFs, and anything that is not a readable image are passed on as they
  came: the kernel refuses them with its own message (a PDF over 5 MiB, a broken file).
"""

from __future__ import annotations

import io
import warnings
from typing import Final

from PIL import Image

from workflows.kernel import uploads
from workflows.kernel.errors import ValidationFailedError

MAX_PHOTO_BYTES: Final = 20 * 1024 * 1024  # a photo up to this size is downscaled
MAX_SIDE: Final = 3000  # pixels on the long side after downscaling (about 6.75 MP at 4:3)
QUALITIES: Final = (85, 75, 65)
FIELD: Final = uploads.FIELD


def _too_big(number: int) -> ValidationFailedError:
    size = MAX_PHOTO_BYTES // (1024 * 1024)
    return ValidationFailedError(
        {FIELD: [f"file {number} is larger than {size} MiB"]}, f"file {number} too large")


def fit(data: bytes, number: int = 1) -> bytes:
    """`data` (the submission's file `number`) made to fit the kernel's size limit when it
    is a large JPEG or PNG photo; otherwise unchanged.

    :raise ValidationFailedError: an image over the kernel's pixel cap, on `attachments`
    """
    if len(data) <= uploads.MAX_BYTES:
        return data
    try:
        mime = uploads.sniff(data)
    except ValidationFailedError:
        return data  # the kernel refuses it with its message
    if mime not in ("image/jpeg", "image/png"):
        return data
    try:
        return _downscale(data, mime, number)
    except ValidationFailedError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        return data  # refused by the kernel's own checks, with its message
    except Exception:  # untrusted input: the kernel names the unreadable file
        return data


def _downscale(data: bytes, mime: str, number: int) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        formats = ["JPEG", "MPO"] if mime == "image/jpeg" else ["PNG"]
        with Image.open(io.BytesIO(data), formats=formats) as img:
            if img.width * img.height > uploads.MAX_PIXELS:  # before any pixel is decoded
                message = (f"file {number}: the image is too large ({img.width}x{img.height} "
                           f"pixels; at most {uploads.MAX_PIXELS // 1_000_000} megapixels)")
                raise ValidationFailedError({FIELD: [message]}, message)
            exif = img.info.get("exif")
            if mime == "image/jpeg":
                img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale
            img.load()
            picture = img.convert("RGB") if img.mode not in ("RGB", "L") else img.copy()
    # The pixels keep their stored orientation, so the EXIF orientation carried over stays
    # right: the kernel turns the staff copy upright from it.
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    for quality in QUALITIES:
        out = io.BytesIO()
        if isinstance(exif, bytes):
            picture.save(out, format="JPEG", quality=quality, optimize=True, exif=exif)
        else:
            picture.save(out, format="JPEG", quality=quality, optimize=True)
        if out.tell() <= uploads.MAX_BYTES:
            return out.getvalue()
    return out.getvalue()  # still too large: the kernel says so


def fit_all(files: list[bytes]) -> list[bytes]:
    """Each upload of a submission made to fit; a file over MAX_PHOTO_BYTES is refused on
    the field, naming the file (all files are looked at first)."""
    problems = [n for n, data in enumerate(files, start=1) if len(data) > MAX_PHOTO_BYTES]
    if problems:
        messages = [m for n in problems for m in _too_big(n).fields[FIELD]]
        raise ValidationFailedError({FIELD: messages}, "; ".join(messages))
    return [fit(data, number) for number, data in enumerate(files, start=1)]

