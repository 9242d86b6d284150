"""Identifier and secret minting: a type prefix plus random hex, as decisions.md fixes."""

from __future__ import annotations

import secrets
import string

__all__ = ["API_KEY_PREFIX", "new_api_key_secret", "new_id", "new_request_id"]

API_KEY_PREFIX = "vk_live_"
_SECRET_ALPHABET = string.ascii_letters + string.digits
_SECRET_LENGTH = 40


def new_id(prefix: str) -> str:
    """
    Mint an opaque id such as ``abp_0123456789abcdef01234567``.

    Args:
        prefix: The type prefix including its underscore, for example ``"inv_"``.

    Returns:
        The prefix followed by 24 lower-case hex characters.
    """
    return prefix + secrets.token_hex(12)


def new_request_id() -> str:
    """
    Mint the value of one response's ``x-request-id`` header.

    Returns:
        ``req_`` followed by 24 hex characters.
    """
    return new_id("req_")


def new_api_key_secret() -> str:
    """
    Mint a full API key secret.

    Returns:
        ``vk_live_`` followed by 40 characters of ``[A-Za-z0-9]``.
    """
    body = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(_SECRET_LENGTH))
    return API_KEY_PREFIX + body
