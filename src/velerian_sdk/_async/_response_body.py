"""
Read a response body into memory, never past a limit (asynchronous flavour).

The raw body is read chunk by chunk as it arrives. A ``gzip`` or ``deflate`` body is
inflated here in bounded steps (``_core.bodies``), never by ``httpx``, and the read
stops as soon as the decoded size passes the limit, so a small compressed body cannot
inflate into gigabytes and memory stays within the limit plus one step; other encodings
are refused before the body is read. An unencoded body whose ``Content-Length`` is over
the limit fails after the first network read. This module is the source of the
synchronous twin, which ``scripts/unasync.py`` generates.
"""

from __future__ import annotations

import httpx

from .._core._response_limits import ERROR_BODY_EXCERPT, stated_length, store_body, too_large
from .._core.bodies import BodyDecoder, body_decoder, store_decoded
from .._core.errors import VelerianResponseEncodingError

__all__ = ["read_body"]


async def read_body(response: httpx.Response, limit: int) -> None:
    """
    Read ``response``'s body so that ``response.content`` holds it, decoded.

    A 2xx body over ``limit`` is an error. A non-2xx body is read only up to
    :data:`ERROR_BODY_EXCERPT` (or ``limit``, if smaller) and cut there: its exception
    keeps no more than that excerpt. A body this module decoded loses its
    ``Content-Encoding`` header (see ``store_decoded``).

    Args:
        response: A response opened with ``stream=True``, body not yet read.
        limit: The most decoded bytes a 2xx body may have.

    Raises:
        VelerianResponseTooLargeError: A 2xx body over ``limit``.
        VelerianResponseEncodingError: A 2xx body in an encoding the SDK does not
            decode, or one that is corrupt. A non-2xx body that does not decode is kept
            empty instead: its status says what went wrong.
    """
    excerpt = not 200 <= response.status_code < 300  # is_success, without its two calls
    if excerpt:
        limit = min(limit, ERROR_BODY_EXCERPT)
    if response.is_stream_consumed:
        # Built in memory (a MockTransport or another in-process transport): the body
        # was read, and decoded by httpx, when the response was made; reading it again
        # would only copy it.
        _check_in_memory(response, limit, excerpt=excerpt)
        return
    try:
        decoder = body_decoder(response)
    except VelerianResponseEncodingError:
        if not excerpt:
            raise
        store_decoded(response, b"")
        return
    if decoder is not None:
        await _read_encoded(response, limit, decoder, excerpt=excerpt)
        return
    # Most API bodies arrive in one network read. Content-Length is looked at only when
    # a second chunk comes, since finding a header costs an API call more than the rest
    # of this cap (about 9k instructions); a body stated over the limit still stops
    # after its first read.
    length_checked = excerpt
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
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
    store_body(response, b"".join(parts))


async def _read_encoded(
    response: httpx.Response, limit: int, decoder: BodyDecoder, *, excerpt: bool
) -> None:
    parts: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_raw():
            for piece in decoder.decode(chunk):
                size += len(piece)
                if size > limit:
                    if not excerpt:
                        raise too_large(
                            response.request, limit, size=f"more than {limit} bytes decoded"
                        )
                    parts.append(piece[: len(piece) - (size - limit)])
                    break
                parts.append(piece)
            if size > limit:
                break
        else:
            decoder.finish()
    except VelerianResponseEncodingError:
        if not excerpt:
            raise
        # An error response whose body is corrupt: keep what decoded, raise for the status.
    store_decoded(response, b"".join(parts))


def _check_in_memory(response: httpx.Response, limit: int, *, excerpt: bool) -> None:
    content = response.content
    if len(content) <= limit:
        return
    if not excerpt:
        raise too_large(response.request, limit, size=f"{len(content)} bytes in memory")
    store_body(response, content[:limit])
