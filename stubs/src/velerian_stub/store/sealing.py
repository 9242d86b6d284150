"""
Sealing of stored idempotent responses: a per-database secret kept beside the database.

A replayed key mint returns the key's secret again, so its stored response holds that
secret. It is sealed (encrypted and authenticated) under a key derived from two things:
the ``Idempotency-Key``, which the database never stores, and a random secret made when
the database is created and kept in a file beside it (``<db>.seal-key``, mode 0600),
never in the database. The file is outside the database on purpose: the database holds
other copies of idempotency keys (the execution log lists them, and an SDK logs them at
DEBUG), so a secret in a table would travel with every copy of the database and protect
nothing. With the database and the idempotency key but not the file, a sealed response
cannot be opened.

The construction uses only the standard library: HMAC-SHA256 in counter mode as the
keystream, a random 16-byte nonce per record, and HMAC-SHA256 over the sealed bytes
(encrypt-then-MAC), with separate keys for both derived from the secret and the key.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from pathlib import Path

__all__ = ["SEAL_KEY_SUFFIX", "RecordSealer", "load_or_create_secret"]

SEAL_KEY_SUFFIX = ".seal-key"
"""The sealing secret of ``stub.sqlite3`` lives in ``stub.sqlite3.seal-key``."""
_SECRET_BYTES = 32
_NONCE_BYTES = 16
_TAG_BYTES = 32
_VERSION = b"S2"


def load_or_create_secret(db_path: str) -> bytes:
    """
    Read a database's sealing secret, creating it (mode 0600) when there is none.

    An in-memory database gets a fresh secret that dies with the process, as the
    database does.

    Args:
        db_path: The database file, or ``":memory:"``.

    Returns:
        The 32-byte secret.

    Raises:
        ValueError: The file exists but does not hold a secret this stub wrote.
    """
    if db_path == ":memory:":
        return secrets.token_bytes(_SECRET_BYTES)
    path = Path(db_path + SEAL_KEY_SUFFIX)
    if not path.exists():
        _create_secret_file(path)
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != _SECRET_BYTES:
        msg = (
            f"{path} does not hold a sealing secret (64 hex digits); restore the file that"
            " was made with this database, or delete both to start afresh"
        )
        raise ValueError(msg)
    return secret


def _create_secret_file(path: Path) -> None:
    # Written in full under a private name, then linked into place: a crash leaves no
    # half-written secret, and a stub starting at the same moment keeps the first one.
    partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(_SECRET_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(partial, path)
    finally:
        partial.unlink(missing_ok=True)


class RecordSealer:
    """
    Seal and open stored responses under the database's secret and an idempotency key.

    Args:
        secret: The database's sealing secret.
    """

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def __repr__(self) -> str:
        return "RecordSealer(<secret>)"

    def _keys(self, owner_id: str, idempotency_key: str) -> tuple[bytes, bytes]:
        root = hmac.digest(
            self._secret,
            b"velerian-stub replay\n" + owner_id.encode() + b"\n" + idempotency_key.encode(),
            "sha256",
        )
        return hmac.digest(root, b"stream", "sha256"), hmac.digest(root, b"tag", "sha256")

    def seal(self, owner_id: str, idempotency_key: str, data: bytes) -> bytes:
        """
        Encrypt and authenticate a response for storage.

        Args:
            owner_id: The record's owner (its tenant's id).
            idempotency_key: The key the caller sent; never stored.
            data: The response body.

        Returns:
            ``version || nonce || ciphertext || tag``.
        """
        stream_key, tag_key = self._keys(owner_id, idempotency_key)
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = _VERSION + nonce + _xor(data, _keystream(stream_key, nonce, len(data)))
        return sealed + hmac.digest(tag_key, sealed, "sha256")

    def open(self, owner_id: str, idempotency_key: str, sealed: bytes) -> bytes | None:
        """
        Check and decrypt a stored response.

        Args:
            owner_id: The record's owner (its tenant's id).
            idempotency_key: The key the caller sent.
            sealed: What :meth:`seal` returned.

        Returns:
            The response body, or ``None`` when the record was sealed under another
            secret (the database was moved without its ``.seal-key`` file, or written by
            an older stub) or altered.
        """
        head = len(_VERSION) + _NONCE_BYTES
        if len(sealed) < head + _TAG_BYTES or not sealed.startswith(_VERSION):
            return None
        stream_key, tag_key = self._keys(owner_id, idempotency_key)
        body, tag = sealed[:-_TAG_BYTES], sealed[-_TAG_BYTES:]
        if not hmac.compare_digest(hmac.digest(tag_key, body, "sha256"), tag):
            return None
        nonce, ciphertext = body[len(_VERSION) : head], body[head:]
        return _xor(ciphertext, _keystream(stream_key, nonce, len(ciphertext)))


def _keystream(key: bytes, nonce: bytes, size: int) -> bytes:
    blocks = (size + 31) // 32
    stream = b"".join(
        hmac.digest(key, nonce + block.to_bytes(8, "big"), "sha256") for block in range(blocks)
    )
    return stream[:size]


def _xor(data: bytes, stream: bytes) -> bytes:
    if not data:
        return b""
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")
