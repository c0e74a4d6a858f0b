"""Shared fixtures of the unit tests: the upload samples (tests/unit/upload_samples.py),
built once per test module, and a vault with a fresh key."""

from __future__ import annotations

import os

import pytest

from tests.unit.upload_samples import make_jpeg, make_pdf, make_png
from workflows.kernel.vault import Vault


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    return make_jpeg()


@pytest.fixture(scope="module")
def png() -> bytes:
    return make_png()


@pytest.fixture(scope="module")
def pdf(jpeg: bytes) -> bytes:
    return make_pdf(jpeg)


@pytest.fixture
def vault() -> Vault:
    return Vault(os.urandom(32), "test")
