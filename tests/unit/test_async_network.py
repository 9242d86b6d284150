"""
The async client's network backend (``_async/network.py``) against real loopback servers.

Each test runs an asyncio server in the test's own event loop that answers, stalls, cuts
or floods on purpose, and checks what the SDK's pool transport makes of it: the answer,
or the ``httpx`` error the anyio backend would have raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import ssl
import sys
import tempfile
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import httpcore
import httpx
import pytest
import trustme

from velerian_sdk._async import transport as transport_module
from velerian_sdk._async.network import READ_HIGH_WATER, AsyncioBackend
from velerian_sdk._async.transport import PoolTransport, ShardedTransport
from velerian_sdk._core.chain import ATTEMPT_TIMER, DEADLINE
from velerian_sdk._core.retry import AsyncAttemptTimer

pytestmark = pytest.mark.timeout(30)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4)


@dataclass
class Server:
    """A loopback server: where it listens and what it has seen."""

    port: int
    connections: list[asyncio.StreamWriter] = field(default_factory=list[asyncio.StreamWriter])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def serve(
    handler: Handler, tls: ssl.SSLContext | None = None
) -> AsyncGenerator[Server, None]:
    server_info = Server(0)
    handlers: set[asyncio.Task[None]] = set()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server_info.connections.append(writer)
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            handlers.discard(task)

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=tls)
    server_info.port = server.sockets[0].getsockname()[1]
    try:
        yield server_info
    finally:
        server.close()
        for task in list(handlers):
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One HTTP/1.1 request: its head and its body (by Content-Length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return head, body


def answer(body: bytes, *, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%s\r\n" % (len(body), extra) + body


async def echo_forever(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer each request with a digest of its body, keeping the connection open."""
    while True:
        try:
            _, body = await read_request(reader)
        except asyncio.IncompleteReadError:
            return
        writer.write(answer(hashlib.sha256(body).hexdigest().encode()))
        await writer.drain()


def client(
    timeout: httpx.Timeout | float = 5.0, tls: ssl.SSLContext | None = None
) -> httpx.AsyncClient:
    transport = PoolTransport(LIMITS, ssl_context=tls or ssl.create_default_context())
    return httpx.AsyncClient(transport=transport, timeout=timeout)


def test_requests_round_trip_and_reuse_one_connection() -> None:
    async def main() -> None:
        async with serve(echo_forever) as server, client() as http:
            for size in (0, 10, 100_000):
                body = os.urandom(size)
                response = await http.post(server.origin + "/x", content=body)
                assert response.text == hashlib.sha256(body).hexdigest()
            assert len(server.connections) == 1

    asyncio.run(main())


def test_a_large_body_arrives_whole_through_paused_reads() -> None:
    body = os.urandom(READ_HIGH_WATER * 12 + 12_345)

    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(body))
        await writer.drain()
        await asyncio.sleep(1)

    async def main() -> None:
        async with serve(flood) as server, client() as http:
            async with http.stream("GET", server.origin) as response:
                digest = hashlib.sha256()
                async for chunk in response.aiter_raw():
                    digest.update(chunk)
                    await asyncio.sleep(0)  # a slow reader: the buffer fills and pauses
            assert digest.hexdigest() == hashlib.sha256(body).hexdigest()

    asyncio.run(main())


def test_a_server_that_never_answers_is_a_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(10)

    async def main() -> None:
        async with serve(silent) as server, client(timeout=0.2) as http:
            started = asyncio.get_running_loop().time()
            with pytest.raises(httpx.ReadTimeout):
                await http.get(server.origin)
            assert asyncio.get_running_loop().time() - started < 2

    asyncio.run(main())


def test_a_server_that_never_reads_is_a_write_timeout() -> None:
    async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    async def main() -> None:
        async with serve(deaf) as server, client(timeout=0.3) as http:
            with pytest.raises(httpx.WriteTimeout):
                await http.post(server.origin, content=b"x" * (64 * 1024 * 1024))

    asyncio.run(main())


def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: refused

    async def main() -> None:
        async with client() as http:
            with pytest.raises(httpx.ConnectError):
                await http.get(f"http://127.0.0.1:{port}/")

    asyncio.run(main())


def test_an_unknown_host_is_a_connect_error() -> None:
    async def main() -> None:
        async with client() as http:
            with pytest.raises(httpx.ConnectError):
                await http.get("http://no-such-host.invalid/")

    asyncio.run(main())


def test_a_body_cut_short_is_a_remote_protocol_error() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n" + b"x" * 10)
        await writer.drain()

    async def main() -> None:
        async with serve(cut) as server, client() as http:
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get(server.origin)

    asyncio.run(main())


