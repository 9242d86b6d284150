"""
The async client's own transport: its connections split over small pools, entered in turn.

``httpcore``'s connection pool does work on every request event that grows with the
square of its size (each idle connection is checked against every other, and each
queued request against every connection). With 100 connections and 1,000 calls in
flight that work dominated: a burst took 24 to 37 s on the loopback benchmark instead
of about 2. So the connections are split into pools of :data:`SHARD_SIZE`, and calls
wait in one first-in-first-out queue in front of them, entering a pool only when it has
a free connection. The limits stay those of :data:`~velerian_sdk._settings.DEFAULT_LIMITS`
overall; ``docs/performance.md`` has the measurements.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable

import httpx

__all__ = ["SHARD_SIZE", "ShardedTransport"]

SHARD_SIZE = 10
"""Connections per pool: the size at which the pools' own work stopped mattering."""


class ShardedTransport(httpx.AsyncBaseTransport):
    """
    ``limits.max_connections`` connections in pools of :data:`SHARD_SIZE`, one queue.

    A call holds its place from the moment it is sent until its response is closed,
    exactly as it holds a connection; waiting for a place counts against the request's
    ``pool`` timeout, as waiting for a connection does in ``httpx``.

    Args:
        limits: The connection limits, over all pools together.
        shard_size: Connections per pool.
    """

    def __init__(self, limits: httpx.Limits, *, shard_size: int = SHARD_SIZE) -> None:
        total = limits.max_connections or 100
        shards = math.ceil(total / shard_size)
        size = math.ceil(total / shards)
        keepalive = limits.max_keepalive_connections
        shard_limits = httpx.Limits(
            max_connections=size,
            max_keepalive_connections=size if keepalive is None else min(size, keepalive),
            keepalive_expiry=limits.keepalive_expiry,
        )
        ssl_context = httpx.create_ssl_context()  # one for all: building one is slow
        self._pools = [
            httpx.AsyncHTTPTransport(verify=ssl_context, limits=shard_limits) for _ in range(shards)
        ]
        self._busy = [0] * shards
        self._size = size
        self._places = asyncio.Semaphore(shards * size)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """
        Wait for a place, then send ``request`` through a pool with a free connection.

        Args:
            request: The request.

        Returns:
            The response; its place is given back when it is closed.

        Raises:
            httpx.PoolTimeout: No place came free within the request's pool timeout.
        """
        await self._enter(request)
        index = self._busy.index(min(self._busy))
        self._busy[index] += 1
        release = _Release(self._leave, index)
        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        response.stream = _ReleasingStream(stream, release)
        return response

    async def _enter(self, request: httpx.Request) -> None:
        if not self._places.locked():
            await self._places.acquire()
            return
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        try:
            await asyncio.wait_for(self._places.acquire(), timeouts.get("pool"))
        except asyncio.TimeoutError:
            msg = "timed out waiting for a free connection"
            raise httpx.PoolTimeout(msg, request=request) from None

    def _leave(self, index: int) -> None:
        self._busy[index] -= 1
        self._places.release()

    async def aclose(self) -> None:
        """Close every pool."""
        for pool in self._pools:
            await pool.aclose()


class _Release:
    """Gives a place back once, however many times it is called."""

    __slots__ = ("_index", "_leave")

    def __init__(self, leave: Callable[[int], None], index: int) -> None:
        self._leave: Callable[[int], None] | None = leave
        self._index = index

    def __call__(self) -> None:
        leave, self._leave = self._leave, None
        if leave is not None:
            leave(self._index)


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that gives its place back when it is closed."""

    __slots__ = ("_inner", "_release")

    def __init__(self, inner: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release = release

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._inner.__aiter__()  # the body itself: no extra step per chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._release()
