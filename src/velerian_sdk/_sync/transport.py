"""
The sync client's own transport (written by hand: it is not generated from ``_async``).

An injected ``http_client`` keeps its own transport; this is only for the sync client's
default one (the async client's is in ``_async/transport.py``). :class:`DeadlineTransport`
is an HTTP/1.1 transport over ``httpcore``'s pool in which every network read and write
of an attempt is given at most the time left before the call's deadline. A blocking
read cannot be interrupted from its own thread, and ``httpx`` timeouts apply to each
read, so this is what keeps a server that sends its headers one byte at a time from
holding a sync call past ``RetryPolicy.total_timeout``.

The deadline travels in a context variable that :class:`~velerian_sdk._core.retry.
AttemptTimer` sets around an attempt: reads outside an attempt (a streamed download's
body, read after the call returns) keep their per-read timeouts only.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, cast

import httpcore
import httpx

from .._core.retry import ATTEMPT_DEADLINE

if TYPE_CHECKING:
    import ssl

__all__ = ["owned_transport_sync"]

_SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)
"""A socket option as ``httpcore``'s backends take it."""

_FLOOR = 0.001
"""The least time a read is given: zero would make the socket non-blocking, not timed."""


def _clipped(timeout: float | None) -> float | None:
    """``timeout``, or the time left before the attempt's deadline if that is less."""
    deadline = ATTEMPT_DEADLINE.get()
    if deadline is None:
        return timeout
    left = max(deadline - time.monotonic(), _FLOOR)
    return left if timeout is None or left < timeout else timeout


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every read and write ends by the attempt's deadline."""

    __slots__ = ("_stream",)

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    # read and write inline _clipped: they run several times per call.
    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        deadline = ATTEMPT_DEADLINE.get()
        if deadline is not None:
            left = deadline - time.monotonic()
            if timeout is None or left < timeout:
                timeout = left if left > _FLOOR else _FLOOR
        return self._stream.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        deadline = ATTEMPT_DEADLINE.get()
        if deadline is not None:
            left = deadline - time.monotonic()
            if timeout is None or left < timeout:
                timeout = left if left > _FLOOR else _FLOOR
        self._stream.write(buffer, timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _DeadlineStream:
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, _clipped(timeout))
        )

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """A network backend whose connections are :class:`_DeadlineStream` streams."""

    __slots__ = ("_backend",)

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> _DeadlineStream:
        stream = self._backend.connect_tcp(
            host, port, _clipped(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> _DeadlineStream:
        stream = self._backend.connect_unix_socket(path, _clipped(timeout), socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def owned_transport_sync(limits: httpx.Limits) -> httpx.BaseTransport:
    """
    Return the sync client's own transport, whose reads are bounded by the deadline.

    Args:
        limits: The connection pool's limits.

    Returns:
        The transport.
    """
    return DeadlineTransport(limits)


class DeadlineTransport(httpx.BaseTransport):
    """
    An HTTP/1.1 transport over ``httpcore``'s pool and a :class:`_DeadlineBackend`.

    It does what ``httpx.HTTPTransport`` does for the SDK's own client (TLS from
    ``httpx``'s default context, the given limits, ``httpcore`` errors raised as their
    ``httpx`` twins, also while the body streams), and builds the pool on a network
    backend whose every read and write ends by the attempt's deadline: ``httpx`` has
    no parameter for that layer.

    Args:
        limits: The connection pool's limits.
    """

    def __init__(self, limits: httpx.Limits) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(httpcore.SyncBackend()),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """
        Send ``request`` and return its response, whose body streams from the connection.

        Args:
            request: The request.

        Returns:
            The response.

        Raises:
            httpx.TransportError: The ``httpx`` twin of what ``httpcore`` raised.
        """
        url = request.url
        sent = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=cast("Iterable[bytes]", request.stream),
            extensions=cast("dict[str, object]", request.extensions),
        )
        try:
            answer = self._pool.handle_request(sent)
        except httpcore.TimeoutException as exc:
            failure = _as_httpx(exc, request)
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.ProxyError) as exc:
            failure = _as_httpx(exc, request)
        except httpcore.UnsupportedProtocol as exc:
            failure = _as_httpx(exc, request)
        else:
            stream = cast("Iterable[bytes]", answer.stream)
            return httpx.Response(
                status_code=answer.status,
                headers=answer.headers,
                stream=_BodyStream(stream, request),
                extensions=cast("dict[str, object]", answer.extensions),  # pyright: ignore[reportUnknownMemberType]
            )
        raise failure

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.close()


class _BodyStream(httpx.SyncByteStream):
    """A response body from ``httpcore``, its errors raised as their ``httpx`` twins."""

    __slots__ = ("_request", "_stream")

    def __init__(self, stream: Iterable[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._stream)
        while True:
            try:
                chunk = next(chunks, None)
            except _HTTPCORE_ERRORS as exc:
                failure = _as_httpx(exc, self._request)
            else:
                if chunk is None:
                    return
                yield chunk
                continue
            raise failure

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if callable(close):
            close()


_HTTPX_TWINS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)
"""Each ``httpcore`` error and the ``httpx`` error raised for it, most specific first."""

_HTTPCORE_ERRORS: tuple[type[Exception], ...] = tuple(kind for kind, _ in _HTTPX_TWINS)


def _as_httpx(exc: Exception, request: httpx.Request) -> httpx.TransportError:
    """The ``httpx`` twin of an ``httpcore`` error, to raise after the ``except`` block."""
    twin = next(target for kind, target in _HTTPX_TWINS if isinstance(exc, kind))
    error = twin(str(exc), request=request)
    error.__cause__ = exc
    return error