def test_a_reset_connection_is_an_httpx_error() -> None:
    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n" + b"x" * 10)
        await writer.drain()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        writer.transport.abort()

    async def main() -> None:
        async with serve(reset) as server, client() as http:
            with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
                await http.get(server.origin)

    asyncio.run(main())


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b"ok"))  # no "connection: close": the client keeps it
        await writer.drain()

    async def main() -> None:
        async with serve(once) as server, client() as http:
            for _ in range(3):
                response = await http.get(server.origin)
                assert response.text == "ok"
                await asyncio.sleep(0.05)
            assert len(server.connections) == 3

    asyncio.run(main())


def test_a_close_not_yet_seen_by_the_loop_is_found_by_polling_the_socket() -> None:
    """The idle check sees a close that the event loop has not processed yet."""

    async def main() -> None:
        async with serve(echo_forever) as server:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port)
            assert stream.get_extra_info("is_readable") is False
            server.connections[0].transport.abort()
            deadline = asyncio.get_running_loop().time() + 2
            # Blocking sleeps: the loop does not run, so only the socket knows.
            while not stream.get_extra_info("is_readable"):
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.to_thread(lambda: None)
            await stream.aclose()

    asyncio.run(main())


def test_a_cancelled_read_leaves_the_pool_usable() -> None:
    calls = 0

    async def first_silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal calls
        await read_request(reader)
        calls += 1
        if calls == 1:
            await asyncio.sleep(10)
            return
        writer.write(answer(b"ok"))
        await writer.drain()

    async def main() -> None:
        async with serve(first_silent) as server, client() as http:
            waiting = asyncio.create_task(http.get(server.origin))
            await asyncio.sleep(0.1)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            response = await http.get(server.origin)
            assert response.text == "ok"

    asyncio.run(main())


def test_closing_the_pool_closes_its_sockets() -> None:
    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    async def main() -> None:
        async with serve(echo_forever) as server:
            before = open_fds()
            for _ in range(20):
                async with client() as http:
                    await http.post(server.origin, content=b"x")
            await asyncio.sleep(0.05)
            assert open_fds() - before <= 2  # the server's side may still be closing

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc")
    asyncio.run(main())


def test_socket_options_are_set_and_a_bad_one_is_a_connect_error() -> None:
    async def main() -> None:
        async with serve(echo_forever) as server:
            backend = AsyncioBackend()
            stream = await backend.connect_tcp(
                "127.0.0.1",
                server.port,
                socket_options=[(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)],
            )
            sock = cast("socket.socket", stream.get_extra_info("socket"))
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert stream.get_extra_info("server_addr") == ("127.0.0.1", server.port)
            assert stream.get_extra_info("client_addr")[0] == "127.0.0.1"
            assert stream.get_extra_info("ssl_object") is None
            assert stream.get_extra_info("no such thing") is None
            await stream.aclose()
            await stream.aclose()  # twice is harmless
            with pytest.raises(httpcore.ConnectError):
                await backend.connect_tcp(
                    "127.0.0.1", server.port, socket_options=[(socket.SOL_SOCKET, 999_999, 1)]
                )

    asyncio.run(main())


def test_reads_and_writes_on_a_closed_stream_are_errors() -> None:
    async def main() -> None:
        async with serve(echo_forever) as server:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port)
            await stream.aclose()
            with pytest.raises(httpcore.WriteError):
                await stream.write(b"GET / HTTP/1.1\r\n\r\n")
            with pytest.raises(httpcore.ReadError):
                await stream.read(100)

    asyncio.run(main())


