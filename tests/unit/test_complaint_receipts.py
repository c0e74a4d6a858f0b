"""Receipt codes (T2.3, the parts that live below the web layer): generation, formatting,
parsing, the Argon2id lookup hash and the documented entropy."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest

from workflows.complaints import receipts
from workflows.complaints.receipts import (
    ENTROPY_BITS,
    ReceiptHasher,
    format_code,
    new_code,
    normalize,
)

SAMPLES = 10_000


def test_new_code_is_16_ascii_digits() -> None:
    for _ in range(200):
        assert re.fullmatch(r"[0-9]{16}", new_code())


def test_leading_zeros_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receipts.secrets, "randbelow", lambda n: 42)
    assert new_code() == "0000000000000042"


def test_codes_are_unique_and_every_position_is_uniform() -> None:
    codes = [new_code() for _ in range(SAMPLES)]
    assert len(set(codes)) == SAMPLES
    expected = SAMPLES / 10
    for position in range(16):
        counts = Counter(code[position] for code in codes)
        assert set(counts) == set("0123456789"), position
        chi2 = sum((counts[d] - expected) ** 2 / expected for d in "0123456789")
        # 9 degrees of freedom: P(chi2 > 50) ~ 1e-7 for a uniform source, per position.
        assert chi2 < 50, (position, counts)
        assert all(0.8 * expected < n < 1.2 * expected for n in counts.values()), counts


def test_entropy_is_documented_and_at_least_53_bits() -> None:
    assert pytest.approx(16 * math.log2(10)) == ENTROPY_BITS
    assert ENTROPY_BITS >= 53
    doc = receipts.__doc__ or ""
    # The shortfall against the guide's 128 bits and its compensation are written down.
    assert "53.15" in doc and "128" in doc and "Argon2id" in doc and "throttle" in doc


def test_format_code_groups_of_four() -> None:
    assert format_code("1234567890123456") == "1234 5678 9012 3456"
    assert format_code("0000000000000042") == "0000 0000 0000 0042"


@pytest.mark.parametrize(
    "typed",
    [
        "1234567890123456",
        "1234 5678 9012 3456",
        "  1234 5678 9012 3456 \n",
        "1234-5678-9012-3456",
        "1234–5678—9012−3456",  # en dash, em dash, minus sign
        "１２３４５６７８９０１２３４５６",  # full-width digits
        "１２３４－５６７８\u3000９０１２ ３４５６",  # full-width hyphen, ideographic space
    ],
)
def test_normalize_accepts_what_people_type(typed: str) -> None:
    assert normalize(typed) == "1234567890123456"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "123456789012345",  # 15 digits
        "12345678901234567",  # 17 digits
        "1234 5678 9012 345a",
        "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦",  # Arabic-Indic digits are digits, but not ours
        "1234.5678.9012.3456",
        "1234\n5678\x009012 3456",
    ],
)
def test_normalize_refuses_anything_else(typed: str) -> None:
    assert normalize(typed) is None


def test_round_trip_through_the_printed_form() -> None:
    code = new_code()
    assert normalize(format_code(code)) == code


def test_hash_is_deterministic_per_salt_and_differs_across_salts() -> None:
    a = ReceiptHasher.for_tests(b"salt-a-0123456789")
    a_again = ReceiptHasher.for_tests(b"salt-a-0123456789")
    b = ReceiptHasher.for_tests(b"salt-b-0123456789")
    code = new_code()
    assert a.hash(code) == a_again.hash(code)
    assert a.hash(code) != b.hash(code)
    assert a.hash(code) != a.hash(new_code())


def test_hash_is_hex_and_never_contains_the_code() -> None:
    hasher = ReceiptHasher.for_tests()
    for _ in range(50):
        code = new_code()
        digest = hasher.hash(code)
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert len(digest) <= 128  # complaint_receipt.code_hash
        assert code not in digest
        assert code[:8] not in digest and code[8:] not in digest


def test_hash_accepts_malformed_input_so_lookups_cost_the_same() -> None:
    hasher = ReceiptHasher.for_tests()
    assert re.fullmatch(r"[0-9a-f]{64}", hasher.hash("not a code"))


def test_parameters_matter_and_defaults_are_the_documented_ones() -> None:
    salt = b"0123456789abcdef"
    default = ReceiptHasher(salt)
    assert (default.time_cost, default.memory_cost_kib) == (3, 64 * 1024)
    cheap = ReceiptHasher(salt, time_cost=1, memory_cost_kib=64, parallelism=1)
    assert default.hash("1234567890123456") != cheap.hash("1234567890123456")
    assert "salt" not in repr(default) and salt.decode() not in repr(default)


def test_short_salt_or_bad_cost_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        ReceiptHasher(b"short")
    with pytest.raises(ValueError, match="Argon2id"):
        ReceiptHasher(b"0123456789abcdef", time_cost=0)
