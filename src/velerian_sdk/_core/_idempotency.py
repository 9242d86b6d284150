"""
One ``Idempotency-Key`` per call, reused by every retry of that call.

This link runs once per call, outside retry, so the key it sets is on the request
object that every attempt sends. The server stores the first response under the key
and replays it for a repeat, which is what makes a retried invoke bill once.
"""

from __future__ import annotations

import os
from typing import ClassVar, Literal

import httpx

from .chain import Middleware
from .errors import VelerianArgumentError

__all__ = [
    "MAX_KEY_LENGTH",
    "MUTATING_METHODS",
    "IdempotencyMiddleware",
    "check_idempotency_key",
    "new_idempotency_key",
]

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY_LENGTH = 255


def check_idempotency_key(value: object) -> str:
    """
    Check a caller's idempotency key before any request is built.

    The API takes 1 to 255 printable ASCII characters. HTTP trims spaces around a header
    value, so a key that starts or ends with a space would not be the key the server
    sees (and ``httpx`` refuses to send it): it is refused here with a clear message.

    Args:
        value: What the caller passed as ``idempotency_key``.

    Returns:
        The key.

    Raises:
        VelerianArgumentError: Not a str, empty, longer than 255 characters, with a
            character outside printable ASCII, or with a space at either end.
    """
    if not isinstance(value, str):
        msg = f"idempotency_key must be a str, got {type(value).__name__}"
        raise VelerianArgumentError(msg)
    problem = None
    if not value or len(value) > MAX_KEY_LENGTH:
        problem = f"it is {len(value)} characters long"
    elif any(not (" " <= char <= "~") for char in value):
        problem = "it has a character outside printable ASCII"
    elif value[0] == " " or value[-1] == " ":
        problem = "it starts or ends with a space, which HTTP would trim"
    if problem is not None:
        msg = f"idempotency_key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters: {problem}"
        raise VelerianArgumentError(msg)
    return value


class IdempotencyMiddleware(Middleware):
    """Give every POST, PUT, PATCH and DELETE a fresh uuid4 key unless it has one."""

    stage: ClassVar[Literal["call", "attempt"]] = "call"

    def on_request(self, request: httpx.Request) -> None:
        """
        Set ``Idempotency-Key`` on a mutating request that has none.

        Args:
            request: The outgoing request.
        """
        if request.method in MUTATING_METHODS and "idempotency-key" not in request.headers:
            request.headers["Idempotency-Key"] = new_idempotency_key()


def new_idempotency_key() -> str:
    """
    Return a random (version 4) UUID in its canonical form, as ``str(uuid.uuid4())`` does.

    It is formatted from the random bytes directly: ``uuid.UUID`` checks and converts
    its input on every call, which doubled the cost of a key on the invoke path.

    Returns:
        36 characters, e.g. ``3f2c9a41-d07e-4b3c-8a6e-1f09b2c4d5e6``.
    """
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
