"""T4.9 — atheris (libFuzzer for Python) on the parsers of untrusted input: images, the JPEG
segment reader, the PDF scrubber and the BPMN/DMN parser (tests/fuzz/targets.py).

Each target runs JIANFU_FUZZ_SECONDS (default 10 in `make test`; the catalogue's 60 or more
by hand) from a seed corpus of real files, and must end without a crash. The broken variant,
a JPEG reader that trusts segment lengths, must be caught within a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit import hostile_corpus, upload_samples

ROOT = Path(__file__).resolve().parents[2]
SECONDS = int(os.environ.get("JIANFU_FUZZ_SECONDS", "10"))


def seeds(target: str, folder: Path) -> Path:
    folder.mkdir()
    jpeg = upload_samples.make_jpeg()
    files: dict[str, bytes] = {}
    if target in ("images", "jpeg", "jpeg_mutant"):
        files = {"photo.jpg": jpeg, "comment.jpg": hostile_corpus.jpeg_comment_payload()}
        if target == "images":
            files["image.png"] = upload_samples.make_png()
    elif target == "pdf":
        files = {"photo.pdf": upload_samples.make_pdf(jpeg),
                 "js.pdf": hostile_corpus.pdf_javascript(),
                 "attached.pdf": hostile_corpus.pdf_embedded_file()}
    elif target == "bpmn":
        files = {p.name: p.read_bytes() for p in sorted((ROOT / "bpmn").glob("*.dmn"))}
        files["small.bpmn"] = hostile_corpus.bpmn().encode()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def fuzz(target: str, seconds: int, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    corpus = seeds(target, tmp_path / "seeds")
    return subprocess.run(
        [sys.executable, "-m", "tests.fuzz.targets", target, f"-max_total_time={seconds}",
         "-rss_limit_mb=1024", "-timeout=20", "-print_final_stats=1",
         f"-artifact_prefix={tmp_path}/", str(corpus)],
        cwd=ROOT, capture_output=True, text=True, timeout=seconds + 120, check=False)


@pytest.mark.parametrize("target", ["images", "jpeg", "pdf", "bpmn"])
def test_a_target_survives_the_fuzzer(target: str, tmp_path: Path) -> None:
    done = fuzz(target, SECONDS, tmp_path)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    runs = [line for line in done.stderr.splitlines() if "stat::number_of_executed_units" in line]
    assert runs and int(runs[0].split(":")[-1]) > 50, done.stderr[-2000:]
    assert not list(tmp_path.glob("crash-*"))


def test_the_broken_jpeg_reader_is_caught(tmp_path: Path) -> None:
    done = fuzz("jpeg_mutant", 60, tmp_path)
    assert done.returncode != 0
    assert "AssertionError" in done.stdout + done.stderr, done.stderr[-2000:]
    assert list(tmp_path.glob("crash-*")), "libFuzzer kept no input that shows the crash"
