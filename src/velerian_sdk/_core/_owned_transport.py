"""
The transports of the ``httpx`` clients the SDK builds for itself.

An injected ``http_client`` keeps its own transport; these are only for the clients'
defaults. The async one is :class:`~velerian_sdk._core._sharded_transport.ShardedTransport`.
The sync one is ``httpx``'s own transport with one change: every network read and write
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
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

import httpx

from .retry import ATTEMPT_DEADLINE

if TYPE_CHECKING:
    import ssl

__all__ = ["owned_transport_async", "owned_transport_sync"]

_FLOOR = 0.001
"""The least time a read is given: zero would make the socket non-blocking, not timed."""


class _Stream(Protocol):
    """The part of a network stream (``httpcore``'s interface) that is wrapped."""

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes: ...

    def write(self, buffer: bytes, timeout: float | None = None) -> None: ...

    def close(self) -> None: ...

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _Stream: ...

    def get_extra_info(self, info: str) -> object: ...


class _Backend(Protocol):
    """The part of a network backend (``httpcore``'s interface) that is wrapped."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[tuple[int, ...]] | None = None,
    ) -> _Stream: ...

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[tuple[int, ...]] | None = None,
    ) -> _Stream: ...

    def sleep(self, seconds: float) -> None: ...


def _clipped(timeout: float | None) -> float | None:
    """``timeout``, or the time left before the attempt's deadline if that is less."""
    deadline = ATTEMPT_DEADLINE.get()
    if deadline is None:
        return timeout
    left = max(deadline - time.monotonic(), _FLOOR)
    return left if timeout is None or left < timeout else timeout


class _DeadlineStream:
    """A network stream whose every read and write ends by the attempt's deadline."""

    __slots__ = ("_stream",)

    def __init__(self, stream: _Stream) -> None:
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


class _DeadlineBackend:
    """A network backend whose connections are :class:`_DeadlineStream` streams."""

    __slots__ = ("_backend",)

    def __init__(self, backend: _Backend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[tuple[int, ...]] | None = None,
    ) -> _DeadlineStream:
        stream = self._backend.connect_tcp(
            host, port, _clipped(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[tuple[int, ...]] | None = None,
    ) -> _DeadlineStream:
        stream = self._backend.connect_unix_socket(path, _clipped(timeout), socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def owned_transport_sync(limits: httpx.Limits) -> httpx.BaseTransport:
    """
    Return the sync client's own transport: ``httpx``'s, with reads bounded by deadline.

    ``httpx`` offers no parameter for the network layer, so the wrapper is put in place
    on its connection pool. If a future ``httpx`` lays its transport out differently,
    the plain transport is returned: calls still work, and headers that trickle in are
    again bounded only by the per-read timeout.

    Args:
        limits: The connection pool's limits.

    Returns:
        The transport.
    """
    transport = httpx.HTTPTransport(limits=limits)
    pool = getattr(transport, "_pool", None)
    backend: object = getattr(pool, "_network_backend", None)
    if backend is not None and all(
        callable(getattr(backend, name, None))
        for name in ("connect_tcp", "connect_unix_socket", "sleep")
    ):
        setattr(pool, "_network_backend", _DeadlineBackend(backend))  # type: ignore[arg-type]  # noqa: B010
    return transport


def owned_transport_async(limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    """
    Return the async client's own transport (see ``ShardedTransport``).

    Its attempts are bounded by :class:`~velerian_sdk._core.retry.AsyncAttemptTimer`.

    Args:
        limits: The connection limits, split into pools behind one queue.

    Returns:
        The transport.
    """
    from ._sharded_transport import ShardedTransport  # asyncio loads with the async client

    return ShardedTransport(limits)
