"""Inputs the fuzzer found (tests/fuzz/targets.py), kept as regression tests. Stored as
base64 text in tests/data/fuzz/."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pikepdf
import pytest

from workflows.kernel import pdf_scrub

FOUND = Path(__file__).resolve().parents[1] / "data" / "fuzz"


def found(name: str) -> bytes:
    return base64.b64decode((FOUND / name).read_text())


def test_a_catalog_hidden_in_a_content_stream_never_becomes_the_copy_s_catalog() -> None:
    """A damaged PDF whose page content carries the text of a catalog with an /OpenAction
    JavaScript: the cleaned copy lacked /Size in its trailer, so every reader rebuilt it and
    took the hidden catalog (with the JavaScript) as the document's."""
    data = found("pdf_hidden_catalog.b64")
    try:
        cleaned = pdf_scrub.scrub_pdf(data)
    except pdf_scrub.RefusedError:
        return  # refused: nothing is stored
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:  # as a forgiving reader opens it
        assert "/OpenAction" not in pdf.Root
        assert "/Names" not in pdf.Root or "/JavaScript" not in pdf.Root.Names


def test_an_ordinary_pdf_still_passes() -> None:
    from tests.unit import upload_samples

    cleaned = pdf_scrub.scrub_pdf(upload_samples.make_pdf(upload_samples.make_jpeg()))
    with pikepdf.open(io.BytesIO(cleaned), attempt_recovery=False) as pdf:
        assert len(pdf.pages) == 1


@pytest.mark.parametrize("name", sorted(p.name for p in FOUND.glob("pdf_*.b64")))
def test_every_kept_input_is_refused_or_clean(name: str) -> None:
    data = found(name)
    try:
        cleaned = pdf_scrub.scrub_pdf(data)
    except pdf_scrub.RefusedError:
        return
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert "/OpenAction" not in pdf.Root


def test_a_model_that_breaks_the_parser_s_xpath_is_a_process_error() -> None:
    """A mutated DMN made SpiffWorkflow's XPath raise lxml's XPathEvalError, which escaped
    the parser (a 500 at deploy)."""
    from workflows.kernel import engine
    from workflows.kernel.errors import ProcessError

    text = found("dmn_undefined_prefix.b64").decode("utf-8", "replace")
    defn = engine.ProcessDefinition("fuzz", "fuzz-xpath", {"fuzz.dmn": text})
    with pytest.raises(ProcessError):
        engine.user_tasks(defn)
