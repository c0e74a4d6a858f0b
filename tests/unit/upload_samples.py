"""T2.4: uploads are typed by content, scrubbed of identifying metadata, and kept as sealed
originals (test_upload_scrubbing.py, test_upload_sealing.py, test_upload_types.py,
test_upload_limits.py). Every sample file is built here (no binary files in git); the
fixtures `jpeg`, `png`, `pdf` and `vault` are in tests/unit/conftest.py.
"""

from __future__ import annotations

import io
import zlib

import pikepdf
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

CASE_ID = 7
# Every planted text value contains this marker (case-insensitive) or the name below.
MARK = "canary"
PLANTED_NAME = "张三"
XMP_PACKET = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq>'
    "<rdf:li>{who}</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    '<?xpacket end="w"?>'
)


# --- sample files built in the test ---------------------------------------------------------


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
