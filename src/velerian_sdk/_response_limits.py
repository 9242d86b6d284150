"""
How much of a response body the client reads, and the errors when a body is too large.

An API response is read up to the client's ``max_response_bytes`` after decoding; an
error response only up to :data:`ERROR_BODY_EXCERPT`, the most an exception keeps.
These are the sans-IO halves; the reading itself is in ``_response_body_async`` and its
sync twin.
"""

from __future__ import annotations

import httpx

from ._exceptions import VelerianResponseTooLargeError
from ._redaction import redact_url

__all__ = ["ERROR_BODY_EXCERPT", "stated_length", "too_large"]

ERROR_BODY_EXCERPT = 64 * 1024
"""The most of a body that an error response gives its exception (and keeps in memory)."""


def stated_length(response: httpx.Response) -> int | None:
    """
    Return the response's ``Content-Length``, or ``None`` when absent or malformed.

    Args:
        response: A response whose headers have arrived.

    Returns:
        The stated number of body bytes on the wire.
    """
    # One pass over the raw pairs: ``headers.get`` decodes every value it compares.
    for name, value in response.headers.raw:
        if len(name) == _LENGTH_NAME_SIZE and name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None


_LENGTH_NAME_SIZE = len(b"content-length")


def too_large(request: httpx.Request, limit: int, *, size: str) -> VelerianResponseTooLargeError:
    """
    Build the error for a body over ``limit``.

    Args:
        request: The request whose response was too large.
        limit: The limit, in bytes.
        size: What is known of the size, e.g. ``"Content-Length 1000000000"``.

    Returns:
        The error, naming the call and the setting that raises the limit.
    """
    url = redact_url(request.url)
    msg = (
        f"{request.method} {url} answered with a body larger than max_response_bytes "
        f"({limit} bytes; {size}): the read stopped there. If this response is expected, "
        "raise the limit with client.with_options(max_response_bytes=...)"
    )
    return VelerianResponseTooLargeError(msg, limit=limit, method=request.method, url=url)
