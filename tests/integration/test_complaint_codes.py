"""The complainant's receipt code at the service (T2.3): unknown and malformed codes get
the same answer after the same work, and random guesses open nothing (the web layer adds
the throttle on top)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.integration.complaint_world import (
    T0,
    filing,
)
from tests.integration.complaint_world import (
    settings as settings,  # fixture
)
from tests.integration.complaint_world import (
    world as world,  # fixture
)
from workflows.complaints import filing as complaints
from workflows.complaints import tracking as complaint_tracking
from workflows.complaints.filing import ComplaintSettings
from workflows.complaints.receipts import ReceiptHasher
from workflows.kernel.errors import NotFoundError


def test_unknown_and_malformed_codes_get_the_same_answer(world: Session,
                                                         settings: ComplaintSettings) -> None:
    s = world
    complaints.file_complaint(s, filing(s), [], settings=settings, now=T0)
    for guess in ("0000000000000000", "12345", "abcd efgh ijkl mnop", ""):
        with pytest.raises(NotFoundError) as err:
            complaint_tracking.case_for_code(s, guess, settings)
        assert str(err.value) == "no complaint has this receipt code"


def test_ten_thousand_guesses_find_nothing(world: Session, settings: ComplaintSettings) -> None:
    """T2.3 at the service: 10,000 random codes against a database with complaints open no
    complaint (the web layer adds the throttle on top)."""
    import secrets

    s = world
    real = {complaints.file_complaint(s, filing(s), [], settings=settings, now=T0).code
            for _ in range(3)}
    hits = 0
    for _ in range(10_000):
        guess = f"{secrets.randbelow(10**16):016d}"
        if guess in real:
            continue
        try:
            complaint_tracking.case_for_code(s, guess, settings)
            hits += 1
        except NotFoundError:
            pass
    assert hits == 0


def test_lookup_time_does_not_tell_malformed_from_unknown(world: Session,
                                                          settings: ComplaintSettings) -> None:
    """T2.3 / ASVS 6.3.8: a well-formed unknown code and a malformed one cost the same
    Argon2id work; the medians differ by less than 5 ms over 300 samples each."""
    import statistics
    import time

    s = world
    real = complaints.file_complaint(s, filing(s), [], settings=settings, now=T0).code
    wrong = real[:-1] + str((int(real[-1]) + 1) % 10)

    def timed(code: str) -> float:
        start = time.perf_counter()
        with pytest.raises(NotFoundError):
            complaint_tracking.case_for_code(s, code, settings)
        return time.perf_counter() - start

    slow = ComplaintSettings(hasher=ReceiptHasher(b"complaint-tests-salt", time_cost=1,
                                                  memory_cost_kib=8192, parallelism=1),
                             vault=settings.vault)
    settings = slow
    unknown = [timed(wrong) for _ in range(300)]
    malformed = [timed("12ab") for _ in range(300)]
    assert abs(statistics.median(unknown) - statistics.median(malformed)) < 0.005
