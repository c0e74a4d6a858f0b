"""Uploaded attachments: type from content, a metadata-free copy for staff, the sealed original.

Rules (docs/complaints.md, reliability.md 2.3.4 and T2.4):

- At most `MAX_FILES` files of at most `MAX_BYTES` each. The type is sniffed from the bytes
  (`filetype`); the client's file name, extension and Content-Type are never looked at (and
  never reach this module). Only JPEG, PNG and PDF are accepted.
- The original is kept as evidence, byte for byte: its SHA-256 is recorded and it is sealed
  with the vault (AES-GCM, associated data `attachment_aad(case_id, sha256)`).
- Departments see only the scrubbed copy:
  - images are decoded, turned upright (`ImageOps.exif_transpose`) and re-encoded from bare
    pixels, so nothing of the original container survives: no EXIF (GPS, serial numbers,
    make/model, dates), XMP, IPTC, ICC profile, JPEG comments, PNG text chunks, thumbnails
    or trailing data. Images over `MAX_PIXELS` (decompression bombs) are refused.
  - PDFs lose their metadata and active content (pdf_scrub.py), after every image and
    stream was held to the pixel and decoded-size caps before any decoder ran
    (pdf_limits.py). Encrypted or unreadable PDFs are refused.
- One submission's scrub is bounded: images by `MAX_PIXELS`, read from the header before
  any pixel is decoded (and Pillow's own bomb check); the PDFs of a submission in one
  child process with `scrub_worker.MEMORY_LIMIT` of memory and what is left of
  `SCRUB_SECONDS` (scrub_worker.py).
- Every refusal is a `ValidationFailedError` on the field `attachments`.
"""

from __future__ import annotations

import hashlib
import io
import time
import warnings
from dataclasses import dataclass
from typing import Final

import filetype
from PIL import Image, ImageOps

from models import Attachment
from workflows.kernel import scrub_worker
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.jpeg_segments import strip_jpeg_metadata
from workflows.kernel.pdf_limits import MAX_PIXELS
from workflows.kernel.vault import Vault, VaultError

__all__ = ["MAX_PIXELS", "strip_jpeg_metadata"]  # re-exported: part of this module's API

FIELD: Final = "attachments"
MAX_FILES: Final = 6
MAX_BYTES: Final = 5 * 1024 * 1024
# MAX_PIXELS (pdf_limits.py): 40 megapixels, above any phone camera; 160 MB as RGBA.
# The time one submission's scrub may take (the PDFs' child process is killed after it).
SCRUB_SECONDS: Final = 30.0
ALLOWED_MIMES: Final = ("image/jpeg", "image/png", "application/pdf")
JPEG_QUALITY: Final = 90

_PIL_FORMATS: Final = {"image/jpeg": ("JPEG", "MPO"), "image/png": ("PNG",)}


@dataclass(frozen=True)
class PreparedFile:
    """One accepted upload, ready to become an `models.Attachment` row."""

    mime: str
    size: int
    original_sha256: str
    original_sealed: bytes
    scrubbed: bytes
    scrubbed_sha256: str


def _refuse(message: str) -> ValidationFailedError:
    return ValidationFailedError({FIELD: [message]}, message)


def attachment_aad(case_id: int, original_sha256: str) -> bytes:
    """Associated data of a sealed original: binds it to its case and to its own hash."""
    return f"attachment:{case_id}:{original_sha256}".encode("ascii")


def open_original(row: Attachment, vault: Vault) -> bytes:
    """The original bytes of an attachment (supervision office only: the caller checks).

    Raises `workflows.kernel.vault.VaultError` when the sealed blob does not open for the row's case
    and recorded SHA-256, or when what opens does not hash to it.
    """
    data = vault.open(row.original_sealed, attachment_aad(row.case_id, row.original_sha256))
    if hashlib.sha256(data).hexdigest() != row.original_sha256:
        raise VaultError("opened attachment does not match its recorded SHA-256")
    return data


def sniff(data: bytes) -> str:
    """The MIME type of `data` judged from its content alone; refuses anything but
    JPEG, PNG and PDF."""
    kind = filetype.guess(data) if data else None
    mime = str(kind.mime) if kind is not None else None
    if mime not in ALLOWED_MIMES:
        found = f" (this file is {mime})" if mime else ""
        raise _refuse(f"only JPEG, PNG and PDF files can be attached{found}")
    return mime


def scrub(data: bytes, mime: str) -> bytes:
    """A copy of `data` without identifying metadata (see the module docstring)."""
    if mime in _PIL_FORMATS:
        return _scrub_image(data, mime)
    if mime == "application/pdf":
        (answer,) = scrub_worker.scrub_pdfs([data], SCRUB_SECONDS)
        if isinstance(answer, str):
            raise _refuse(answer)
        return answer
    raise _refuse(f"only JPEG, PNG and PDF files can be attached (not {mime})")


@dataclass(frozen=True)
class CheckedFile:
    """An upload checked and scrubbed, not yet sealed (no key or case needed)."""

    mime: str
    original: bytes
    original_sha256: str
    scrubbed: bytes


