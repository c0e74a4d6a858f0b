"""T2.4: uploads are typed by content, scrubbed of identifying metadata, and kept as sealed
originals. Every fixture is built here (no binary files in git); `exiftool` judges the result.

Pass: exiftool finds 0 / N identifying fields in the scrubbed copies, where N (> 0) is what it
finds in the originals; each original hashes to its recorded SHA-256 and opens byte-identical.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from models import Attachment
from workflows import uploads
from workflows.errors import ValidationFailedError
from workflows.uploads import (
    MAX_BYTES,
    MAX_FILES,
    PreparedFile,
    open_original,
    prepare,
    scrub,
    sniff,
    strip_jpeg_metadata,
)
from workflows.vault import Vault, VaultError

CASE_ID = 7
# Every planted text value contains this marker (case-insensitive) or the name below.
MARK = "canary"
PLANTED_NAME = "张三"
IDENTIFYING_TAGS = {
    "Make", "Model", "Artist", "Author", "Creator", "Producer", "CreatorTool", "Software",
    "DateTimeOriginal", "CreateDate", "OwnerName", "CameraOwnerName", "Copyright",
}  # fmt: skip
# Groups that must not appear at all in a scrubbed copy (containers of metadata).
METADATA_GROUPS = ("IFD0", "IFD1", "ExifIFD", "GPS", "InteropIFD", "MakerNotes", "XMP",
                   "IPTC", "Photoshop", "ICC_Profile", "ICC-header", "ICC-meas", "ICC-view")
XMP_PACKET = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq>'
    "<rdf:li>{who}</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    '<?xpacket end="w"?>'
)


# --- fixtures built in the test --------------------------------------------------------------


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "CanaryMake"
    exif[ExifTags.Base.Model] = "CanaryModel X1"
    exif[ExifTags.Base.Artist] = f"Canary Artist {PLANTED_NAME}"
    exif[ExifTags.Base.Software] = "Canary Camera Firmware 1.0"
    exif[ExifTags.Base.Orientation] = 6  # rotate 90 CW: the scrubbed copy must be upright
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[ExifTags.Base.DateTimeOriginal] = "2024:05:06 07:08:09"
    sub[ExifTags.Base.BodySerialNumber] = "SN-CANARY-0042"
    sub[ExifTags.Base.LensSerialNumber] = "LENS-CANARY-7"
    sub[ExifTags.Base.CameraOwnerName] = "Canary Owner"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSVersionID] = b"\x02\x02\x00\x00"
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 35.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (114.0, 17.0, 45.25)
    return exif


def _photo() -> Image.Image:
    img = Image.new("RGB", (40, 20), "green")
    img.paste((200, 30, 30), (0, 0, 10, 20))  # a red band on the left, to see the rotation
    return img


def _srgb_icc() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return profile.tobytes()


def make_jpeg() -> bytes:
    """A phone photo: EXIF with GPS, serial numbers, make/model, artist, dates; XMP
    dc:creator; a JPEG comment; an ICC profile."""
    out = io.BytesIO()
    _photo().save(
        out,
        "JPEG",
        exif=_exif(),
        xmp=XMP_PACKET.format(who="Canary XMP Creator").encode(),
        comment=b"canary comment",
        icc_profile=_srgb_icc(),
    )
    return out.getvalue()


def make_png() -> bytes:
    """A screenshot: tEXt (Author, a canary), zTXt, iTXt (Chinese name), eXIf with GPS."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Canary PNG Author")
    info.add_text("Comment", "canary-ztxt", zip=True)
    info.add_itxt("Description", f"canary-itxt {PLANTED_NAME}", lang="zh", tkey="描述")
    out = io.BytesIO()
    _photo().save(out, "PNG", pnginfo=info, exif=_exif(), icc_profile=_srgb_icc())
    return out.getvalue()


