"""T4.9's corpus of hostile inputs, built in code (no binary files in git): uploads that are
bombs of every accepted type, polyglots and malformed files; BPMN and DMN files that try
entities, external fetches, giant or deep documents and script escapes.

Every upload must be refused (ValidationFailedError) or come out harmless (tests/unit/
test_hostile_inputs.py says what harmless means for each kind)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable

import pikepdf
from PIL import Image

from tests.unit import upload_bombs

# Bytes that must never survive into a file shown to departments.
PAYLOAD = b"<script>alert('jianfu-polyglot')</script>"


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def _zeros_deflated(size: int) -> bytes:
    packer = zlib.compressobj(9)
    block = b"\0" * (1 << 20)
    out = [packer.compress(block) for _ in range(size >> 20)]
    return b"".join(out) + packer.flush()


def png_pixel_bomb(side: int = 60000) -> bytes:
    """side x side 1-bit PNG whose IDAT is deflated zeros (a few hundred KB)."""
    row = 1 + (side + 7) // 8
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", _zeros_deflated(row * side)) + _png_chunk(b"IEND", b""))


def _small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 30)).save(out, "PNG")
    return out.getvalue()


def png_text_bomb() -> bytes:
    """A 16x16 PNG with a zTXt chunk that inflates to 256 MiB."""
    png = _small_png()
    ztxt = _png_chunk(b"zTXt", b"Comment\0\0" + _zeros_deflated(256 << 20))
    end = png.index(b"IEND") - 4
    return png[:end] + ztxt + png[end:]


def png_icc_bomb() -> bytes:
    """A 16x16 PNG whose iCCP profile inflates to 256 MiB."""
    png = _small_png()
    iccp = _png_chunk(b"iCCP", b"icc\0\0" + _zeros_deflated(256 << 20))
    ihdr_end = 8 + 25
    return png[:ihdr_end] + iccp + png[ihdr_end:]


def _small_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def jpeg_lying_size() -> bytes:
    """A tiny JPEG whose frame header claims 65500 x 65500 pixels."""
    data = bytearray(_small_jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5: sof + 9] = struct.pack(">HH", 65500, 65500)
    return bytes(data)


def jpeg_truncated() -> bytes:
    data = _small_jpeg()
    return data[: len(data) // 2]


def jpeg_zip_polyglot() -> bytes:
    """A valid JPEG followed by a ZIP holding an HTML page (a 'GIFAR'-style polyglot)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("index.html", PAYLOAD)
    return _small_jpeg() + archive.getvalue()


def jpeg_comment_payload() -> bytes:
    """A JPEG with a COM segment carrying markup and an APP13 (Photoshop) block."""
    data = _small_jpeg()
    com = b"\xff\xfe" + struct.pack(">H", len(PAYLOAD) + 2) + PAYLOAD
    app13 = b"\xff\xed" + struct.pack(">H", len(PAYLOAD) + 2) + PAYLOAD
    return data[:2] + com + app13 + data[2:]


def png_after_iend() -> bytes:
    return _small_png() + PAYLOAD


def _pdf(build: Callable[[pikepdf.Pdf], None]) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    build(pdf)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def pdf_javascript() -> bytes:
    def build(pdf: pikepdf.Pdf) -> None:
        js = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(PAYLOAD.decode()))
        pdf.Root.OpenAction = pdf.make_indirect(js)
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("a"), pdf.make_indirect(js)])))
        launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
        pdf.pages[0].AA = pikepdf.Dictionary(O=pdf.make_indirect(launch))
    return _pdf(build)


def pdf_embedded_file() -> bytes:
    def build(pdf: pikepdf.Pdf) -> None:
        attached = pikepdf.AttachedFileSpec(pdf, PAYLOAD, filename="x.html")
        pdf.attachments["x.html"] = attached
    return _pdf(build)


def pdf_page_loop() -> bytes:
    """A page tree whose Kids include the tree itself."""
    def build(pdf: pikepdf.Pdf) -> None:
        pages = pdf.Root.Pages
        pages.Kids.append(pages)
        pages.Count = 2
    return _pdf(build)


def pdf_deep_nesting(depth: int = 50000) -> bytes:
    body = b"[" * depth + b"]" * depth
    return (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /X " + body + b" >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def pdf_garbage() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


def html_as_jpeg() -> bytes:
    return b"<!DOCTYPE html><html>" + PAYLOAD + b"</html>"


def svg_script() -> bytes:
    return (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
            b"<rect width='10' height='10'/></svg>")


def zip_bomb() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros", b"\0" * (64 << 20))
    return archive.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, "GIF")
    return out.getvalue()


