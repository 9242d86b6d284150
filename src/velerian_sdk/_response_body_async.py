"""
Read a response body into memory, never past a limit (asynchronous flavour).

The body is decoded chunk by chunk as it arrives and the read stops as soon as the
decoded size passes the limit, so a small compressed body cannot inflate into gigabytes;
a ``Content-Length`` over the limit fails after the first network read. Memory stays
within the limit plus one decoded network read. This module is the source of the
synchronous twin, which ``scripts/unasync.py`` generates.
"""

from __future__ import annotations

import httpx

from ._response_limits import ERROR_BODY_EXCERPT, stated_length, too_large

__all__ = ["read_body"]


async def read_body(response: httpx.Response, limit: int) -> None:
    """
    Read ``response``'s body so that ``response.content`` holds it.

    A 2xx body over ``limit`` is an error. A non-2xx body is read only up to
    :data:`ERROR_BODY_EXCERPT` (or ``limit``, if smaller) and cut there: its exception
    keeps no more than that excerpt.

    Args:
        response: A response opened with ``stream=True``, body not yet read.
        limit: The most decoded bytes a 2xx body may have.

    Raises:
        VelerianResponseTooLargeError: A 2xx body over ``limit``.
    """
    excerpt = not 200 <= response.status_code < 300  # is_success, without its two calls
    if excerpt:
        limit = min(limit, ERROR_BODY_EXCERPT)
    if response.is_stream_consumed:
        # Built in memory (a MockTransport or another in-process transport): the body
        # was read when the response was made, and reading it again would only copy it.
        _check_in_memory(response, limit, excerpt=excerpt)
        return
    # Most API bodies arrive in one network read. Content-Length is looked at only when
    # a second chunk comes, since finding a header costs an API call more than the rest
    # of this cap (about 9k instructions); a body stated over the limit still stops
    # after its first read.
    length_checked = excerpt
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        if parts and not length_checked:
            length_checked = True
            stated = stated_length(response)
            if stated is not None and stated > limit:
                raise too_large(response.request, limit, size=f"Content-Length {stated}")
        size += len(chunk)
        if size > limit:
            if not excerpt:
                raise too_large(response.request, limit, size=f"more than {limit} bytes decoded")
            parts.append(chunk[: len(chunk) - (size - limit)])
            break
        parts.append(chunk)
    # What httpx's own read() stores; the response then behaves as one read in full.
    response._content = b"".join(parts)  # pyright: ignore[reportPrivateUsage]


def _check_in_memory(response: httpx.Response, limit: int, *, excerpt: bool) -> None:
    content = response.content
    if len(content) <= limit:
        return
    if not excerpt:
        raise too_large(response.request, limit, size=f"{len(content)} bytes in memory")
    response._content = content[:limit]  # pyright: ignore[reportPrivateUsage]
