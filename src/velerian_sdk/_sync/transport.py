"""
The sync client's own transport, and ``default_http_client`` (written by hand: not generated).

An injected ``http_client`` keeps its own transport; this is for the sync client's
default one (the async client's is in ``_async/transport.py``) and for the clients
:func:`default_http_client` builds. :class:`DeadlineTransport` is an HTTP/1.1 (and, on
request, HTTP/2) transport over ``httpcore``'s pool in which every network read and write
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

from .._core.http_options import (
    HTTPCORE_ERRORS,
    as_httpx_error,
    default_http_headers,
    resolve_http_options,
)
from .._core.retry import ATTEMPT_DEADLINE
from .._core.settings import DEFAULT_LIMITS, DEFAULT_TIMEOUT

if TYPE_CHECKING:
    import ssl

__all__ = ["default_http_client", "own_http_client", "owned_transport_sync"]

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


def default_http_client(
    *,
    timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
    limits: httpx.Limits = DEFAULT_LIMITS,
    proxy: str | httpx.URL | httpx.Proxy | None = None,
    ssl_context: ssl.SSLContext | None = None,
    http2: bool = False,
    trust_env: bool = True,
) -> httpx.Client:
    """
    Build an ``httpx.Client`` with the SDK's defaults, to pass as ``http_client``.

    A client you build yourself falls back to ``httpx``'s defaults (a 5 s timeout,
    20 kept-alive connections, reads bounded one by one but not by the call's
    ``total_timeout``). This one has what ``VelerianClient`` builds for itself: a 60 s
    read and 5 s connect timeout, 100 connections all kept alive, the SDK's headers,
    and its own transport, in which every network read and write of an attempt ends by
    the call's deadline. Use it when you need a proxy, a client certificate (mTLS),
    your own certificate authorities or HTTP/2.

    The deadline bound is kept with every option here: a ``proxy`` and ``http2`` are
    served by the same transport (an HTTP/1.1 and, when offered, HTTP/2 pool from
    ``httpcore`` on the SDK's deadline-bounded network backend). One case loses it: with
    ``trust_env=True`` and no ``proxy``, a proxy named by ``HTTP_PROXY``/``HTTPS_PROXY``/
    ``ALL_PROXY`` is mounted by ``httpx`` on its own transport, whose reads keep their
    per-read timeouts only; pass the proxy as ``proxy`` to keep the bound.

    Args:
        timeout: Per attempt; seconds (5 s at most to connect) or an ``httpx.Timeout``,
            ``None`` for none. The client's ``timeout`` setting still wins when given.
        limits: Connection limits.
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
        The client; pass it as ``VelerianClient(http_client=...)``. Closing the
        ``VelerianClient`` leaves it open: close it yourself.

    Raises:
        VelerianArgumentError: An option of the wrong type, a proxy URL without a host
            or with another scheme, or an option whose package is missing.

    Example:
        .. code-block:: python

            import ssl
            from velerian_sdk import VelerianClient, default_http_client

            tls = ssl.create_default_context(cafile="corporate-ca.pem")
            tls.load_cert_chain("client.pem", "client.key")  # mTLS
            with default_http_client(proxy="http://proxy.internal:3128", ssl_context=tls) as http:
                client = VelerianClient(http_client=http)

    .. versionadded:: 0.2.0
    """
    options = resolve_http_options(
        timeout=timeout, limits=limits, proxy=proxy, ssl_context=ssl_context, http2=http2
    )
    return own_http_client(
        default_http_headers(),
        DeadlineTransport(
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
    transport: httpx.BaseTransport,
    limits: httpx.Limits,
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    trust_env: bool = True,
) -> httpx.Client:
    """
    Build the ``httpx`` client that a client builds for itself, and the helper's.

    Args:
        headers: The SDK's headers for the ``httpx`` client to merge into every request.
        transport: The transport.
        limits: Its limits, also given to ``httpx`` (which keeps them for proxies).
        timeout: The default timeout (the SDK's own client sets one on each request).
        trust_env: Whether ``httpx`` reads the environment.

    Returns:
        The client; redirects are not followed (a redirect is the API's answer).
    """
    return httpx.Client(
        headers=headers,
        transport=transport,
        limits=limits,
        timeout=timeout,
        follow_redirects=False,
        trust_env=trust_env,
    )


class DeadlineTransport(httpx.BaseTransport):
    """
    An HTTP/1.1 (and HTTP/2) transport over ``httpcore``'s pool and a deadline backend.

    It does what ``httpx.HTTPTransport`` does for the SDK's own client (TLS from
    ``httpx``'s default context or the caller's, the given limits, a proxy, ``httpcore``
    errors raised as their ``httpx`` twins, also while the body streams), and builds
    the pool on a network backend whose every read and write ends by the attempt's
    deadline: ``httpx`` has no parameter for that layer.

    Args:
        limits: The connection pool's limits.
        ssl_context: The TLS context; ``httpx``'s default when ``None``.
        http2: Whether to offer HTTP/2 over TLS (needs the ``h2`` package).
        proxy: A checked proxy to send every request through, or ``None``.
    """

    def __init__(
        self,
        limits: httpx.Limits,
        *,
        ssl_context: ssl.SSLContext | None = None,
        http2: bool = False,
        proxy: httpx.Proxy | None = None,
    ) -> None:
        self.ssl_context = ssl_context or httpx.create_ssl_context()
        self.http2 = http2
        self.proxy = proxy
        backend = _DeadlineBackend(httpcore.SyncBackend())
        self._pool: httpcore.ConnectionPool
        if proxy is None:
            self._pool = httpcore.ConnectionPool(
                ssl_context=self.ssl_context,
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
            self._pool = httpcore.SOCKSProxy(
                proxy_url=where,
                proxy_auth=proxy.raw_auth,
                ssl_context=self.ssl_context,
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                http2=http2,
                network_backend=backend,
            )
            return
        self._pool = httpcore.HTTPProxy(
            proxy_url=where,
            proxy_auth=proxy.raw_auth,
            proxy_headers=proxy.headers.raw,
            ssl_context=self.ssl_context,
            proxy_ssl_context=proxy.ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http2=http2,
            network_backend=backend,
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
            failure = as_httpx_error(exc, request)
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.ProxyError) as exc:
            failure = as_httpx_error(exc, request)
        except httpcore.UnsupportedProtocol as exc:
            failure = as_httpx_error(exc, request)
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
            except HTTPCORE_ERRORS as exc:
                failure = as_httpx_error(exc, self._request)
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