def make_pdf(jpeg: bytes) -> bytes:
    """A letter: Info (Author, Creator, Producer), catalog XMP, a page with its own XMP and
    /PieceInfo, and two copies of the photo (with EXIF) as image XObjects, one plain DCT and
    one behind FlateDecode."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = ["Canary XMP Author"]
        meta["xmp:CreatorTool"] = "Canary XMP Tool"
    # After the XMP block, which would otherwise overwrite the Info entries.
    pdf.docinfo["/Author"] = f"Canary PDF Author {PLANTED_NAME}"
    pdf.docinfo["/Creator"] = "Canary Creator App"
    pdf.docinfo["/Producer"] = "Canary Producer 9"
    page = pdf.pages[0]
    images = {}
    for name, data, filters in (
        ("/Im0", jpeg, pikepdf.Name.DCTDecode),
        ("/Im1", zlib.compress(jpeg),
         pikepdf.Array([pikepdf.Name.FlateDecode, pikepdf.Name.DCTDecode])),
    ):
        image = pikepdf.Stream(pdf, data)
        image.Type = pikepdf.Name.XObject
        image.Subtype = pikepdf.Name.Image
        image.Width, image.Height = 40, 20
        image.ColorSpace = pikepdf.Name.DeviceRGB
        image.BitsPerComponent = 8
        image.Filter = filters
        images[name] = image
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(images))
    page.Contents = pdf.make_stream(
        b"q 40 0 0 20 10 10 cm /Im0 Do Q q 40 0 0 20 10 50 cm /Im1 Do Q")
    page.obj.PieceInfo = pikepdf.Dictionary(
        Canary=pikepdf.Dictionary(Private=pikepdf.String("canary-pieceinfo")))
    page_xmp = pikepdf.Stream(pdf, XMP_PACKET.format(who="Canary Page XMP").encode())
    page_xmp.Type = pikepdf.Name.Metadata
    page_xmp.Subtype = pikepdf.Name.XML
    page.obj.Metadata = page_xmp
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


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


def _zip(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


def make_docx() -> bytes:
    return _zip({
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
        '.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>",
        "word/document.xml": "<w:document/>",
        "docProps/core.xml": "<cp:coreProperties><dc:creator>Canary</dc:creator>"
        "</cp:coreProperties>",
    })


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    return make_jpeg()


@pytest.fixture(scope="module")
def png() -> bytes:
    return make_png()


@pytest.fixture(scope="module")
def pdf(jpeg: bytes) -> bytes:
    return make_pdf(jpeg)


@pytest.fixture
def vault() -> Vault:
    return Vault(os.urandom(32), "test")


# --- exiftool ---------------------------------------------------------------------------------


def _exiftool_binary() -> str:
    found = shutil.which("exiftool") or (
        "/usr/bin/exiftool" if os.path.exists("/usr/bin/exiftool") else None)
    if found is None:
        pytest.fail(
            "exiftool is not installed, and T2.4 cannot be judged without it: install "
            "libimage-exiftool-perl (apt-get install libimage-exiftool-perl)")
    return found


def exiftool(paths: list[Path]) -> list[dict[str, Any]]:
    run = subprocess.run(
        [_exiftool_binary(), "-j", "-a", "-G1", *map(str, paths)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert run.stdout, run.stderr
    records: list[dict[str, Any]] = json.loads(run.stdout)
    assert len(records) == len(paths), run.stderr
    return records


def _fields(record: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(group, tag, value) of the metadata exiftool found, without its own and the file
    system's bookkeeping."""
    for key, value in record.items():
        group, _, tag = key.partition(":")
        if key == "SourceFile" or group in ("ExifTool", "System"):
            continue
        yield group, tag, str(value)


def identifying(record: dict[str, Any]) -> list[str]:
    hits = []
    for group, tag, value in _fields(record):
        if (
            tag.startswith("GPS")
            or "Serial" in tag
            or tag in IDENTIFYING_TAGS
            or (group.startswith("XMP") and tag == "Creator")
            or MARK in value.lower()
            or PLANTED_NAME in value
        ):
            hits.append(f"{group}:{tag}={value}")
    return hits


def metadata_groups(record: dict[str, Any]) -> set[str]:
    return {g for g, _, _ in _fields(record) if g.startswith(METADATA_GROUPS)}


def _pdf_images(data: bytes) -> list[bytes]:
    """The JPEG streams inside a PDF, as JPEG files (behind any non-DCT filters)."""
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image:
                raw = obj.read_raw_bytes()
                if obj.get("/Filter") != pikepdf.Name.DCTDecode:
                    try:
                        raw = zlib.decompress(raw)
                    except zlib.error:
                        continue
                if raw.startswith(b"\xff\xd8"):
                    found.append(raw)
    return found


def _all_pdf_bytes(data: bytes) -> bytes:
    """The file plus every stream decoded as far as lossless filters go."""
    parts = [data]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                parts.append(obj.read_raw_bytes())
                with contextlib.suppress(pikepdf.PdfError):  # e.g. DCT: raw is enough
                    parts.append(obj.read_bytes())
    return b"".join(parts)


# --- T2.4: scrubbing --------------------------------------------------------------------------


