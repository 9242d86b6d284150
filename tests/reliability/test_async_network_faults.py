"""
The async client's network backend attacked from outside: cancellation at every step, and
servers that cut, stall or flood, next to ``httpx``'s own (anyio) transport.

Each test runs its loopback servers in the test's own event loop. ``VELERIAN_NET_SWEEP``
sets how many cancellation points a sweep tries (40 by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import ssl
import struct
import sys
import warnings
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator

import httpx
import pytest
import trustme

from velerian_sdk._async.network import AsyncioBackend
from velerian_sdk._async.transport import PoolTransport

pytestmark = pytest.mark.timeout(30)

SWEEP = int(os.environ.get("VELERIAN_NET_SWEEP", "40"))
"""Cancellation points per sweep: loop turns before the cancel, from 0."""

LEAVES_TLS_TRANSPORTS = sys.version_info < (3, 11)
"""
Whether asyncio leaves the TLS transport of a cancelled ``start_tls`` unclosed.

Python 3.10's asyncio does (its socket is closed; the transport object warns when
collected): those warnings are left out there.
"""

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4)


@contextlib.asynccontextmanager
async def serve(handler: Handler, tls: ssl.SSLContext | None = None) -> AsyncGenerator[int, None]:
    """Serve ``handler`` on a loopback port (yielded) until the block ends."""
    handlers: set[asyncio.Task[None]] = set()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        except asyncio.CancelledError:
            # Ended by the block below: end quietly (asyncio's server logs a handler
            # task that ends cancelled).
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            handlers.discard(task)

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=tls)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        for task in list(handlers):
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One HTTP/1.1 request's body (by Content-Length), its head read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return await reader.readexactly(length) if length else b""


def answer(body: bytes, *, close: bool = False) -> bytes:
    extra = b"connection: close\r\n" if close else b""
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%s\r\n" % (len(body), extra) + body


async def answer_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer one request and close: every call opens a new connection."""
    await read_request(reader)
    writer.write(answer(b"ok", close=True))
    await writer.drain()


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def server_tls(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost", "127.0.0.1").configure_cert(context)  # pyright: ignore[reportUnknownMemberType]
    return context


def client_tls(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)  # pyright: ignore[reportUnknownMemberType]
    return context


@contextlib.contextmanager
def unclosed_resources() -> Generator[list[str], None, None]:
    """Collect the ``ResourceWarning`` of every socket or transport garbage collected open."""
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        try:
            yield found
        finally:
            gc.collect()
    found.extend(
        str(w.message)
        for w in caught
        if issubclass(w.category, ResourceWarning)
        and not (LEAVES_TLS_TRANSPORTS and "_SSLProtocolTransport" in str(w.message))
    )


async def cancelled_after(turns: int, call: Awaitable[object]) -> str:
    """
    Run ``call``, cancel it after ``turns`` turns of the loop, and say how it ended.

    Returns:
        ``"cancelled"``, ``"done"`` (it finished before the cancel), ``"swallowed"`` (it
        was asked to cancel and returned anyway) or the exception's class name.
    """
    task = asyncio.ensure_future(call)
    for _ in range(turns):
        await asyncio.sleep(0)
    asked = task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        return "cancelled"
    except Exception as exc:
        return type(exc).__name__
    return "swallowed" if asked else "done"


# Cancellation at every step of opening a connection.


def test_a_connect_cancelled_at_any_step_raises_and_leaves_no_socket_open() -> None:
    """
    Cancelling ``connect_tcp`` at any turn of the loop either cancels it or finds it done.

    asyncio's happy eyeballs dropped the winning socket unclosed when cancelled as it
    won, and ``asyncio.wait_for`` (Python 3.11) returned the connection and swallowed
    the cancellation when the two met, so the SDK's attempt timer could not stop the
    attempt.
    """

    async def main() -> dict[str, int]:
        outcomes: dict[str, int] = {}
        backend = AsyncioBackend()
        async with serve(answer_then_close) as port:
            for turns in range(SWEEP):
                connect = backend.connect_tcp("127.0.0.1", port, timeout=5.0)
                outcome = await cancelled_after(turns, connect)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if outcome == "done":
                    return outcomes  # every later turn would find it done too
        return outcomes

    with unclosed_resources() as unclosed:
        outcomes = asyncio.run(main())
    assert unclosed == []
    assert set(outcomes) <= {"cancelled", "done"}, outcomes
    assert outcomes.get("cancelled", 0) >= 1


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_call_cancelled_at_any_step_is_cancelled_and_the_pool_goes_on(
    scheme: str, authority: trustme.CA
) -> None:
    """Cancel a call on a new connection after 0, 1, 2... turns; the next call succeeds."""

    async def main() -> dict[str, int]:
        outcomes: dict[str, int] = {}
        tls = server_tls(authority) if scheme == "https" else None
        transport = PoolTransport(LIMITS, ssl_context=client_tls(authority))
        async with (
            serve(answer_then_close, tls) as port,
            httpx.AsyncClient(transport=transport, timeout=5.0) as http,
        ):
            url = f"{scheme}://localhost:{port}/"
            for turns in range(SWEEP):
                outcome = await cancelled_after(turns, http.post(url, content=b"x" * 1000))
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                assert (await http.get(url)).text == "ok"
        return outcomes

    with unclosed_resources() as unclosed:
        outcomes = asyncio.run(main())
    assert unclosed == []
    assert set(outcomes) <= {"cancelled", "done"}, outcomes
    assert outcomes.get("cancelled", 0) >= 1


# The same fault, the same httpx error, on both backends.


async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)


