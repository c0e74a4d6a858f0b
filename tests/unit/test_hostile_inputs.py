"""T4.9 — hostile inputs (tests/unit/hostile_corpus.py): 100 % of the uploads are refused or
come out harmless, 100 % of the hostile BPMN/DMN files are refused at deploy or harmless when
run, nothing reaches the network, and the process that handles them stays under 256 MB.

Harmless means: the stored copy is a JPEG, PNG or PDF that carries none of the corpus's
payload bytes, and a PDF has no JavaScript, launch or open actions and no embedded files; a
model that deploys cannot run code outside the sandbox nor read a file."""

from __future__ import annotations

import multiprocessing
import resource
import socket
import threading
from datetime import UTC, datetime
from typing import Any

import pikepdf
import pytest

from tests.unit import hostile_corpus as corpus
from workflows.kernel import engine, uploads
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.errors import ProcessError, ScriptSecurityError, ValidationFailedError

RSS_LIMIT_MB = 256
PDF_FORBIDDEN = ("/JavaScript", "/JS", "/Launch", "/EmbeddedFiles", "/EmbeddedFile",
                 "/OpenAction", "/AA", "/SubmitForm", "/ImportData", "/RichMedia")


def _check_uploads(items: dict[str, bytes], out: Any) -> None:
    """In a child process: each item through the real upload check; the child's peak RSS."""
    results: dict[str, tuple[str, str, bytes]] = {}
    for name, data in items.items():
        try:
            (checked,) = uploads.check_all([data])
            results[name] = ("accepted", checked.mime, checked.scrubbed)
        except ValidationFailedError as err:
            results[name] = ("refused", str(err), b"")
        except Exception as err:  # anything else is a finding
            results[name] = ("crashed", f"{type(err).__name__}: {err}"[:300], b"")
    out.put((results, _peak_mb(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024))


def _peak_mb() -> int:
    """This process's own peak RSS since it started its program (VmHWM): ru_maxrss would also
    count the parent's pages the child held between fork and exec (pytest's, hundreds of MB
    late in a run)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


@pytest.fixture(scope="module")
def upload_outcomes() -> tuple[dict[str, tuple[str, str, bytes]], int, int]:
    items = {name: make() for name, make in corpus.UPLOADS.items()}
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_check_uploads, args=(items, queue))
    child.start()
    outcome = queue.get(timeout=300)
    child.join(timeout=30)
    return outcome  # type: ignore[no-any-return]


def _pdf_problems(data: bytes) -> list[str]:
    found = []
    with pikepdf.open(__import__("io").BytesIO(data)) as pdf:
        for obj in pdf.objects:
            text = repr(obj) if isinstance(obj, pikepdf.Dictionary) else ""
            found += [key for key in PDF_FORBIDDEN if f"{key}'" in text or f"{key} " in text
                      or f"Name('{key}')" in text or f'"{key}"' in text]
        if len(pdf.attachments):
            found.append("attachments")
    return found


@pytest.mark.parametrize("name", sorted(corpus.UPLOADS))
def test_each_upload_is_refused_or_harmless(name: str, upload_outcomes: Any) -> None:
    results, _own, _helpers = upload_outcomes
    verdict, detail, stored = results[name]
    assert verdict != "crashed", f"{name}: {detail}"
    if verdict == "refused":
        assert detail  # the message names the file and why
        return
    assert detail in uploads.ALLOWED_MIMES, name
    assert uploads.sniff(stored) == detail
    assert corpus.PAYLOAD not in stored, f"{name}: the payload survived"
    assert b"PK\x03\x04" not in stored, f"{name}: an archive survived"
    if detail == "application/pdf":
        assert _pdf_problems(stored) == [], name


def test_the_bombs_are_refused(upload_outcomes: Any) -> None:
    results, _own, _helpers = upload_outcomes
    bombs = [n for n in corpus.UPLOADS if "bomb" in n or "65500" in n]
    assert len(bombs) >= 8
    accepted = [n for n in bombs if results[n][0] != "refused"]
    assert accepted == [], accepted


def test_handling_the_corpus_stays_under_256_mb(upload_outcomes: Any) -> None:
    _results, own, helpers = upload_outcomes
    assert own < RSS_LIMIT_MB, f"the checking process peaked at {own} MB"
    assert helpers < RSS_LIMIT_MB, f"the PDF scrubbing process peaked at {helpers} MB"


# ----------------------------------------------------------------- BPMN and DMN


class Listener:
    """A local TCP socket that counts connections: an external fetch would land here."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


def _deploy_check(source: str | bytes) -> tuple[str, str]:
    """What the deploy path does with the file: ('refused', why) or ('accepted', '')."""
    from workflows.admin.versions import _text

    try:
        text = _text("hostile.bpmn", source if isinstance(source, bytes) else source.encode())
        defn = engine.ProcessDefinition("hostile", f"h{hash(text)}", {"hostile.bpmn": text})
        engine.user_tasks(defn)
    except (ValidationFailedError, ProcessError) as err:
        return "refused", str(err)
    return "accepted", text


def test_hostile_models_are_refused_or_harmless() -> None:
    listener = Listener()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    try:
        outcomes = {name: _deploy_check(source)
                    for name, source in corpus.hostile_bpmn(listener.port).items()}
        ran: dict[str, str] = {}
        for name, (verdict, text) in outcomes.items():
            if verdict != "accepted":
                continue
            defn = engine.ProcessDefinition("hostile", f"h{hash(text)}", {"hostile.bpmn": text})
            try:
                result = engine.start(defn, {}, seed="hostile", calendar=WorkCalendar(),
                                      now=datetime(2026, 3, 6, 2, tzinfo=UTC))
                ran[name] = repr(result.data)
            except (ScriptSecurityError, ProcessError) as err:
                ran[name] = f"refused at run: {err}"
    finally:
        listener.close()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    assert listener.connections == 0, "a model reached the network"
    for name in ("script importing os", "script reaching builtins"):
        assert ran.get(name, "").startswith("refused at run") or \
            outcomes[name][0] == "refused", (name, ran.get(name))
    for name, shown in ran.items():
        assert "root:" not in shown, f"{name}: a file was read into the case"
    for name, (verdict, why) in outcomes.items():
        assert "root:" not in why, f"{name}: a file was read into the error"
        if name in ("larger than the limit", "not UTF-8", "not XML", "nested 100000 deep",
                    "billion laughs"):
            assert verdict == "refused", name
    assert after - before < RSS_LIMIT_MB


def test_the_harmlessness_checks_see_what_they_look_for() -> None:
    """Guard: the checks above flag the corpus's own unscrubbed files."""
    assert {"/JavaScript", "/Launch", "/OpenAction"} <= set(_pdf_problems(corpus.pdf_javascript()))
    assert "attachments" in _pdf_problems(corpus.pdf_embedded_file())
    assert corpus.PAYLOAD in corpus.png_after_iend()
    assert b"PK\x03\x04" in corpus.jpeg_zip_polyglot()
