"""The vault: AES-256-GCM sealing bound to purpose and record, and its configuration."""

from __future__ import annotations

import base64
import os

import pytest

from workflows.kernel.vault import Vault, VaultError, generate_key, identity_aad


@pytest.fixture
def vault() -> Vault:
    return Vault(os.urandom(32), "test-key")


def test_round_trip(vault: Vault) -> None:
    plain = "张三 13800000000".encode()
    blob = vault.seal(plain, identity_aad(42))
    assert plain not in blob
    assert vault.open(blob, b"identity:42") == plain
    assert vault.open(vault.seal(b"", b"x"), b"x") == b""


def test_each_seal_uses_a_fresh_nonce(vault: Vault) -> None:
    first, second = vault.seal(b"same", b"aad"), vault.seal(b"same", b"aad")
    assert first != second
    assert first[:12] != second[:12]


@pytest.mark.parametrize("position", [0, 11, 12, -1])
def test_tampering_is_detected(vault: Vault, position: int) -> None:
    blob = bytearray(vault.seal(b"evidence", b"attachment:1"))
    blob[position] ^= 0x01
    with pytest.raises(VaultError, match="altered"):
        vault.open(bytes(blob), b"attachment:1")


def test_truncated_blob_is_refused(vault: Vault) -> None:
    with pytest.raises(VaultError, match="too short"):
        vault.open(b"\x00" * 27, b"a")
    blob = vault.seal(b"evidence", b"a")
    with pytest.raises(VaultError):
        vault.open(blob[:-1], b"a")


def test_wrong_associated_data_is_refused(vault: Vault) -> None:
    blob = vault.seal(b"name", identity_aad(42))
    with pytest.raises(VaultError, match="wrong record or purpose"):
        vault.open(blob, identity_aad(43))
    with pytest.raises(VaultError):
        vault.open(blob, b"attachment:42")


def test_wrong_key_is_refused(vault: Vault) -> None:
    blob = vault.seal(b"name", b"identity:1")
    with pytest.raises(VaultError, match="wrong key"):
        Vault(os.urandom(32), "other").open(blob, b"identity:1")


def test_from_config_round_trip_with_and_without_padding() -> None:
    key = generate_key()
    assert len(base64.urlsafe_b64decode(key)) == 32
    sealed = Vault.from_config(key).seal(b"x", b"a")
    assert Vault.from_config(f"  {key.rstrip('=')}\n").open(sealed, b"a") == b"x"
    assert Vault.from_config(key).key_id == Vault.from_config(key).key_id
    assert Vault.from_config(key).key_id != Vault.from_config(generate_key()).key_id
    assert generate_key() != generate_key()


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (None, "not set"),
        ("", "not set"),
        ("   ", "not set"),
        ("not base64 at all!", "base64"),
        (base64.urlsafe_b64encode(b"\x01" * 16).decode(), "32 bytes, got 16"),
        (base64.urlsafe_b64encode(b"\xfb" * 33).decode(), "32 bytes, got 33"),
    ],
)
def test_bad_config_names_the_variable(value: str | None, hint: str) -> None:
    with pytest.raises(VaultError, match=hint) as err:
        Vault.from_config(value)
    assert "JIANFU_VAULT_KEY" in str(err.value)


def test_key_size_and_key_id_are_checked() -> None:
    with pytest.raises(VaultError, match="32 bytes"):
        Vault(os.urandom(16), "k")
    with pytest.raises(VaultError, match="key_id"):
        Vault(os.urandom(32), "x" * 33)


def test_repr_does_not_show_the_key() -> None:
    key = os.urandom(32)
    text = repr(Vault(key))
    assert key.hex() not in text and base64.urlsafe_b64encode(key).decode() not in text
