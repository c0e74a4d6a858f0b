"""The PDF scrub (pikepdf/qpdf), run in the child process of scrub_worker.py.

Every stream is first held to the caps of pdf_limits.py, before any decoder runs. Then the
copy loses:
- identifying metadata: the document Info dictionary, every XMP /Metadata stream (the
  catalog's and those of pages, images, fonts and any other object), /PieceInfo, the file
  /ID, embedded files (and their client file names); JPEG images inside lose their
  APPn/COM segments (EXIF, XMP, IPTC, ICC) and anything after their end marker;
- active content: JavaScript (name tree, /JS), the catalog's /OpenAction, additional
  actions (/AA) everywhere, every action (/A) other than a jump within the document
  (/GoTo): /Launch, /URI, /SubmitForm, /ImportData, /GoToR, /Rendition..., XFA forms
  (/XFA) and the catalog's /URI base.
Saving decodes no stream (`StreamDecodeLevel.none`): what qpdf writes is what was checked.

Known limits: JPEG 2000 images (JPXDecode) keep their internal boxes, text in the page
content is content, not metadata: neither is touched. Inline images (BI ... ID ... EI in
a content stream) are bounded by their content stream's cap, not by their own size.
"""

from __future__ import annotations

import io
import zlib
from typing import Final

import pikepdf

from workflows.kernel import pdf_limits
from workflows.kernel.jpeg_segments import strip_jpeg_metadata
from workflows.kernel.pdf_limits import TooLargeError, filters


class RefusedError(ValueError):
    """The PDF cannot be accepted; the message says why (English, for the field)."""


_DROP_KEYS: Final = ("/Metadata", "/PieceInfo", "/AA", "/JS", "/XFA", "/OpenAction")
_DROP_NAME_TREES: Final = ("/EmbeddedFiles", "/JavaScript")
_FILESPEC_KEYS: Final = ("/EF", "/RF", "/F", "/UF", "/Desc", "/DOS", "/Mac", "/Unix")
_SAFE_ACTIONS: Final = (pikepdf.Name.GoTo,)


def scrub_pdf(data: bytes) -> bytes:
    """A copy of the PDF `data` without metadata and active content; raises `RefusedError`."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as err:
        raise RefusedError("the PDF is password protected: attach it without a password") from err
    except MemoryError as err:
        raise RefusedError("the PDF is too large once decompressed") from err
    except Exception as err:  # qpdf's parse errors vary; all mean "cannot use this file"
        raise RefusedError("the PDF is damaged and cannot be read") from err
    with pdf:
        if pdf.is_encrypted:
            raise RefusedError("the PDF is encrypted: attach it without a password or protection")
        try:
            _check(pdf)
            _clean_pdf(pdf)
            out = io.BytesIO()
            pdf.save(
                out,
                preserve_pdfa=False,  # PDF/A requires XMP: keeping it would put it back
                fix_metadata_version=False,
                deterministic_id=True,  # a fresh /ID derived from the cleaned content
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
            )
        except TooLargeError as err:
            raise RefusedError(str(err)) from err
        except MemoryError as err:
            raise RefusedError("the PDF is too large once decompressed") from err
        except Exception as err:
            raise RefusedError("the PDF is damaged and cannot be read") from err
    cleaned = out.getvalue()
    _verify_copy(cleaned)
    return cleaned


def _verify_copy(data: bytes) -> None:
    """The copy must read back exactly as written. A reader that has to rebuild a damaged
    file scans it for objects, and finds those hidden in stream data (a catalog with an
    /OpenAction inside a page's content stream, found by tests/fuzz/targets.py): so the copy
    must open without that recovery, and must carry no active content when read back."""
    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
            if len(pdf.pages) < 1:
                raise RefusedError("the PDF has no pages")
            root = pdf.Root
            names = root.get("/Names")
            if any(key in root for key in ("/OpenAction", "/AA")) or (
                    isinstance(names, pikepdf.Dictionary)
                    and any(key in names for key in _DROP_NAME_TREES)):
                raise RefusedError("the PDF is damaged and cannot be read")
    except RefusedError:
        raise
    except Exception as err:
        raise RefusedError("the PDF is damaged and cannot be read") from err


def _check(pdf: pikepdf.Pdf) -> None:
    budget = pdf_limits.Budget()
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            pdf_limits.check_stream(obj, budget)


def _clean_pdf(pdf: pikepdf.Pdf) -> None:
    for key in ("/Info", "/ID"):
        if key in pdf.trailer:
            del pdf.trailer[key]
    root = pdf.Root
    if "/URI" in root:
        del root["/URI"]
    if "/Names" in root:
        for tree in _DROP_NAME_TREES:
            if tree in root.Names:
                del root.Names[tree]
    _clean_object(root)
    for obj in pdf.objects:
        _clean_object(obj)
        if isinstance(obj, pikepdf.Stream):
            _clean_image_stream(obj)


def _is_unsafe_action(action: object) -> bool:
    if not isinstance(action, pikepdf.Dictionary):
        return False
    return action.get("/S") not in _SAFE_ACTIONS or "/Next" in action


def _clean_object(obj: pikepdf.Object) -> None:
    """Drop metadata and active content from `obj` and from the direct objects nested in it
    (indirect ones are visited on their own through `Pdf.objects`)."""
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        for key in _DROP_KEYS:
            if key in obj:
                del obj[key]
        if "/A" in obj and _is_unsafe_action(obj.get("/A")):
            del obj["/A"]
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


def _clean_image_stream(stream: pikepdf.Stream) -> None:
    """JPEG data inside a PDF keeps its own EXIF/XMP segments: strip them (after checking
    its frame size: nothing here decodes a pixel)."""
    chain = filters(stream)
    if pikepdf.Name.DCTDecode not in chain:
        return
    parms = stream.get("/DecodeParms")
    if chain == [pikepdf.Name.DCTDecode]:
        jpeg = stream.read_raw_bytes()
        pdf_limits.check_jpeg(jpeg)
        stream.write(
            strip_jpeg_metadata(jpeg),
            filter=pikepdf.Name.DCTDecode,
            decode_parms=parms if isinstance(parms, pikepdf.Dictionary | pikepdf.Array) else None,
        )
        return
    if chain == [pikepdf.Name.FlateDecode, pikepdf.Name.DCTDecode]:
        bound = (pdf_limits.image_bound(stream) if stream.get("/Subtype") == pikepdf.Name.Image
                 else pdf_limits.MAX_STREAM_BYTES)
        jpeg = pdf_limits.inflate(stream.read_raw_bytes(), bound)
    else:  # DCT behind other filters (rare): the generalized ones, decoded under the caps
        jpeg = stream.read_bytes(pikepdf.StreamDecodeLevel.generalized)
    pdf_limits.check_jpeg(jpeg)
    stream.write(zlib.compress(strip_jpeg_metadata(jpeg)),
                 filter=pikepdf.Array([pikepdf.Name.FlateDecode, pikepdf.Name.DCTDecode]),
                 decode_parms=parms if isinstance(parms, pikepdf.Array) and len(parms) == 2
                 else None)