def test_scrubbed_copies_hold_no_identifying_fields(
    jpeg: bytes, png: bytes, pdf: bytes, vault: Vault, tmp_path: Path
) -> None:
    originals = [jpeg, png, pdf]
    prepared = prepare(originals, vault, CASE_ID)
    assert [p.mime for p in prepared] == ["image/jpeg", "image/png", "application/pdf"]

    def files(kind: str, blobs: list[bytes]) -> list[Path]:
        paths = []
        for number, blob in enumerate(blobs):
            path = tmp_path / f"{kind}-{number}.bin"
            path.write_bytes(blob)
            paths.append(path)
        return paths

    # The JPEGs embedded in the PDF are judged too: exiftool does not open PDF streams.
    before = exiftool(files("original", [*originals, *_pdf_images(pdf)]))
    scrubbed = [p.scrubbed for p in prepared]
    after = exiftool(files("scrubbed", [*scrubbed, *_pdf_images(prepared[2].scrubbed)]))
    assert len(_pdf_images(pdf)) == 2 and len(_pdf_images(prepared[2].scrubbed)) == 1

    found_before = [hit for record in before for hit in identifying(record)]
    found_after = [hit for record in after for hit in identifying(record)]
    # The test can fail: exiftool sees every planted field in the originals.
    jpeg_hits, png_hits, pdf_hits = (set(identifying(r)) for r in before[:3])
    for expected in ("GPS:GPSLatitude", "GPS:GPSLongitude", "ExifIFD:SerialNumber",
                     "ExifIFD:LensSerialNumber", "IFD0:Make", "IFD0:Model", "IFD0:Artist",
                     "ExifIFD:DateTimeOriginal", "XMP-dc:Creator", "File:Comment"):
        assert any(h.startswith(expected + "=") for h in jpeg_hits), expected
    for expected in ("PNG:Author", "PNG:Comment", "PNG:Description-zh", "GPS:GPSLatitude"):
        assert any(h.startswith(expected + "=") for h in png_hits), expected
    for expected in ("PDF:Author", "PDF:Creator", "PDF:Producer", "XMP-dc:Creator"):
        assert any(h.startswith(expected + "=") for h in pdf_hits), expected
    assert "ICC_Profile" in metadata_groups(before[0])
    n = len(found_before)
    assert n >= 40, found_before
    assert found_after == [], f"{len(found_after)} / {n} identifying fields survived"
    assert all(metadata_groups(record) == set() for record in after), after
    # And no planted text anywhere in the bytes, whatever a tool chooses to report.
    for blob in [*scrubbed[:2], _all_pdf_bytes(scrubbed[2])]:
        assert MARK.encode() not in blob.lower()
        assert PLANTED_NAME.encode() not in blob and PLANTED_NAME.encode("utf-16-be") not in blob


def test_originals_are_kept_byte_identical_and_sealed(
    jpeg: bytes, png: bytes, pdf: bytes, vault: Vault
) -> None:
    originals = [jpeg, png, pdf]
    prepared = prepare(originals, vault, CASE_ID)
    for original, item in zip(originals, prepared, strict=True):
        assert item.size == len(original)
        assert item.original_sha256 == hashlib.sha256(original).hexdigest()
        assert item.scrubbed_sha256 == hashlib.sha256(item.scrubbed).hexdigest()
        assert original not in item.original_sealed
        assert open_original(_row(item, CASE_ID), vault) == original
        # Bound to its case: the same blob on another case does not open.
        with pytest.raises(VaultError):
            open_original(_row(item, CASE_ID + 1), vault)


def _row(item: PreparedFile, case_id: int) -> Attachment:
    return Attachment(
        case_id=case_id, mime=item.mime, size=item.size,
        original_sha256=item.original_sha256, original_sealed=item.original_sealed,
        scrubbed=item.scrubbed, scrubbed_sha256=item.scrubbed_sha256,
    )


def test_sealed_original_swapped_between_attachments_does_not_open(
    jpeg: bytes, png: bytes, vault: Vault
) -> None:
    first, second = prepare([jpeg, png], vault, CASE_ID)
    row = _row(first, CASE_ID)
    row.original_sealed = second.original_sealed
    with pytest.raises(VaultError):
        open_original(row, vault)


def test_images_are_turned_upright_and_stay_images(jpeg: bytes, png: bytes) -> None:
    for data, fmt in ((jpeg, "JPEG"), (png, "PNG")):
        with Image.open(io.BytesIO(scrub(data, sniff(data)))) as img:
            assert img.format == fmt
            assert img.size == (20, 40)  # EXIF orientation 6 applied, then dropped
            assert not img.getexif()
            assert "icc_profile" not in img.info
            red = img.convert("RGB").getpixel((10, 2))  # the left band is now on top
            assert isinstance(red, tuple) and red[0] > 150 > red[1]


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("1", "PNG"), ("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("RGBA", "PNG"),
     ("I;16", "PNG"), ("L", "JPEG"), ("CMYK", "JPEG")],
)
def test_every_common_pixel_format_survives(mode: str, fmt: str) -> None:
    img = Image.new(mode, (8, 6))
    if mode == "P":
        img.info["transparency"] = 0
    out = io.BytesIO()
    img.save(out, fmt)
    data = out.getvalue()
    with Image.open(io.BytesIO(scrub(data, sniff(data)))) as clean:
        assert clean.size == (8, 6)
        assert clean.format == fmt