async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(b"this is not HTTP\r\n\r\n")
    await writer.drain()


async def cut_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n" + b"x" * 10)
    await writer.drain()


async def reset_after_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
    await writer.drain()
    await asyncio.sleep(0.05)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    await asyncio.sleep(10)


async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(10)


async def answer_and_half_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer, then shut the sending side while still reading what the client sends."""
    await read_request(reader)
    writer.write(answer(b"ok"))
    await writer.drain()
    writer.write_eof()
    await reader.read()


async def answer_early_and_half_close(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Answer before the upload has arrived, shut the sending side, drain the upload."""
    await reader.readuntil(b"\r\n\r\n")
    writer.write(answer(b"early"))
    await writer.drain()
    writer.write_eof()
    while await reader.read(65536):
        pass


FAULTS: dict[str, tuple[Handler, bool, int]] = {
    # name: (server, over TLS, upload size)
    "closes without answering": (close_at_once, False, 0),
    "answers garbage": (garbage, False, 0),
    "cuts the body short": (cut_body, False, 0),
    "resets after the head": (reset_after_head, False, 0),
    "never answers": (silent, False, 0),
    "never reads the upload": (deaf, False, 16 * 1024 * 1024),
    "answers, then half-closes": (answer_and_half_close, False, 0),
    "answers early, then half-closes": (answer_early_and_half_close, False, 4 * 1024 * 1024),
    "TLS: closes without answering": (close_at_once, True, 0),
    "TLS: cuts the body short": (cut_body, True, 0),
    "TLS: never answers": (silent, True, 0),
}


async def outcome_of(transport: httpx.AsyncBaseTransport, url: str, upload: int) -> tuple[str, str]:
    """What one call ends in, twice on the same transport: an answer or an error class."""
    outcomes: list[str] = []
    async with httpx.AsyncClient(transport=transport, timeout=0.5) as http:
        for _ in range(2):
            try:
                response = await http.post(url, content=b"u" * upload)
            except httpx.TransportError as exc:
                outcomes.append(type(exc).__name__)
            else:
                outcomes.append(f"{response.status_code} {response.text}")
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_is_the_same_httpx_error_as_with_httpx_own_transport(
    fault: str, authority: trustme.CA
) -> None:
    handler, tls, upload = FAULTS[fault]

    async def main() -> tuple[tuple[str, str], tuple[str, str]]:
        async with serve(handler, server_tls(authority) if tls else None) as port:
            url = f"{'https' if tls else 'http'}://localhost:{port}/"
            ours = PoolTransport(LIMITS, ssl_context=client_tls(authority))
            theirs = httpx.AsyncHTTPTransport(verify=client_tls(authority), limits=LIMITS)
            return await outcome_of(ours, url, upload), await outcome_of(theirs, url, upload)

    ours, theirs = asyncio.run(main())
    assert ours == theirs


