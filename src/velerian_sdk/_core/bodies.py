"""
How much of a response body is read, and how a compressed one is inflated.

An API response is read up to the client's ``max_response_bytes`` after decoding; an
error response only up to :data:`ERROR_BODY_EXCERPT`, the most an exception keeps
(:func:`too_large` builds the error for a body over its limit).

The SDK asks for ``gzip`` or ``deflate`` at most (:data:`ACCEPT_ENCODING`) and inflates
what arrives itself, with ``zlib`` only: ``httpx``'s decoders inflate a whole network
read at once, and with ``brotli`` or ``zstandard`` installed they accept encodings
whose one read can grow to gigabytes. Here each step yields at most :data:`STEP`
decoded bytes, so a reader that stops at its limit never holds more than that beyond
it. Any other ``Content-Encoding``, a stack of them, or a stream that does not inflate
cleanly raises :class:`VelerianResponseEncodingError`. The reading itself is in
``_async/_response_body.py`` and ``_async/_download.py`` (and their sync twins).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

import httpx

from .errors import (
    ERROR_BODY_EXCERPT,
    VelerianResponseEncodingError,
    VelerianResponseTooLargeError,
    stated_length,
    with_scrubbed_cause,
)
from .redaction import redact_url

__all__ = [
    "ACCEPT_ENCODING",
    "ERROR_BODY_EXCERPT",
    "STEP",
    "BodyDecoder",
    "body_decoder",
    "describe_decoded",
    "stated_length",
    "too_large",
]


ACCEPT_ENCODING = "gzip, deflate"
"""What API calls accept: the encodings :class:`BodyDecoder` inflates in bounded steps."""


STEP = 128 * 1024
"""The most decoded bytes one step yields."""


_ENCODING_NAME_SIZE = len(b"content-encoding")


_GZIP_WBITS = 16 + zlib.MAX_WBITS


_DECODED = {b"gzip": "gzip", b"x-gzip": "gzip", b"deflate": "deflate"}


def body_decoder(response: httpx.Response) -> BodyDecoder | None:
    """
    Return the decoder ``response``'s body needs, or ``None`` if it is not encoded.

    Args:
        response: A response whose headers have arrived.

    Returns:
        A fresh decoder for a ``gzip`` or ``deflate`` body; ``None`` without a
        ``Content-Encoding`` or with ``identity`` alone.

    Raises:
        VelerianResponseEncodingError: Any other encoding, or more than one.
    """
    # One pass over the raw pairs, as most responses have no Content-Encoding at all:
    # ``headers.get`` would decode every value it compares.
    sent: bytes | None = None
    for name, value in response.headers.raw:
        if len(name) == _ENCODING_NAME_SIZE and name.lower() == b"content-encoding":
            sent = value if sent is None else sent + b"," + value
    if sent is None:
        return None
    codings = [coding for part in sent.split(b",") if (coding := part.strip().lower())]
    codings = [coding for coding in codings if coding != b"identity"]
    if not codings:
        return None
    encoding = _DECODED.get(codings[0]) if len(codings) == 1 else None
    if encoding is None:
        shown = sent.decode("latin-1")
        request = response.request
        url = redact_url(request.url)
        msg = (
            f"{request.method} {url} answered with Content-Encoding {shown!r}, which the "
            f"SDK does not decode (it asks for {ACCEPT_ENCODING!r} only); the body was not "
            "read. A proxy or the server ignored Accept-Encoding, or the call's headers "
            "asked for another encoding"
        )
        raise VelerianResponseEncodingError(msg, encoding=shown, method=request.method, url=url)
    return BodyDecoder(encoding, response.request)


class BodyDecoder:
    """
    Inflate one ``gzip`` or ``deflate`` body, chunk by chunk, :data:`STEP` at a time.

    ``deflate`` is taken with or without its zlib wrapper (servers send both), told
    apart by the wrapper's two header bytes. A ``gzip`` body may hold several members,
    one after the other; anything else after the end of the stream is an error, as is a
    stream that stops before its end.

    Args:
        encoding: ``"gzip"`` or ``"deflate"``.
        request: The request, named in errors.
    """

    def __init__(self, encoding: str, request: httpx.Request) -> None:
        self.encoding = encoding
        self._request = request
        self._inflater = zlib.decompressobj(_GZIP_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        self._started = False
        self._ended = False
        self._held = b""  # deflate: a first byte that cannot tell the framing yet

    def decode(self, data: bytes) -> Iterator[bytes]:
        """
        Yield the decoded bytes of the next raw chunk, at most :data:`STEP` at a time.

        Args:
            data: The next bytes as they came off the network.

        Yields:
            Decoded pieces, none longer than :data:`STEP`.

        Raises:
            VelerianResponseEncodingError: The stream is corrupt.
        """
        if not self._started:
            if not data:
                return
            if self.encoding == "deflate":
                data = self._held + data
                if len(data) < 2:
                    self._held = data
                    return
                self._held = b""
                if not _has_zlib_header(data[0], data[1]):
                    self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            self._started = True
        inflater = self._inflater
        while True:
            if self._ended:
                if not data:
                    return
                if self.encoding != "gzip":
                    raise self._corrupt("bytes follow the end of the compressed stream")
                inflater = self._inflater = zlib.decompressobj(_GZIP_WBITS)  # the next member
                self._ended = False
            piece = self._inflated(inflater.decompress, data)
            if inflater.eof:
                self._ended = True
                data = inflater.unused_data
                if piece:
                    yield piece
                continue
            rest = inflater.unconsumed_tail
            if piece:
                yield piece
            elif rest:
                raise self._corrupt("the stream stopped inflating")
            if not rest and len(piece) < STEP:
                return  # all in; a full step may have left output inside zlib
            data = rest

    def finish(self) -> None:
        """
        Check that the body ended where its compressed stream ends.

        Raises:
            VelerianResponseEncodingError: The stream was cut short.
        """
        if self._held or (self._started and not self._ended):
            raise self._corrupt("the body ended before the compressed stream did")

    def _inflated(self, decompress: Callable[[bytes, int], bytes], data: bytes) -> bytes:
        try:
            return decompress(data, STEP)
        except zlib.error as exc:
            failure = with_scrubbed_cause(self._corrupt(str(exc)), exc)
        raise failure

    def _corrupt(self, reason: str) -> VelerianResponseEncodingError:
        request = self._request
        url = redact_url(request.url)
        msg = (
            f"{request.method} {url} answered with a {self.encoding} body that does not "
            f"decode ({reason}); the read stopped there"
        )
        return VelerianResponseEncodingError(
            msg, encoding=self.encoding, method=request.method, url=url
        )


def _has_zlib_header(first: int, second: int) -> bool:
    """Whether two bytes open a zlib stream (RFC 1950): deflate method, valid check bits."""
    return first & 0x0F == 8 and first >> 4 <= 7 and (first << 8 | second) % 31 == 0


def describe_decoded(response: httpx.Response) -> None:
    """
    Make ``response``'s headers describe the body the SDK decodes: no ``Content-Encoding``.

    Args:
        response: A response whose body the SDK inflates itself (or drops).
    """
    del response.headers["content-encoding"]


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
