"""Atheris fuzz targets (T4.9): `python -m tests.fuzz.targets TARGET [libFuzzer options]`.

Each target feeds the fuzzer's bytes to one parser of untrusted input and accepts only the
refusals that parser documents; any other exception, or a broken invariant, is a crash that
libFuzzer reports with the input that caused it. `jpeg_mutant` is the deliberately broken
variant: a JPEG segment reader that trusts the length field, which the harness must catch.
tests/unit/test_fuzzing.py runs them (JIANFU_FUZZ_SECONDS per target).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable

import atheris

with atheris.instrument_imports(include=["workflows.kernel"]):
    import pikepdf

    from workflows.kernel import engine, jpeg_segments, pdf_limits, pdf_scrub, uploads
    from workflows.kernel.engine import specs
    from workflows.kernel.errors import ProcessError, ValidationFailedError


def images(data: bytes) -> None:
    """Content sniffing, then the image scrubber (decode, pixel cap, re-encode)."""
    try:
        mime = uploads.sniff(data)
        if mime == "application/pdf":
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = uploads.scrub(data, mime)
    except ValidationFailedError:
        return
    assert uploads.sniff(out) == mime


def _check_segments(data: bytes, segments: list[tuple[int, int, int]]) -> None:
    for _marker, start, end in segments:
        assert 0 <= start < end <= len(data), (start, end, len(data))


def jpeg(data: bytes) -> None:
    """The segment reader used on JPEG data inside PDFs: frame size and metadata stripping."""
    try:
        _check_segments(data, jpeg_segments._segments(data))
        jpeg_segments.jpeg_dimensions(data)
        out = jpeg_segments.strip_jpeg_metadata(data)
    except ValueError:
        return
    assert out[:2] == b"\xff\xd8"


def _trusting_segments(data: bytes) -> list[tuple[int, int, int]]:
    """The broken variant: the length field is believed without comparing it to the data."""
    found, pos = [], 2
    while pos + 4 <= len(data):
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2: pos + 4], "big")
        found.append((marker, pos, pos + 2 + length))
        if marker == 0xDA:  # the scan follows: stop, as the real reader does
            break
        pos += 2 + length
    return found


def jpeg_mutant(data: bytes) -> None:
    if data[:2] != b"\xff\xd8":
        return
    _check_segments(data, _trusting_segments(data))


def pdf(data: bytes) -> None:
    """The PDF scrubber, in this process (production runs it in a capped child process)."""
    try:
        out = pdf_scrub.scrub_pdf(data)
    except (pdf_scrub.RefusedError, pdf_limits.TooLargeError):
        return
    with pikepdf.open(__import__("io").BytesIO(out)) as cleaned:
        assert "/OpenAction" not in cleaned.Root
        assert "/Names" not in cleaned.Root or "/JavaScript" not in cleaned.Root.Names


def bpmn(data: bytes) -> None:
    """The hardened BPMN/DMN parser that deploys go through."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    name = "fuzz.dmn" if b"dmn" in data[:200] else "fuzz.bpmn"
    defn = engine.ProcessDefinition("fuzz", f"f{hash(data)}", {name: text})
    try:
        engine.user_tasks(defn)
    except ProcessError:
        return
    finally:
        specs._SPECS.clear()  # the parse cache would keep every input the fuzzer makes


TARGETS: dict[str, Callable[[bytes], None]] = {
    "images": images, "jpeg": jpeg, "jpeg_mutant": jpeg_mutant, "pdf": pdf, "bpmn": bpmn}


def main() -> None:
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
