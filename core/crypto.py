"""AES-256-GCM for every encrypted value of the project (fields, campaign QR keys).

Layout of a ciphertext: 12-byte random nonce || GCM ciphertext with its 16-byte tag.
The master key is `ENCRYPTION_KEY` (32 bytes, standard base64). Associated data binds a
ciphertext to where it belongs, so a value copied into another column does not decrypt.
"""

import base64
import binascii
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

NONCE_BYTES = 12
_FIELD_PREFIX = "v1:"


class DecryptionError(Exception):
    """The ciphertext is malformed, altered, or was made under another key or context."""


@lru_cache(maxsize=4)
def _decode_key(encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise ValueError("ENCRYPTION_KEY must be standard base64") from exc
    if len(key) != 32:
        raise ValueError("ENCRYPTION_KEY must decode to exactly 32 bytes")
    return key


def master_key() -> bytes:
    return _decode_key(settings.ENCRYPTION_KEY)


def new_key() -> bytes:
    """A fresh random 256-bit key (for per-campaign keys)."""
    return AESGCM.generate_key(bit_length=256)


def encrypt(plaintext: bytes, *, associated_data: bytes = b"", key: bytes | None = None) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key or master_key()).encrypt(nonce, plaintext, associated_data)


def decrypt(ciphertext: bytes, *, associated_data: bytes = b"", key: bytes | None = None) -> bytes:
    if len(ciphertext) < NONCE_BYTES + 16:
        raise DecryptionError("ciphertext too short")
    nonce, body = ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:]
    try:
        return AESGCM(key or master_key()).decrypt(nonce, body, associated_data)
    except InvalidTag as exc:
        raise DecryptionError("authentication failed") from exc


class EncryptedTextField(models.TextField):
    """A text column stored encrypted under the master key, bound to its model and field.

    Not searchable or orderable by content; keep a separate non-secret column (a masked
    suffix, say) when lookups are needed.
    """

    def _aad(self) -> bytes:
        return f"{self.model._meta.label_lower}.{self.name}".encode()

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        token = encrypt(value.encode(), associated_data=self._aad())
        return _FIELD_PREFIX + base64.b64encode(token).decode()

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        if not value.startswith(_FIELD_PREFIX):
            raise DecryptionError(f"{self._aad().decode()}: unknown ciphertext format")
        token = base64.b64decode(value[len(_FIELD_PREFIX) :])
        return decrypt(token, associated_data=self._aad()).decode()
