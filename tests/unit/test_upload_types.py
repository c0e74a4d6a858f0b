"""T2.4: an upload's type comes from its content; other types, disguised, encrypted and
damaged files are refused, each bad file named."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pikepdf
import pytest
from PIL import Image

from models import Attachment
from tests.unit.upload_samples import CASE_ID
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.uploads import prepare, sniff
from workflows.kernel.vault import Vault


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
