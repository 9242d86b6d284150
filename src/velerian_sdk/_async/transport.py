"""
The async client's own transport, and ``default_async_http_client`` that builds on it.

The transport splits its connections over small pools, entered in turn; each pool is
``httpcore``'s, on the SDK's asyncio network backend (``network.py``).

Written by hand, like ``_sync/transport.py``: the two flavours' transports differ.

``httpcore``'s connection pool does work on every request event that grows with the
square of its size (each idle connection is checked against every other, and each
queued request against every connection). So the connections are split into pools of
:data:`SHARD_SIZE`, and calls wait in one first-in-first-out queue in front of them,
entering a pool only when it has a free connection. The limits stay those of
:data:`~velerian_sdk._core.settings.DEFAULT_LIMITS` overall; ``docs/performance.md`` has
the measurements.

Connections belong to the event loop that opened them, so the pools do too. The pools
of a loop are closed when that loop shuts down its async generators (``asyncio.run``
does, last thing), and a call from a new loop once the old one has stopped opens new
pools. Pools whose loop stopped without that shutdown are left to the garbage
collector: they cannot be closed from another loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
)
from typing import TYPE_CHECKING, cast

import httpcore
import httpx

from .._core import connections as _connections
from .._core.chain import ATTEMPT_TIMER
from .._core.errors import VelerianClientMovedError
from .._core.http_options import (
    HTTPCORE_ERRORS,
    as_httpx_error,
    default_http_headers,
    resolve_http_options,
)
from .._core.retry import AsyncAttemptTimer
from .._core.settings import DEFAULT_LIMITS, DEFAULT_TIMEOUT
from .network import TLS_IN_TLS, AsyncioBackend

if TYPE_CHECKING:
    import ssl

__all__ = [
    "SHARD_SIZE",
    "PoolTransport",
    "ShardedTransport",
    "default_async_http_client",
    "own_http_client",
    "owned_transport_async",
]

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
        ssl_context: The TLS context of every pool; ``httpx``'s default when ``None``.
        http2: Whether the pools offer HTTP/2 over TLS (needs the ``h2`` package).
        proxy: A checked proxy that every pool sends through, or ``None``.
    """

    def __init__(
        self,
        limits: httpx.Limits,
        *,
        shard_size: int = SHARD_SIZE,
        ssl_context: ssl.SSLContext | None = None,
        http2: bool = False,
        proxy: httpx.Proxy | None = None,
    ) -> None:
        total = limits.max_connections or 100
        shards = math.ceil(total / shard_size)
        size = math.ceil(total / shards)
        keepalive = limits.max_keepalive_connections
        shard_limits = httpx.Limits(
            max_connections=size,
            max_keepalive_connections=size if keepalive is None else min(size, keepalive),
            keepalive_expiry=limits.keepalive_expiry,
        )
        self._shard_limits = shard_limits
        self._shards = shards
        self._size = size
        # One for all pools: building one is slow.
        self.ssl_context = ssl_context or httpx.create_ssl_context()
        self.http2 = http2
        self.proxy = proxy
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closer: _LoopEndCloser | None = None
        self._open_pools()

    def _open_pools(self) -> None:
        self._pools = [
            PoolTransport(
                self._shard_limits,
                ssl_context=self.ssl_context,
                http2=self.http2,
                proxy=self.proxy,
            )
            for _ in range(self._shards)
        ]
        self._busy = [0] * self._shards
        self._places = asyncio.Semaphore(self._shards * self._size)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """
        Wait for a place, then send ``request`` through a pool with a free connection.

        Args:
            request: The request.

        Returns:
            The response; its place is given back when it is closed.

        Raises:
            httpx.PoolTimeout: No place came free within the request's pool timeout.
            VelerianClientMovedError: Another event loop, still running, uses the pools.
        """
        if self._loop is not asyncio.get_running_loop():
            self._move_to_running_loop()
        # This loop's pools and places: a call still in flight on a loop left behind
        # gives its place back there, not to the pools another loop has opened since.
        pools, busy, places = self._pools, self._busy, self._places
        await _enter(places, request)
        index = busy.index(min(busy))
        busy[index] += 1
        release = _Release(busy, places, index)
        try:
            response = await pools[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        response.stream = _ReleasingStream(stream, release, request.extensions.get(ATTEMPT_TIMER))
        return response

    def _move_to_running_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not None:
            if self._loop.is_running():
                msg = (
                    "this AsyncVelerianClient's connections are in use on another event "
                    "loop, still running in another thread; connections cannot be shared "
                    "between event loops: build one AsyncVelerianClient per event loop"
                )
                raise VelerianClientMovedError(msg)
            # The old loop has stopped: its pools were closed when it shut down, or
            # cannot be closed from here. Calls from this loop get pools of their own.
            self._disarm()
            self._open_pools()
        self._loop = loop
        self._closer = _LoopEndCloser(self._pools)

    def _disarm(self) -> None:
        closer, self._closer = self._closer, None
        if closer is not None:
            closer.disarm()

    async def aclose(self) -> None:
        """Close every pool of the running loop; leave those of a stopped one alone."""
        self._disarm()
        if self._loop is not None and self._loop is not asyncio.get_running_loop():
            return
        for pool in self._pools:
            await pool.aclose()


class _LoopEndCloser:
    """
    Closes one event loop's pools when that loop shuts down its async generators.

    An event loop has no hook for its own end, but ``asyncio.run`` (like pytest's and
    anyio's runners) finalises every async generator started on it before closing it.
    So this starts one, on the loop that opened the pools, whose ``finally`` closes
    them: the pools' connections are closed on their own loop, while it still runs.
    """

    __slots__ = ("_armed", "_ending", "_generation")

    _armed: bool
    _generation: int
    _ending: AsyncGenerator[None, None]

    def __init__(self, pools: list[PoolTransport]) -> None:
        self._armed = True
        self._generation = _connections.generation
        self._ending = self._close_at_loop_end(pools)
        # Its first step only reaches the `yield`, so it completes without the loop;
        # starting it registers it with the running loop.
        _step_through(self._ending.asend(None))

    async def _close_at_loop_end(self, pools: list[PoolTransport]) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            # Not in a forked child: there the pools' connections are the parent's.
            if self._armed and self._generation == _connections.generation:
                for pool in pools:
                    await pool.aclose()

    def disarm(self) -> None:
        """Finish the generator without closing anything (the pools are left behind)."""
        self._armed = False
        with contextlib.suppress(RuntimeError):  # being finalised by its loop right now
            _step_through(self._ending.aclose())


def _step_through(step: Coroutine[object, None, object]) -> None:
    """Run an async generator step that does not wait on anything."""
    try:
        step.send(None)
    except StopIteration:
        return
    msg = "an async generator step unexpectedly waited"
    raise AssertionError(msg)


async def _enter(places: asyncio.Semaphore, request: httpx.Request) -> None:
    """Wait for a place, within the request's pool timeout."""
    if not places.locked():
        await places.acquire()
        return
    timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
    try:
        await asyncio.wait_for(places.acquire(), timeouts.get("pool"))
    except asyncio.TimeoutError:
        pass
    else:
        return
    msg = "timed out waiting for a free connection"
    raise httpx.PoolTimeout(msg, request=request)


class _Release:
    """Gives a place back once, however many times it is called."""

    __slots__ = ("_busy", "_index", "_places")

    def __init__(self, busy: list[int], places: asyncio.Semaphore, index: int) -> None:
        self._busy = busy
        self._places: asyncio.Semaphore | None = places
        self._index = index

    def __call__(self) -> None:
        places, self._places = self._places, None
        if places is not None:
            self._busy[self._index] -= 1
            places.release()


class _ReleasingStream(httpx.AsyncByteStream):
    """
    A response body that gives its place back when it is closed.

    While it closes, the attempt's deadline timer is held: ``httpcore`` leaves a
    connection busy for good when a cancellation lands in the middle of its close, and
    the timer cancels the attempt at its deadline. A deadline that passes meanwhile
    cancels the attempt as soon as the close is done.
    """

    __slots__ = ("_inner", "_release", "_timer")

    def __init__(
        self,
        inner: httpx.AsyncByteStream,
        release: Callable[[], None],
        timer: AsyncAttemptTimer | None,
    ) -> None:
        self._inner = inner
        self._release = release
        self._timer = timer

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._inner.__aiter__()  # the body itself: no extra step per chunk

    async def aclose(self) -> None:
        timer = self._timer
        if timer is not None:
            timer.hold()
        try:
            await self._inner.aclose()
        finally:
            self._release()
            if timer is not None:
                timer.release()


def owned_transport_async(limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    """
    Return the async client's own transport (see ``ShardedTransport``).

    Its attempts are bounded by :class:`~velerian_sdk._core.retry.AsyncAttemptTimer`.

    Args:
        limits: The connection limits, split into pools behind one queue.

    Returns:
        The transport.
    """
    return ShardedTransport(limits)


def default_async_http_client(
    *,
    timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
    limits: httpx.Limits = DEFAULT_LIMITS,
    proxy: str | httpx.URL | httpx.Proxy | None = None,
    ssl_context: ssl.SSLContext | None = None,
    http2: bool = False,
    trust_env: bool = True,
) -> httpx.AsyncClient:
    """
    Build an ``httpx.AsyncClient`` with the SDK's defaults, to pass as ``http_client``.

    The async twin of :func:`~velerian_sdk.default_http_client`: a 60 s read and 5 s
    connect timeout, 100 connections all kept alive, the SDK's headers, and its own
    transport (connections split over small pools behind one queue, on the SDK's
    asyncio network backend, see ``docs/performance.md``). Use it when you need a
    proxy, a client certificate (mTLS), your own certificate authorities or HTTP/2.

    The async client bounds each attempt by the call's ``total_timeout`` by cancelling
    it, whatever the transport, so the bound is kept with every option, a proxy from
    the environment included.

    Args:
        timeout: Per attempt; seconds (5 s at most to connect) or an ``httpx.Timeout``,
            ``None`` for none. The client's ``timeout`` setting still wins when given.
        limits: Connection limits, over all the pools.
        proxy: Send every request through this proxy: ``http://``, ``https://``,
            ``socks5://`` or ``socks5h://`` (the last two need ``httpx[socks]``), or
            an ``httpx.Proxy`` for its own headers or TLS context.
        ssl_context: TLS settings for the API's connections: load your certificate
            authorities into it, or a client certificate with ``load_cert_chain`` for
            mTLS. ``httpx``'s default (certifi's authorities) when ``None``.
        http2: Offer HTTP/2 over TLS (needs ``httpx[http2]``); HTTP/1.1 otherwise.
        trust_env: Let ``httpx`` read proxies, ``SSL_CERT_FILE`` and ``.netrc`` from
            the environment.

    Returns:
        The client; pass it as ``AsyncVelerianClient(http_client=...)``. Closing the
        ``AsyncVelerianClient`` leaves it open: close it yourself.

    Raises:
        VelerianArgumentError: An option of the wrong type, a proxy URL without a host
            or with another scheme, or an option whose package is missing.

    Example:
        .. code-block:: python

            from velerian_sdk import AsyncVelerianClient, default_async_http_client

            async with default_async_http_client(proxy="http://proxy.internal:3128") as http:
                client = AsyncVelerianClient(http_client=http)

    .. versionadded:: 0.2.0
    """
    options = resolve_http_options(
        timeout=timeout, limits=limits, proxy=proxy, ssl_context=ssl_context, http2=http2
    )
    return own_http_client(
        default_http_headers(),
        ShardedTransport(
            options.limits,
            ssl_context=options.ssl_context,
            http2=options.http2,
            proxy=options.proxy,
        ),
        options.limits,
        timeout=options.timeout,
        trust_env=trust_env,
    )


def own_http_client(
    headers: dict[str, str],
    transport: httpx.AsyncBaseTransport,
    limits: httpx.Limits,
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    trust_env: bool = True,
) -> httpx.AsyncClient:
    """
    Build the ``httpx`` client that a client builds for itself, and the helper's.

    Args:
        headers: The SDK's headers for the ``httpx`` client to merge into every request.
        transport: The transport.
        limits: Its limits, also given to ``httpx``.
        timeout: The default timeout (the SDK's own client sets one on each request).
        trust_env: Whether ``httpx`` reads the environment.

    Returns:
        The client; redirects are not followed (a redirect is the API's answer).
    """
    return httpx.AsyncClient(
        headers=headers,
        transport=transport,
        limits=limits,
        timeout=timeout,
        follow_redirects=False,
        trust_env=trust_env,
    )


class PoolTransport(httpx.AsyncBaseTransport):
    """
    One pool of connections: ``httpcore``'s pool on the SDK's asyncio network backend.

    It does what ``httpx.AsyncHTTPTransport`` does for the SDK's clients (TLS from the
    given context, the limits, a proxy, ``httpcore`` errors raised as their ``httpx``
    twins, also while the body streams), on :class:`~velerian_sdk._async.network.
    AsyncioBackend` instead of anyio: ``httpx`` has no parameter for that layer.

    Args:
        limits: The pool's limits.
        ssl_context: The TLS context.
        http2: Whether to offer HTTP/2 over TLS (needs the ``h2`` package).
        proxy: A checked proxy to send every request through, or ``None``.
    """

    def __init__(
        self,
        limits: httpx.Limits,
        *,
        ssl_context: ssl.SSLContext,
        http2: bool = False,
        proxy: httpx.Proxy | None = None,
    ) -> None:
        backend: httpcore.AsyncNetworkBackend | None = AsyncioBackend()
        self._pool: httpcore.AsyncConnectionPool
        if proxy is None:
            self._pool = httpcore.AsyncConnectionPool(
                ssl_context=ssl_context,
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                http2=http2,
                network_backend=backend,
            )
            return
        where = httpcore.URL(
            scheme=proxy.url.raw_scheme,
            host=proxy.url.raw_host,
            port=proxy.url.port,
            target=proxy.url.raw_path,
        )
        if proxy.url.scheme.startswith("socks"):
            self._pool = httpcore.AsyncSOCKSProxy(
                proxy_url=where,
                proxy_auth=proxy.raw_auth,
                ssl_context=ssl_context,
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                http2=http2,
                network_backend=backend,
            )
            return
        if proxy.url.scheme == "https" and not TLS_IN_TLS:
            # The API over TLS inside the proxy's TLS: asyncio does that from 3.11 on;
            # before, this pool keeps httpcore's own backend.
            backend = None
        self._pool = httpcore.AsyncHTTPProxy(
            proxy_url=where,
            proxy_auth=proxy.raw_auth,
            proxy_headers=proxy.headers.raw,
            ssl_context=ssl_context,
            proxy_ssl_context=proxy.ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http2=http2,
            network_backend=backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
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
            content=cast("AsyncIterable[bytes]", request.stream),
            extensions=cast("dict[str, object]", request.extensions),
        )
        try:
            answer = await self._pool.handle_async_request(sent)
        except HTTPCORE_ERRORS as exc:
            failure = as_httpx_error(exc, request)
        else:
            stream = cast("AsyncIterable[bytes]", answer.stream)
            return httpx.Response(
                status_code=answer.status,
                headers=answer.headers,
                stream=_BodyStream(stream, request),
                extensions=cast("dict[str, object]", answer.extensions),  # pyright: ignore[reportUnknownMemberType]
            )
        raise failure

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._pool.aclose()


class _BodyStream(httpx.AsyncByteStream):
    """A response body from ``httpcore``, its errors raised as their ``httpx`` twins."""

    __slots__ = ("_request", "_stream")

    def __init__(self, stream: AsyncIterable[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = aiter(self._stream)
        while True:
            try:
                chunk = await anext(chunks, None)
            except HTTPCORE_ERRORS as exc:
                failure = as_httpx_error(exc, self._request)
            else:
                if chunk is None:
                    return
                yield chunk
                continue
            raise failure

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await cast("Callable[[], Awaitable[object]]", close)()