UPLOADS: dict[str, Callable[[], bytes]] = {
    "jpeg pixel bomb (20000x20000 grey)": lambda: upload_bombs.grey_jpeg(20000, 20000),
    "png pixel bomb (60000x60000, 1 bit)": png_pixel_bomb,
    "png zTXt bomb (256 MiB)": png_text_bomb,
    "png iCCP bomb (256 MiB)": png_icc_bomb,
    "pdf with a jpeg bomb": upload_bombs.pdf_jpeg_bomb,
    "pdf flate bomb": upload_bombs.pdf_flate_bomb,
    "pdf lying flate bomb": upload_bombs.pdf_lying_flate_bomb,
    "jpeg claiming 65500x65500": jpeg_lying_size,
    "truncated jpeg": jpeg_truncated,
    "jpeg + zip polyglot": jpeg_zip_polyglot,
    "jpeg with markup in COM and APP13": jpeg_comment_payload,
    "png with bytes after IEND": png_after_iend,
    "pdf with javascript and launch actions": pdf_javascript,
    "pdf with an embedded html file": pdf_embedded_file,
    "pdf page tree loop": pdf_page_loop,
    "pdf nested 50000 deep": pdf_deep_nesting,
    "pdf header then garbage": pdf_garbage,
    "html": html_as_jpeg,
    "svg with script": svg_script,
    "zip bomb": zip_bomb,
    "gif": gif,
    "empty": lambda: b"",
    "one byte": lambda: b"\xff",
}


# ----------------------------------------------------------------- BPMN and DMN

BPMN_HEAD = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
             'id="d" targetNamespace="https://jianfu.example/hostile">')
PROCESS = ('<bpmn:process id="hostile" isExecutable="true">'
           '<bpmn:startEvent id="s"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>'
           '<bpmn:scriptTask id="x"><bpmn:incoming>f</bpmn:incoming>'
           '<bpmn:outgoing>g</bpmn:outgoing><bpmn:script>{script}</bpmn:script>'
           '</bpmn:scriptTask>'
           '<bpmn:endEvent id="e"><bpmn:incoming>g</bpmn:incoming></bpmn:endEvent>'
           '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="x"/>'
           '<bpmn:sequenceFlow id="g" sourceRef="x" targetRef="e"/></bpmn:process>')


def bpmn(script: str = "y = 1", doctype: str = "", name_in_doc: str = "hostile") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}{BPMN_HEAD}'
            f'{PROCESS.format(script=script).replace("hostile", name_in_doc)}'
            "</bpmn:definitions>")


LAUGHS = ('<!DOCTYPE d [<!ENTITY a "lollollollollollollollollollol">'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                    for i in range(9))
          + "]>")


def hostile_bpmn(port: int) -> dict[str, str | bytes]:
    """Files a deploy must refuse or keep harmless; `port` is a local socket that an external
    fetch would reach (the test checks nothing connects)."""
    return {
        "entity reading /etc/passwd": bpmn(
            script="y = '&xxe;'",
            doctype='<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
        "billion laughs": bpmn(script="y = '&j;'", doctype=LAUGHS),
        "external DTD over the network": bpmn(
            doctype=f'<!DOCTYPE d SYSTEM "http://127.0.0.1:{port}/evil.dtd">'),
        "external entity over the network": bpmn(
            script="y = '&net;'",
            doctype=f'<!DOCTYPE d [<!ENTITY net SYSTEM "http://127.0.0.1:{port}/x">]>'),
        "parameter entity over the network": bpmn(
            doctype=f'<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p"> %p;]>'),
        "xinclude": bpmn(script="y = 1").replace(
            "<bpmn:process", f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
            f'href="http://127.0.0.1:{port}/inc"/><bpmn:process', 1),
        "nested 100000 deep": bpmn().replace(
            "</bpmn:definitions>", "<a>" * 100000 + "</a>" * 100000 + "</bpmn:definitions>"),
        "larger than the limit": bpmn().replace(
            "</bpmn:definitions>", "<!--" + "x" * (3 << 20) + "--></bpmn:definitions>"),
        "not UTF-8": bpmn(script="y = 'é'").encode("utf-16"),
        "not XML": "this is not a process",
        "script importing os": bpmn(script="import os; os.system('touch /tmp/jianfu-pwned')"),
        "script reaching builtins": bpmn(
            script="y = ().__class__.__bases__[0].__subclasses__()"),
    }
