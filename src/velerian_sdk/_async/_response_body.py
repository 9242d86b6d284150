"""
Read a response body into memory, never past a limit (asynchronous flavour).

The body is read by ``httpx`` itself (``response.aread()``), through a stream put in
front of the network one that counts what arrives and stops at the limit. A ``gzip``
or ``deflate`` body is inflated in that stream, in bounded steps (``_core.bodies``),
never by ``httpx``, and the read stops as soon as the decoded size passes the limit, so
a small compressed body cannot inflate into gigabytes and memory stays within the limit
plus one step; other encodings are refused before the body is read. An unencoded body
whose ``Content-Length`` is over the limit fails after the first network read. This
module is the source of the synchronous twin, which ``scripts/unasync.py`` generates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import cast

import httpx

from .._core.bodies import (
    ERROR_BODY_EXCERPT,
    BodyDecoder,
    body_decoder,
    describe_decoded,
    stated_length,
    too_large,
)
from .._core.errors import VelerianResponseEncodingError

__all__ = ["read_body"]


async def read_body(response: httpx.Response, limit: int) -> httpx.Response:
    """
    Read ``response``'s body so that ``response.content`` holds it, decoded.

    A 2xx body over ``limit`` is an error. A non-2xx body is read only up to
    :data:`ERROR_BODY_EXCERPT` (or ``limit``, if smaller) and cut there: its exception
    keeps no more than that excerpt. A body this module decoded loses its
    ``Content-Encoding`` header (see ``describe_decoded``).

    Args:
        response: A response opened with ``stream=True``, body not yet read.
        limit: The most decoded bytes a 2xx body may have.

    Returns:
        ``response``, read; or, for an error body built in memory over the excerpt, a
        copy of it that holds only the excerpt.

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
        # was read, and decoded by httpx, when the response was made.
        return _checked_in_memory(response, limit, excerpt=excerpt)
    raw = cast("httpx.AsyncByteStream", response.stream)
    try:
        decoder = body_decoder(response)
    except VelerianResponseEncodingError:
        if not excerpt:
            raise
        await raw.aclose()
        response.stream = httpx.ByteStream(b"")
        describe_decoded(response)
        await response.aread()
        return response
    if decoder is None:
        response.stream = _Bounded(raw, response, limit, excerpt=excerpt)
        await response.aread()
        return response
    response.stream = _Inflated(raw, response, limit, decoder, excerpt=excerpt)
    describe_decoded(response)
    await response.aread()
    if "content-length" in response.headers:
        response.headers["content-length"] = str(len(response.content))
    return response


def _checked_in_memory(response: httpx.Response, limit: int, *, excerpt: bool) -> httpx.Response:
    content = response.content
    if len(content) <= limit:
        return response
    if not excerpt:
        raise too_large(response.request, limit, size=f"{len(content)} bytes in memory")
    # Its body was decoded when it was built: the copy says it is not encoded. The
    # stated length stays, so that the error can say how large the whole body was.
    headers = [
        (name, value) for name, value in response.headers.raw if name.lower() != b"content-encoding"
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=content[:limit],
        request=response.request,
        extensions=response.extensions,
    )


class _Bounded(httpx.AsyncByteStream):
    """An unencoded body, passed on until it passes the limit."""

    def __init__(
        self, raw: httpx.AsyncByteStream, response: httpx.Response, limit: int, *, excerpt: bool
    ) -> None:
        self._raw = raw
        self._response = response
        self._limit = limit
        self._excerpt = excerpt

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # Most API bodies arrive in one network read. Content-Length is looked at only
        # when a second chunk comes, since finding a header costs an API call more than
        # the rest of this cap; a body stated over the limit still stops after its
        # first read.
        limit = self._limit
        length_checked = self._excerpt
        size = 0
        async for chunk in self._raw:
            if size and not length_checked:
                length_checked = True
                stated = stated_length(self._response)
                if stated is not None and stated > limit:
                    raise too_large(self._response.request, limit, size=f"Content-Length {stated}")
            size += len(chunk)
            if size > limit:
                if not self._excerpt:
                    size_text = f"more than {limit} bytes decoded"
                    raise too_large(self._response.request, limit, size=size_text)
                yield chunk[: len(chunk) - (size - limit)]
                return
            yield chunk

    async def aclose(self) -> None:
        await self._raw.aclose()


class _Inflated(httpx.AsyncByteStream):
    """A ``gzip`` or ``deflate`` body, inflated in bounded steps until it passes the limit."""

    def __init__(
        self,
        raw: httpx.AsyncByteStream,
        response: httpx.Response,
        limit: int,
        decoder: BodyDecoder,
        *,
        excerpt: bool,
    ) -> None:
        self._raw = raw
        self._response = response
        self._limit = limit
        self._decoder = decoder
        self._excerpt = excerpt

    async def __aiter__(self) -> AsyncIterator[bytes]:
        limit = self._limit
        size = 0
        try:
            async for chunk in self._raw:
                for piece in self._decoder.decode(chunk):
                    size += len(piece)
                    if size > limit:
                        if not self._excerpt:
                            size_text = f"more than {limit} bytes decoded"
                            raise too_large(self._response.request, limit, size=size_text)
                        yield piece[: len(piece) - (size - limit)]
                        return
                    yield piece
            self._decoder.finish()
        except VelerianResponseEncodingError:
            if not self._excerpt:
                raise
            # An error response whose body is corrupt: keep what decoded, raise for
            # the status.

    async def aclose(self) -> None:
        await self._raw.aclose()
