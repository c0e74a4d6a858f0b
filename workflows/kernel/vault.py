"""Sealing secrets at rest: AES-256-GCM with the vault key (`JIANFU_VAULT_KEY`).

A sealed blob is `nonce (12 random bytes) || ciphertext || tag (16 bytes)`. The associated
data binds the blob to its purpose and record (`identity_aad(42)` = b"identity:42"), so a
blob copied onto another case, or from an attachment into an identity, does not open.
Each blob gets a fresh random nonce; at 2**32 seals per key the nonce-collision risk of
random 96-bit nonces starts to matter, far beyond a district's volume.

`key_id` names the key (a fingerprint by default) and is stored next to each blob, so a
future key rotation knows which key opens which row.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
CONFIG_NAME = "JIANFU_VAULT_KEY"
_KEYGEN_HINT = "generate one with workflows.kernel.vault.generate_key()"


class VaultError(Exception):
    """A blob did not open (wrong key, wrong purpose or record, or altered), or bad config."""


def generate_key() -> str:
    """A new random vault key as urlsafe base64 (what `JIANFU_VAULT_KEY` holds)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def key_fingerprint(key: bytes) -> str:
    """16 hex characters naming a key without revealing it (domain-separated SHA-256)."""
    return hashlib.sha256(b"jianfu-vault-key-id\x00" + key).hexdigest()[:16]


def identity_aad(case_id: int) -> bytes:
    """Associated data of a complaint's sealed identity."""
    return f"identity:{case_id}".encode("ascii")


class Vault:
    def __init__(self, key: bytes, key_id: str | None = None) -> None:
        if len(key) != KEY_BYTES:
            raise VaultError(f"the vault key must be {KEY_BYTES} bytes, got {len(key)}")
        self._aead = AESGCM(bytes(key))
        self.key_id = key_id if key_id is not None else key_fingerprint(key)
        if not 1 <= len(self.key_id) <= 32:
            raise VaultError("key_id must be 1 to 32 characters (complaint_identity.key_id)")

    @classmethod
    def from_config(cls, value: str | None) -> Vault:
        """The vault for a `JIANFU_VAULT_KEY` value: urlsafe base64 of 32 bytes."""
        text = (value or "").strip()
        if not text:
            raise VaultError(
                f"{CONFIG_NAME} is not set: it must hold urlsafe base64 of {KEY_BYTES} random "
                f"bytes; {_KEYGEN_HINT}"
            )
        try:
            padded = text + "=" * (-len(text) % 4)
            key = base64.b64decode(padded, altchars=b"-_", validate=True)
        except (binascii.Error, ValueError) as err:
            raise VaultError(
                f"{CONFIG_NAME} is not urlsafe base64 of {KEY_BYTES} bytes; {_KEYGEN_HINT}"
            ) from err
        if len(key) != KEY_BYTES:
            raise VaultError(
                f"{CONFIG_NAME} must decode to {KEY_BYTES} bytes, got {len(key)}; {_KEYGEN_HINT}"
            )
        return cls(key)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise VaultError("sealed blob is too short: truncated or not a vault blob")
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        except InvalidTag as err:
            raise VaultError(
                f"sealed blob does not open with key {self.key_id} for {aad!r}: wrong key, "
                "wrong record or purpose, or the blob was altered"
            ) from err

    def __repr__(self) -> str:
        return f"Vault(key_id={self.key_id!r})"