def test_a_unix_socket_connects() -> None:
    done = asyncio.Event

    async def main(path: str) -> None:
        closed = done()

        async def echo_then_close(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            try:
                await echo_forever(reader, writer)
            finally:
                writer.close()
                await writer.wait_closed()
                closed.set()

        server = await asyncio.start_unix_server(echo_then_close, path)
        try:
            stream = await AsyncioBackend().connect_unix_socket(path, timeout=1)
            await stream.write(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nhi")
            head = await stream.read(65536)
            assert head.startswith(b"HTTP/1.1 200 OK")
            assert hashlib.sha256(b"hi").hexdigest().encode() in head
            await stream.aclose()
            await asyncio.wait_for(closed.wait(), 5)
        finally:
            server.close()
            await server.wait_closed()

    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(main(os.path.join(folder, "s")))


# TLS: a certificate authority of the test's own.


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def server_tls(authority: trustme.CA, alpn: list[str] | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost", "127.0.0.1").configure_cert(context)  # pyright: ignore[reportUnknownMemberType]
    if alpn:
        context.set_alpn_protocols(alpn)
    return context


def client_tls(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)  # pyright: ignore[reportUnknownMemberType]
    return context


def test_https_round_trip_with_a_trusted_certificate(authority: trustme.CA) -> None:
    async def main() -> None:
        tls = client_tls(authority)
        async with serve(echo_forever, server_tls(authority)) as server, client(tls=tls) as http:
            for size in (5, 300_000):
                body = os.urandom(size)
                response = await http.post(f"https://localhost:{server.port}/", content=body)
                assert response.text == hashlib.sha256(body).hexdigest()
            assert len(server.connections) == 1

    asyncio.run(main())


def test_an_untrusted_certificate_is_a_connect_error(authority: trustme.CA) -> None:
    async def main() -> None:
        tls = ssl.create_default_context()
        async with serve(echo_forever, server_tls(authority)) as server, client(tls=tls) as http:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await http.get(f"https://localhost:{server.port}/")

    asyncio.run(main())


def test_a_certificate_for_another_name_is_a_connect_error(authority: trustme.CA) -> None:
    other = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    other.issue_cert("elsewhere.example").configure_cert(context)  # pyright: ignore[reportUnknownMemberType]

    async def main() -> None:
        async with serve(echo_forever, context) as server:
            trusting = ssl.create_default_context()
            other.configure_trust(trusting)  # pyright: ignore[reportUnknownMemberType]
            async with client(tls=trusting) as http:
                with pytest.raises(httpx.ConnectError):
                    await http.get(f"https://localhost:{server.port}/")

    asyncio.run(main())


def test_a_handshake_that_never_ends_is_a_connect_timeout() -> None:
    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)  # plain TCP: the client's ClientHello is never answered

    async def main() -> None:
        timeout = httpx.Timeout(5.0, connect=0.3)
        async with serve(mute) as server, client(timeout=timeout) as http:
            started = asyncio.get_running_loop().time()
            with pytest.raises(httpx.ConnectTimeout):
                await http.get(f"https://127.0.0.1:{server.port}/")
            assert asyncio.get_running_loop().time() - started < 3

    asyncio.run(main())


def test_alpn_reaches_httpcore_through_the_ssl_object(authority: trustme.CA) -> None:
    async def main() -> None:
        async with serve(echo_forever, server_tls(authority, ["http/1.1"])) as server:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port)
            context = client_tls(authority)
            context.set_alpn_protocols(["h2", "http/1.1"])
            tls = await stream.start_tls(context, server_hostname="localhost", timeout=2)
            ssl_object = tls.get_extra_info("ssl_object")
            assert isinstance(ssl_object, ssl.SSLObject)
            assert ssl_object.selected_alpn_protocol() == "http/1.1"
            await tls.aclose()

    asyncio.run(main())


# The attempt's deadline and a response's close.


def _expiring_close(
    monkeypatch: pytest.MonkeyPatch,
) -> list[AsyncAttemptTimer]:
    """Make the attempt's deadline pass in the middle of every response close."""
    original = transport_module._BodyStream.aclose  # pyright: ignore[reportPrivateUsage]
    expired: list[AsyncAttemptTimer] = []

    async def expiring_close(self: transport_module._BodyStream) -> None:  # pyright: ignore[reportPrivateUsage]
        timer = self._request.extensions.get(ATTEMPT_TIMER)  # pyright: ignore[reportPrivateUsage]
        if isinstance(timer, AsyncAttemptTimer):
            timer.expire()  # what the watchdog does at the deadline
            expired.append(timer)
        for _ in range(3):
            await asyncio.sleep(0)  # the close waits on the network
        await original(self)

    monkeypatch.setattr(transport_module._BodyStream, "aclose", expiring_close)  # pyright: ignore[reportPrivateUsage]
    return expired


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="the attempt timer cancels attempts from 3.11 on"
)
@pytest.mark.parametrize("more_work", [False, True])
def test_a_deadline_passing_while_a_response_closes_lets_the_close_finish(
    monkeypatch: pytest.MonkeyPatch, more_work: bool
) -> None:
    """
    The close finishes and frees the connection; the deadline then ends the attempt
    only if it still waits on something, and never leaks out of it.
    """
    expired = _expiring_close(monkeypatch)
    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def attempt(http: httpx.AsyncClient, origin: str) -> int:
        request = http.build_request(
            "POST", origin, content=b"x", extensions={DEADLINE: time.monotonic() + 60}
        )
        with AsyncAttemptTimer(request):
            response = await http.send(request)  # reads the body, then closes it
            if more_work:
                await asyncio.sleep(0.05)
        return response.status_code

    async def main() -> None:
        async with serve(echo_forever) as server:
            transport = ShardedTransport(one)
            timeout = httpx.Timeout(5.0, pool=0.5)
            async with httpx.AsyncClient(transport=transport, timeout=timeout) as http:
                if more_work:
                    with pytest.raises(httpx.ReadTimeout):
                        await attempt(http, server.origin)
                else:
                    assert await attempt(http, server.origin) == 200
                task = asyncio.current_task()
                assert task is not None
                if sys.version_info >= (3, 11):  # the test runs there only (skipif above)
                    assert task.cancelling() == 0
                await asyncio.sleep(0.01)  # no cancellation left over
                monkeypatch.undo()
                assert (await http.post(server.origin, content=b"y")).status_code == 200
        assert len(expired) == 1

    asyncio.run(main())