async def echo_forever(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer every request on the connection, keeping it open."""
    while True:
        try:
            body = await read_request(reader)
        except asyncio.IncompleteReadError:
            return
        writer.write(answer(body))
        await writer.drain()


@pytest.mark.xfail(
    strict=True,
    reason=(
        "httpcore 1.0.9 (encode/httpcore#1093, #658): a cancellation that lands while "
        "a response is being closed leaves its connection busy for ever, with either "
        "backend; httpcore's shield is anyio's, which asyncio's own cancel goes through"
    ),
)
@pytest.mark.parametrize("backend", ["ours", "httpx"])
def test_a_cancel_while_the_response_closes_leaves_no_connection_busy(backend: str) -> None:
    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def main() -> list[int]:
        stuck: list[int] = []
        async with serve(echo_forever) as port:
            url = f"http://127.0.0.1:{port}/"
            for turns in range(24):
                transport: httpx.AsyncBaseTransport = (
                    PoolTransport(one, ssl_context=ssl.create_default_context())
                    if backend == "ours"
                    else httpx.AsyncHTTPTransport(limits=one)
                )
                timeout = httpx.Timeout(2.0, pool=0.2)
                async with httpx.AsyncClient(transport=transport, timeout=timeout) as http:

                    async def read_whole(http: httpx.AsyncClient = http) -> None:
                        async with http.stream("POST", url, content=b"x") as response:
                            await response.aread()

                    await cancelled_after(turns, read_whole())
                    try:
                        await http.post(url, content=b"y")
                    except httpx.PoolTimeout:
                        stuck.append(turns)
        return stuck

    assert asyncio.run(main()) == []


# Through a proxy: an HTTP one, and an HTTPS one (TLS inside TLS from Python 3.11 on).


async def copy_until_closed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def tunnel(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A forwarding proxy: ``CONNECT`` tunnels, and absolute-form requests passed on."""
    head = await reader.readuntil(b"\r\n\r\n")
    method, target = head.split(b"\r\n")[0].split()[:2]
    if method == b"CONNECT":
        port = int(target.rsplit(b":", 1)[1])
    else:
        port = httpx.URL(target.decode()).port or 80
    upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
    if method == b"CONNECT":
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    else:
        upstream_writer.write(head)
    await asyncio.gather(
        copy_until_closed(reader, upstream_writer), copy_until_closed(upstream_reader, writer)
    )


@pytest.mark.parametrize("target", ["http", "https"])
@pytest.mark.parametrize("proxy_scheme", ["http", "https"])
def test_calls_go_through_a_proxy(proxy_scheme: str, target: str, authority: trustme.CA) -> None:
    async def main() -> None:
        target_tls = server_tls(authority) if target == "https" else None
        proxy_tls = server_tls(authority) if proxy_scheme == "https" else None
        async with serve(echo_forever, target_tls) as port, serve(tunnel, proxy_tls) as proxy:
            context = client_tls(authority) if proxy_scheme == "https" else None
            via = httpx.Proxy(f"{proxy_scheme}://localhost:{proxy}", ssl_context=context)
            transport = PoolTransport(LIMITS, ssl_context=client_tls(authority), proxy=via)
            async with httpx.AsyncClient(transport=transport, timeout=5.0) as http:
                for size in (1, 3_000_000):  # the larger one pauses reading on both layers
                    body = os.urandom(size)
                    response = await http.post(f"{target}://localhost:{port}/", content=body)
                    assert response.content == body

    asyncio.run(main())
