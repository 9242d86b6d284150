"""
How much of a response body the client reads, and the errors when a body is too large.

An API response is read up to the client's ``max_response_bytes`` after decoding; an
error response only up to :data:`ERROR_BODY_EXCERPT`, the most an exception keeps.
These are the sans-IO halves; the reading itself is in ``_async._response_body`` and its
sync twin.
"""

from __future__ import annotations

import httpx

from .errors import ERROR_BODY_EXCERPT, VelerianResponseTooLargeError, stated_length
from .redaction import redact_url

__all__ = ["ERROR_BODY_EXCERPT", "stated_length", "too_large"]


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
