#!/usr/bin/env python3
"""Benchmark of the complaint desk's public path, on a fresh SQLite file with the demo data:

  filing   file_complaint with the production Argon2id cost (64 MiB, t=3), anonymous, with
           0 or 1 phone photo (a 12-megapixel JPEG with EXIF GPS, scrubbed before the lock);
  lookup   case_for_code + track for a right code (one Argon2id hash + the status query);
  wrong    case_for_code for a wrong code (the same hash, no row);
Scrubbing and the Argon2id hash run before the write lock; the rest of a filing is the
command itself (insert, engine start, event).

Prints the median and p95 in ms. Usage: python bench/complaint_bench.py [--n 30]
This is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image

import models
from models.db import make_engine, make_sessionmaker
from workflows import features
from workflows.complaints import filing as complaints
from workflows.complaints import tracking as complaint_tracking
from workflows.complaints.filing import ComplaintSettings
from workflows.complaints.receipts import ReceiptHasher
from workflows.demo import loader as demo
from workflows.kernel import orgs, uploads
from workflows.kernel.errors import NotFoundError
from workflows.kernel.vault import Vault, generate_key

features.install()
BPMN = Path(__file__).resolve().parent.parent / "bpmn"


def phone_photo() -> bytes:
    size = (4000, 3000)
    noise = Image.effect_noise(size, 12)
    base = Image.radial_gradient("L").resize(size)
    image = Image.merge("RGB", (base, Image.blend(base, noise, 0.3), noise))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "PhoneMaker", "Model X"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def stats(name: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{name:<28} median {statistics.median(ms):8.1f} ms   p95 {p95:8.1f} ms   n={len(ms)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    engine = make_engine(f"sqlite:///{folder}/bench.db")
    models.Base.metadata.create_all(engine)
    make = make_sessionmaker(engine)
    settings = ComplaintSettings(hasher=ReceiptHasher(b"bench-salt-16byt"),
                                 vault=Vault.from_config(generate_key()))
    photo = phone_photo()
    print(f"photo: {len(photo) / 1e6:.1f} MB JPEG, 12 MP")
    with make() as s:
        demo.load(s, BPMN, complaint_settings=settings)
        village = orgs.by_code(s, "dgz-v2")
        assert village is not None
        fields = {"category": "too_many_forms", "town_id": village.parent_id,
                  "village_id": village.id, "anonymous": True,
                  "description": "镇里要求每个村每周上报三张内容重复的统计表格。"}
        plain, with_photo, lookups, wrong, scrub = [], [], [], [], []
        codes = []
        for _ in range(args.n):
            t = time.perf_counter()
            codes.append(complaints.file_complaint(s, dict(fields), [], settings=settings).code)
            plain.append(time.perf_counter() - t)
        for _ in range(max(3, args.n // 5)):
            t = time.perf_counter()
            uploads.check_all([photo])
            scrub.append(time.perf_counter() - t)
            t = time.perf_counter()
            complaints.file_complaint(s, dict(fields), [photo], settings=settings)
            with_photo.append(time.perf_counter() - t)
        for code in codes:
            t = time.perf_counter()
            complaint_tracking.track(s, complaint_tracking.case_for_code(s, code, settings))
            lookups.append(time.perf_counter() - t)
            t = time.perf_counter()
            with contextlib.suppress(NotFoundError):
                complaint_tracking.case_for_code(s, code[::-1], settings)
            wrong.append(time.perf_counter() - t)
    stats("filing, no files", plain)
    stats("filing, one 12 MP photo", with_photo)
    stats("  of which scrubbing (no lock)", scrub)
    hashes = []
    for code in codes:
        t = time.perf_counter()
        settings.hasher.hash(code)
        hashes.append(time.perf_counter() - t)
    stats("  of which Argon2id (no lock)", hashes)
    stats("lookup + tracking, right code", lookups)
    stats("lookup, wrong code", wrong)


if __name__ == "__main__":
    main()
