"""
``default_http_client`` and ``default_async_http_client``: an ``httpx`` client with our defaults.

The clients are checked for the SDK's timeout, limits, headers and transport, then used
as ``http_client`` through a loopback "proxy" (a recorder that answers as the API would:
an ``http://`` target needs no ``CONNECT``, so the proxy sees the absolute URL).
"""

from __future__ import annotations

import asyncio
import importlib.machinery
import re
import socket
import ssl
import sys
import threading
import time
import types

import httpx
import pytest

from tests.reliability.loopback_servers import (
    LoopbackServer,
    RecordedRequest,
    Recorder,
    answer,
    read_request,
)
from velerian_sdk import (
    DEFAULT_TIMEOUT,
    AsyncVelerianClient,
    RetryPolicy,
    VelerianArgumentError,
    VelerianClient,
    VelerianTimeoutError,
    default_async_http_client,
    default_http_client,
)
from velerian_sdk._async.transport import ShardedTransport
from velerian_sdk._core import identity
from velerian_sdk._core.settings import DEFAULT_LIMITS
from velerian_sdk._sync.transport import DeadlineTransport

pytestmark = pytest.mark.timeout(20)

KEY = "vk_test_HTTPCLIENTabcdefghijklmnopqrstuvwxyz0123"
PAGE = b'{"items": [], "limit": 50, "offset": 0}'
# Nothing listens there: every request must go through the proxy.
UNREACHABLE = "http://localhost:9"


def transport_of(client: httpx.Client | httpx.AsyncClient) -> object:
    return client._transport  # pyright: ignore[reportPrivateUsage]


def test_the_sync_client_carries_our_defaults() -> None:
    with default_http_client() as client:
        assert client.timeout == DEFAULT_TIMEOUT
        assert not client.follow_redirects
        transport = transport_of(client)
        assert isinstance(transport, DeadlineTransport)
        assert transport.proxy is None
        assert not transport.http2
        assert client.headers["x-velerian-client"] == identity.client_identity()
        assert client.headers["user-agent"] == identity.USER_AGENT


def test_the_async_client_carries_our_defaults() -> None:
    client = default_async_http_client()
    assert client.timeout == DEFAULT_TIMEOUT
    transport = transport_of(client)
    assert isinstance(transport, ShardedTransport)
    # 100 connections, all kept alive, in pools of ten.
    assert transport._shards * transport._size == DEFAULT_LIMITS.max_connections  # pyright: ignore[reportPrivateUsage]
    assert transport._shard_limits.max_keepalive_connections == 10  # pyright: ignore[reportPrivateUsage]
    assert client.headers["x-velerian-attempt"] == "1"


def test_a_number_of_seconds_keeps_connect_at_five() -> None:
    with default_http_client(timeout=12.0) as client:
        assert client.timeout == httpx.Timeout(12.0, connect=5.0)
    assert default_async_http_client(timeout=None).timeout == httpx.Timeout(None)


def test_tls_and_http2_options_reach_the_transports(monkeypatch: pytest.MonkeyPatch) -> None:
    h2 = types.ModuleType("h2")  # only its presence is checked before a connection
    h2.__spec__ = importlib.machinery.ModuleSpec("h2", None)
    monkeypatch.setitem(sys.modules, "h2", h2)
    tls = ssl.create_default_context()
    with default_http_client(ssl_context=tls, http2=True) as client:
        transport = transport_of(client)
        assert isinstance(transport, DeadlineTransport)
        assert transport.ssl_context is tls
        assert transport.http2
    async_transport = transport_of(default_async_http_client(ssl_context=tls, http2=True))
    assert isinstance(async_transport, ShardedTransport)
    assert async_transport.ssl_context is tls
    assert async_transport.http2


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"proxy": "ftp://proxy.test"}, "schemes http, https"),
        ({"proxy": "http://"}, "with a host"),
        ({"proxy": 3128}, "proxy must be a URL"),
        ({"proxy": "socks5://proxy.test:1080"}, "pip install 'httpx[socks]'"),
        ({"http2": True}, "pip install 'httpx[http2]'"),
        ({"http2": "yes"}, "http2 must be a bool"),
        ({"limits": 10}, "limits must be an httpx.Limits"),
        ({"ssl_context": "ca.pem"}, "ssl_context must be an ssl.SSLContext"),
        ({"timeout": -1}, "timeout must be a positive number"),
    ],
)
def test_bad_options_are_refused_by_name(
    options: dict[str, object], says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "h2", None)
    monkeypatch.setitem(sys.modules, "socksio", None)
    for build in (default_http_client, default_async_http_client):
        with pytest.raises(VelerianArgumentError, match=re.escape(says)):
            build(**options)  # type: ignore[arg-type]


def proxy_answering_the_api() -> Recorder:
    return Recorder(respond=lambda request: answer(200, PAGE))


@pytest.mark.parametrize("given", ["url", "proxy"])
def test_the_sync_client_sends_through_its_proxy(given: str) -> None:
    proxy = proxy_answering_the_api()
    with LoopbackServer(proxy, lifetime=15.0) as server:
        option: str | httpx.Proxy = server.url if given == "url" else httpx.Proxy(server.url)
        with (
            default_http_client(proxy=option) as http,
            VelerianClient(api_key=KEY, base_url=UNREACHABLE, http_client=http) as client,
        ):
            client.plans.list()
    (request,) = proxy.requests
    check_through_proxy(request)


def test_the_async_client_sends_through_its_proxy() -> None:
    proxy = proxy_answering_the_api()

    async def go(url: str) -> None:
        async with (
            default_async_http_client(proxy=url) as http,
            AsyncVelerianClient(api_key=KEY, base_url=UNREACHABLE, http_client=http) as client,
        ):
            await client.plans.list()

    with LoopbackServer(proxy, lifetime=15.0) as server:
        asyncio.run(go(server.url))
    (request,) = proxy.requests
    check_through_proxy(request)


def check_through_proxy(request: RecordedRequest) -> None:
    assert request.target.startswith(f"{UNREACHABLE}/api/v2/plans?")  # absolute: a proxy's
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["x-velerian-client"] == identity.client_identity()
    assert request.headers["x-velerian-attempt"] == "1"
    assert request.headers["user-agent"] == identity.USER_AGENT


def trickle_headers(connection: socket.socket, stop: threading.Event) -> None:
    """Answer with a status line, then one header byte every 0.1 s, never ending."""
    if read_request(connection, stop) is None:
        return
    connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not stop.wait(0.1):
        connection.sendall(b"a")


def test_the_call_deadline_still_bounds_a_sync_call_through_a_proxy() -> None:
    # Each byte arrives well inside the per-read timeout, so only the call's
    # total_timeout (0.5 s), applied to every read by the transport, can end the call.
    policy = RetryPolicy(total_timeout=0.5, max_retries=0)
    with (
        LoopbackServer(trickle_headers, lifetime=6.0) as server,
        default_http_client(proxy=server.url, timeout=30.0) as http,
        VelerianClient(
            api_key=KEY, base_url=UNREACHABLE, http_client=http, retry_policy=policy
        ) as client,
    ):
        started = time.monotonic()
        with pytest.raises(VelerianTimeoutError):
            client.plans.list()
        took = time.monotonic() - started
    assert took < 3.0, took