def test_pdf_scrub_keeps_the_pages_and_drops_the_metadata(pdf: bytes) -> None:
    clean = scrub(pdf, "application/pdf")
    with pikepdf.open(io.BytesIO(clean)) as doc:
        assert len(doc.pages) == 1
        assert "/Info" not in doc.trailer
        assert "/Metadata" not in doc.Root
        page = doc.pages[0].obj
        assert "/Metadata" not in page and "/PieceInfo" not in page
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                assert "/Metadata" not in obj and "/PieceInfo" not in obj
        # The images still decode to the photo's pixels.
        images = list(doc.pages[0].get_images().values())
        assert len(images) == 2
        for image in images:
            pil = pikepdf.PdfImage(image).as_pil_image()
            assert pil.size == (40, 20)
    # Deterministic: the same upload scrubs to the same bytes (a stable scrubbed_sha256).
    assert scrub(pdf, "application/pdf") == clean


def test_pdf_embedded_files_and_javascript_are_removed(pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.attachments["张三-身份证.txt"] = pikepdf.AttachedFileSpec(doc, b"canary id card")
        doc.Root.OpenAction = pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('canary')"))
        out = io.BytesIO()
        doc.save(out)
    assert b"canary id card" in _all_pdf_bytes(out.getvalue())
    clean = scrub(out.getvalue(), "application/pdf")
    with pikepdf.open(io.BytesIO(clean)) as doc:
        assert len(doc.attachments) == 0
        assert "/OpenAction" not in doc.Root
    assert MARK.encode() not in _all_pdf_bytes(clean).lower()


def test_strip_jpeg_metadata_keeps_the_picture(jpeg: bytes) -> None:
    trailer = b"\xff\xd8\xff\xe1canary appended second image\xff\xd9"
    stripped = strip_jpeg_metadata(jpeg + trailer)
    assert b"Exif" not in stripped and b"canary" not in stripped.lower()
    assert b"ICC_PROFILE" not in stripped and b"xmpmeta" not in stripped
    assert stripped.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(jpeg)) as a, Image.open(io.BytesIO(stripped)) as b:
        assert a.tobytes() == b.tobytes()
    with pytest.raises(ValueError):
        strip_jpeg_metadata(b"\x89PNG")
    with pytest.raises(ValueError):
        strip_jpeg_metadata(jpeg[: len(jpeg) // 2])


# --- type from content ------------------------------------------------------------------------


def test_type_comes_from_content_not_from_a_name(png: bytes, pdf: bytes) -> None:
    # prepare() never sees a file name or a client Content-Type; nor does the table.
    assert "filename" not in prepare.__code__.co_varnames
    assert not [c for c in Attachment.__table__.columns.keys() if "name" in c]  # noqa: SIM118
    assert sniff(png) == "image/png"  # whatever the browser called it ("scan.pdf")
    assert sniff(pdf) == "application/pdf"


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    return out.getvalue()


REFUSED: dict[str, Callable[[bytes], bytes]] = {
    "pdf with a fake jpeg header": lambda pdf: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + pdf,
    "png header on a pdf": lambda pdf: b"\x89PNG\r\n\x1a\n" + pdf,
    "html": lambda _: b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "svg": lambda _: (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
                      b"<script>alert(1)</script></svg>"),
    "zip": lambda _: _zip({"a.txt": "hello"}),
    "docx": lambda _: make_docx(),
    "gif": lambda _: _gif(),
    "plain text": lambda _: "投诉内容".encode(),
    "damaged pdf": lambda _: b"%PDF-1.7\n" + bytes(range(256)) * 20,
}


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_other_types_and_disguised_files_are_refused(kind: str, pdf: bytes, vault: Vault) -> None:
    with pytest.raises(ValidationFailedError) as err:
        prepare([REFUSED[kind](pdf)], vault, CASE_ID)
    assert list(err.value.fields) == ["attachments"]
    assert err.value.fields["attachments"][0].startswith("file 1: ")


@pytest.mark.parametrize("user_password", ["secret", ""])
def test_encrypted_pdf_is_refused(pdf: bytes, vault: Vault, user_password: str) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        out = io.BytesIO()
        doc.save(out, encryption=pikepdf.Encryption(owner="owner", user=user_password))
    with pytest.raises(ValidationFailedError, match=r"password|encrypted") as err:
        prepare([out.getvalue()], vault, CASE_ID)
    assert list(err.value.fields) == ["attachments"]


def test_every_bad_file_is_named(png: bytes, vault: Vault) -> None:
    with pytest.raises(ValidationFailedError) as err:
        prepare([png, b"<html></html>", png, b""], vault, CASE_ID)
    messages = err.value.fields["attachments"]
    assert [m.split(":")[0].split(" is")[0] for m in messages] == ["file 2", "file 4"]


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