def check_all(uploads: list[bytes]) -> list[CheckedFile]:
    """Check and scrub the uploads of one submission; all or nothing. This is the slow
    part (decoding images and PDFs): callers run it before they take the write lock.

    Every file is checked before anything is refused, so the message lists each bad file.
    """
    if len(uploads) > MAX_FILES:
        raise _refuse(f"at most {MAX_FILES} files may be attached, got {len(uploads)}")
    deadline = time.monotonic() + SCRUB_SECONDS
    found: dict[int, tuple[str, bytes]] = {}
    problems: dict[int, list[str]] = {}
    for number, data in enumerate(uploads, start=1):
        if not data:
            problems[number] = [f"file {number} is empty"]
        elif len(data) > MAX_BYTES:
            problems[number] = [f"file {number} is larger than {MAX_BYTES // (1024 * 1024)} "
                                f"MiB ({len(data)} bytes)"]
        else:
            try:
                found[number] = (sniff(data), data)
            except ValidationFailedError as err:
                problems[number] = _numbered(number, err)
    scrubbed: dict[int, bytes] = {}
    for number, (mime, data) in found.items():
        if mime in _PIL_FORMATS:
            try:
                scrubbed[number] = _scrub_image(data, mime)
            except ValidationFailedError as err:
                problems[number] = _numbered(number, err)
    pdfs = [number for number, (mime, _data) in found.items() if mime == "application/pdf"]
    answers = scrub_worker.scrub_pdfs([found[n][1] for n in pdfs], deadline - time.monotonic())
    for number, answer in zip(pdfs, answers, strict=True):
        if isinstance(answer, str):
            problems[number] = [f"file {number}: {answer}"]
        else:
            scrubbed[number] = answer
    checked = [CheckedFile(found[n][0], found[n][1], hashlib.sha256(found[n][1]).hexdigest(),
                           scrubbed[n]) for n in sorted(scrubbed)]
    if problems:
        messages = [m for n in sorted(problems) for m in problems[n]]
        raise ValidationFailedError({FIELD: messages}, "; ".join(messages))
    return checked


def _numbered(number: int, err: ValidationFailedError) -> list[str]:
    return [f"file {number}: {m}" for m in err.fields.get(FIELD, [str(err)])]


def seal_all(checked: list[CheckedFile], vault: Vault, case_id: int) -> list[PreparedFile]:
    """Seal checked files for one case (fast: AES-GCM only)."""
    return [
        PreparedFile(
            mime=f.mime,
            size=len(f.original),
            original_sha256=f.original_sha256,
            original_sealed=vault.seal(f.original, attachment_aad(case_id, f.original_sha256)),
            scrubbed=f.scrubbed,
            scrubbed_sha256=hashlib.sha256(f.scrubbed).hexdigest(),
        )
        for f in checked
    ]


def prepare(uploads: list[bytes], vault: Vault, case_id: int) -> list[PreparedFile]:
    """Check, scrub and seal the uploads of one submission; all or nothing."""
    return seal_all(check_all(uploads), vault, case_id)


# --- images -----------------------------------------------------------------------------


def _scrub_image(data: bytes, mime: str) -> bytes:
    formats = _PIL_FORMATS[mime]
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that: treat both
            # (and our own, lower cap) as a refusal, never as a crash or a log line.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(formats)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise _refuse(
                        f"the image is too large ({img.width}x{img.height} pixels; "
                        f"at most {MAX_PIXELS // 1_000_000} megapixels)"
                    )
                img.load()
                upright = ImageOps.exif_transpose(img)
                clean = _bare_pixels(upright, mime)
        out = io.BytesIO()
        if mime == "image/jpeg":
            clean.save(out, format="JPEG", quality=JPEG_QUALITY)
        else:
            clean.save(out, format="PNG")
        return out.getvalue()
    except ValidationFailedError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _refuse(
            f"the image is too large to open safely (at most {MAX_PIXELS // 1_000_000} "
            "megapixels)"
        ) from err
    except MemoryError as err:
        raise _refuse("the image is too large to open safely") from err
    except Exception as err:  # untrusted input: any decoder failure is the file's fault
        kind = "JPEG" if mime == "image/jpeg" else "PNG"
        raise _refuse(f"the file looks like a {kind} image but cannot be read") from err


def _bare_pixels(img: Image.Image, mime: str) -> Image.Image:
    """A new image holding only the pixels of `img`: no info, EXIF, ICC, text or palette
    chunks carried over (Pillow's savers read some of those from `Image.info`)."""
    if mime == "image/jpeg":
        mode = img.mode if img.mode in ("L", "RGB") else "RGB"
    elif img.mode in ("1", "L", "LA", "RGB", "RGBA"):
        mode = img.mode
    else:
        has_alpha = "A" in img.mode or "transparency" in img.info
        mode = "RGBA" if has_alpha else "RGB"
    source = img if img.mode == mode else img.convert(mode)
    clean = Image.new(mode, source.size)
    clean.paste(source, (0, 0))
    return clean
