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
  - PDFs (pikepdf/qpdf) lose the document Info dictionary, every XMP /Metadata stream (the
    catalog's and those of pages, images, fonts and any other object), /PieceInfo, the file
    /ID, embedded files and JavaScript; JPEG images inside lose their APPn/COM segments
    (EXIF, XMP, IPTC, ICC) and anything after their end marker. Encrypted or unreadable PDFs
    are refused.
- Every refusal is a `ValidationFailedError` on the field `attachments`.

Known limits of the PDF scrub: JPEG 2000 images (JPXDecode) keep their internal boxes, and
text in the page content is content, not metadata: neither is touched.
"""

from __future__ import annotations

import hashlib
import io
import warnings
import zlib
from dataclasses import dataclass
from typing import Final

import filetype
import pikepdf
from PIL import Image, ImageOps

from models import Attachment
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.vault import Vault, VaultError

FIELD: Final = "attachments"
MAX_FILES: Final = 6
MAX_BYTES: Final = 5 * 1024 * 1024
# 40 megapixels: above any phone camera; 160 MB decoded as RGBA.
MAX_PIXELS: Final = 40_000_000
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
        return _scrub_pdf(data)
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
    checked: list[CheckedFile] = []
    problems: list[str] = []
    for number, data in enumerate(uploads, start=1):
        if not data:
            problems.append(f"file {number} is empty")
            continue
        if len(data) > MAX_BYTES:
            problems.append(
                f"file {number} is larger than {MAX_BYTES // (1024 * 1024)} MiB "
                f"({len(data)} bytes)"
            )
            continue
        try:
            mime = sniff(data)
            scrubbed = scrub(data, mime)
        except ValidationFailedError as err:
            problems.extend(f"file {number}: {m}" for m in err.fields.get(FIELD, [str(err)]))
            continue
        checked.append(CheckedFile(mime, data, hashlib.sha256(data).hexdigest(), scrubbed))
    if problems:
        raise ValidationFailedError({FIELD: problems}, "; ".join(problems))
    return checked


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


# --- PDF --------------------------------------------------------------------------------

_DROP_KEYS: Final = ("/Metadata", "/PieceInfo", "/AA", "/JS")
_DROP_NAME_TREES: Final = ("/EmbeddedFiles", "/JavaScript")
_FILESPEC_KEYS: Final = ("/EF", "/RF", "/F", "/UF", "/Desc", "/DOS", "/Mac", "/Unix")


def _scrub_pdf(data: bytes) -> bytes:
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as err:
        raise _refuse("the PDF is password protected: attach it without a password") from err
    except Exception as err:  # qpdf's parse errors vary; all mean "cannot use this file"
        raise _refuse("the PDF is damaged and cannot be read") from err
    with pdf:
        if pdf.is_encrypted:
            raise _refuse("the PDF is encrypted: attach it without a password or protection")
        try:
            _clean_pdf(pdf)
            out = io.BytesIO()
            pdf.save(
                out,
                preserve_pdfa=False,  # PDF/A requires XMP: keeping it would put it back
                fix_metadata_version=False,
                deterministic_id=True,  # a fresh /ID derived from the cleaned content
            )
        except ValidationFailedError:
            raise
        except Exception as err:
            raise _refuse("the PDF is damaged and cannot be read") from err
    return out.getvalue()


def _clean_pdf(pdf: pikepdf.Pdf) -> None:
    for key in ("/Info", "/ID"):
        if key in pdf.trailer:
            del pdf.trailer[key]
    root = pdf.Root
    if "/OpenAction" in root and _is_javascript(root.OpenAction):
        del root["/OpenAction"]
    if "/Names" in root:
        for tree in _DROP_NAME_TREES:
            if tree in root.Names:
                del root.Names[tree]
    _clean_object(root)
    for obj in pdf.objects:
        _clean_object(obj)
        if isinstance(obj, pikepdf.Stream):
            _clean_image_stream(obj)


def _is_javascript(action: pikepdf.Object) -> bool:
    return isinstance(action, pikepdf.Dictionary) and action.get("/S") == pikepdf.Name.JavaScript


def _clean_object(obj: pikepdf.Object) -> None:
    """Drop metadata keys from `obj` and from the direct objects nested in it (indirect ones
    are visited on their own through `Pdf.objects`)."""
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        for key in _DROP_KEYS:
            if key in obj:
                del obj[key]
        if "/EF" in obj or obj.get("/Type") == pikepdf.Name.Filespec:
            for key in _FILESPEC_KEYS:  # embedded file and its (client) file name
                if key in obj:
                    del obj[key]
        children = [obj[key] for key in obj.keys()]  # noqa: SIM118 - pikepdf mapping
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return
    for child in children:
        # pikepdf hands scalars back as Python values; only containers can hold metadata.
        if isinstance(child, pikepdf.Dictionary | pikepdf.Array) and not child.is_indirect:
            _clean_object(child)


def _filters(stream: pikepdf.Stream) -> list[pikepdf.Object]:
    value = stream.get("/Filter")
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return list(value)
    return [value]


def _clean_image_stream(stream: pikepdf.Stream) -> None:
    """JPEG data inside a PDF keeps its own EXIF/XMP segments: strip them."""
    filters = _filters(stream)
    if pikepdf.Name.DCTDecode not in filters:
        return
    if filters == [pikepdf.Name.DCTDecode]:
        parms = stream.get("/DecodeParms")
        stream.write(
            strip_jpeg_metadata(stream.read_raw_bytes()),
            filter=pikepdf.Name.DCTDecode,
            decode_parms=parms if isinstance(parms, pikepdf.Dictionary | pikepdf.Array) else None,
        )
    else:
        # DCT behind another filter (rare): keep the decoded samples, losslessly.
        samples = stream.read_bytes(pikepdf.StreamDecodeLevel.all)
        stream.write(zlib.compress(samples), filter=pikepdf.Name.FlateDecode)


_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7: markers without a length


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
