"""Hostile uploads built in the test (no binary files in git): decompression bombs that are
a few kilobytes on the wire and gigabytes once decoded (issue 17, finding 1)."""

from __future__ import annotations

import io
import zlib

import pikepdf
from PIL import Image

BOMB_SIDE = 20000


def grey_jpeg(width: int, height: int) -> bytes:
    """A mid-grey baseline JPEG of any size without ever holding its pixels: every 8x8 block
    of grey 128 is "DC difference 0, end of block" (6 bits with the standard tables), so the
    scan is one 3-byte pattern repeated (4 blocks per 3 bytes)."""
    out = io.BytesIO()
    Image.new("L", (8, 8), 128).save(out, "JPEG", quality=75)
    small = out.getvalue()
    sof = small.index(b"\xff\xc0")
    header = bytearray(small[: small.index(b"\xff\xda")])
    header[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    sos_len = int.from_bytes(small[small.index(b"\xff\xda") + 2 :][:2], "big")
    sos = small[small.index(b"\xff\xda") :][: 2 + sos_len]
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    bits = "001010" * blocks
    bits += "1" * (-len(bits) % 8)
    if blocks % 4 == 0:
        scan = b"\x28\xa2\x8a" * (blocks // 4)
    else:
        scan = int(bits, 2).to_bytes(len(bits) // 8, "big")
    return bytes(header) + sos + scan + b"\xff\xd9"


def pdf_with_image(data: bytes, filters: list[pikepdf.Name], width: int, height: int,
                   colour: pikepdf.Name = pikepdf.Name.DeviceGray) -> bytes:
    """A one-page PDF showing one image XObject with the given (already encoded) data."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    image = pikepdf.Stream(pdf, data)
    image.Type = pikepdf.Name.XObject
    image.Subtype = pikepdf.Name.Image
    image.Width, image.Height = width, height
    image.ColorSpace = colour
    image.BitsPerComponent = 8
    image.Filter = filters[0] if len(filters) == 1 else pikepdf.Array(filters)
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pdf.make_stream(b"q 200 0 0 200 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def pdf_jpeg_bomb(side: int = BOMB_SIDE) -> bytes:
    """The reported attack: a side x side grey JPEG behind FlateDecode (about 6 KB)."""
    jpeg = grey_jpeg(side, side)
    return pdf_with_image(zlib.compress(jpeg, 9),
                          [pikepdf.Name.FlateDecode, pikepdf.Name.DCTDecode], side, side)


def pdf_flate_bomb(side: int = BOMB_SIDE) -> bytes:
    """A side x side grey image of raw samples behind FlateDecode (zlib's 1000:1)."""
    packer = zlib.compressobj(9)
    row = bytes(side)
    parts = [packer.compress(row) for _ in range(side)] + [packer.flush()]
    return pdf_with_image(b"".join(parts), [pikepdf.Name.FlateDecode], side, side)


def pdf_lying_flate_bomb(side: int = BOMB_SIDE) -> bytes:
    """A small image dictionary (8 x 8) whose Flate data holds side x side bytes: the
    dictionary lies, so only a bounded decompression can tell."""
    packer = zlib.compressobj(9)
    row = bytes(side)
    parts = [packer.compress(row) for _ in range(side)] + [packer.flush()]
    return pdf_with_image(b"".join(parts), [pikepdf.Name.FlateDecode], 8, 8)
