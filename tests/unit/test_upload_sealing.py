"""T2.4: each original is kept byte-identical, sealed to its case and attachment, and
hashes to its recorded SHA-256."""

from __future__ import annotations

import hashlib

import pytest

from models import Attachment
from tests.unit.upload_samples import CASE_ID
from workflows.kernel.uploads import PreparedFile, open_original, prepare
from workflows.kernel.vault import Vault, VaultError


def test_originals_are_kept_byte_identical_and_sealed(
    jpeg: bytes, png: bytes, pdf: bytes, vault: Vault
) -> None:
    originals = [jpeg, png, pdf]
    prepared = prepare(originals, vault, CASE_ID)
    for original, item in zip(originals, prepared, strict=True):
        assert item.size == len(original)
        assert item.original_sha256 == hashlib.sha256(original).hexdigest()
        assert item.scrubbed_sha256 == hashlib.sha256(item.scrubbed).hexdigest()
        assert original not in item.original_sealed
        assert open_original(_row(item, CASE_ID), vault) == original
        # Bound to its case: the same blob on another case does not open.
        with pytest.raises(VaultError):
            open_original(_row(item, CASE_ID + 1), vault)


def _row(item: PreparedFile, case_id: int) -> Attachment:
    return Attachment(
        case_id=case_id, mime=item.mime, size=item.size,
        original_sha256=item.original_sha256, original_sealed=item.original_sealed,
        scrubbed=item.scrubbed, scrubbed_sha256=item.scrubbed_sha256,
    )


def test_sealed_original_swapped_between_attachments_does_not_open(
    jpeg: bytes, png: bytes, vault: Vault
) -> None:
    first, second = prepare([jpeg, png], vault, CASE_ID)
    row = _row(first, CASE_ID)
    row.original_sealed = second.original_sealed
    with pytest.raises(VaultError):
        open_original(row, vault)
