"""
The async client's network layer: ``httpcore``'s network backend on asyncio's own streams.

Written by hand (the sync client uses ``httpcore``'s socket backend). ``httpcore``
reaches asyncio through anyio by default, which enters a cancel scope and a timeout
scope for every read and write of every call. This backend talks to asyncio directly:
a connection is an asyncio transport and a :class:`_Protocol` that buffers what
arrives, a read waits on one future, and its timeout is one timer handle, armed only
when the read has to wait. TLS is asyncio's (``loop.start_tls``).

Every failure is raised as the ``httpcore`` error the anyio backend raises for it, so
``httpcore`` and the transport above treat both backends alike.
"""

from __future__ import annotations

import asyncio
import select
import socket
import sys
from collections import deque
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, TypeVar

import httpcore

from .happy_eyeballs import first_connected

if TYPE_CHECKING:
    import ssl

__all__ = ["TLS_IN_TLS", "AsyncioBackend"]

_SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)
"""A socket option as ``httpcore``'s backends take it."""

READ_HIGH_WATER = 256 * 1024
"""Bytes buffered unread before the connection stops reading from its socket."""

_CLOSED = "the connection is closed"

TLS_IN_TLS = sys.version_info >= (3, 11)
"""Whether asyncio can start TLS inside a TLS connection (an HTTPS proxy's tunnel)."""


_T = TypeVar("_T")


async def _within_deadline(step: Awaitable[_T], timeout: float | None) -> _T:
    """
    Await ``step``, raising ``TimeoutError`` once ``timeout`` seconds have passed.

    ``asyncio.wait_for`` (before Python 3.12) returns the result and drops a
    cancellation that arrives as ``step`` completes: the SDK's attempt timer then
    could not end the attempt. Here ``step`` runs in the caller's own task, and only
    the deadline's own cancellation becomes ``TimeoutError``.
    """
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(timeout):
            return await step
    else:
        return await _within_deadline_310(step, timeout)


async def _within_deadline_310(step: Awaitable[_T], timeout: float | None) -> _T:
    """Python 3.10's :func:`_within_deadline`: no ``asyncio.timeout``, no ``uncancel``."""
    if timeout is None:
        return await step
    # A flag tells our own cancel from anyone else's.
    task = asyncio.current_task()
    assert task is not None
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    timer = asyncio.get_running_loop().call_later(timeout, expire)
    try:
        return await step
    except asyncio.CancelledError:
        if not expired:
            raise
    finally:
        timer.cancel()
    raise TimeoutError  # our own cancel, once the handler above has let go of it


class _Protocol(asyncio.Protocol):
    """Buffers what a connection receives and wakes the one reader or writer waiting."""

    __slots__ = (
        "buffered",
        "chunks",
        "eof",
        "error",
        "lost",
        "read_paused",
        "read_waiter",
        "transport",
        "write_paused",
        "write_waiter",
    )

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.eof = False
        self.lost = False
        self.error: BaseException | None = None
        self.read_paused = False
        self.write_paused = False
        self.read_waiter: asyncio.Future[bool] | None = None
        self.write_waiter: asyncio.Future[bool] | None = None

    # asyncio's side.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > READ_HIGH_WATER and not self.read_paused:
            assert self.transport is not None
            self.read_paused = True
            self.transport.pause_reading()
        _wake(self.read_waiter)

    def eof_received(self) -> None:
        self.eof = True
        _wake(self.read_waiter)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.error = exc
        _wake(self.read_waiter)
        _wake(self.write_waiter)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        _wake(self.write_waiter)

    # The stream's side.

    def take(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes`` of what is buffered (at least one byte: something is)."""
        chunks = self.chunks
        chunk = chunks.popleft()
        if len(chunk) > max_bytes:
            chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        elif chunks and len(chunk) < max_bytes:
            parts = [chunk]
            size = len(chunk)
            while chunks and size + len(chunks[0]) <= max_bytes:
                part = chunks.popleft()
                parts.append(part)
                size += len(part)
            chunk = b"".join(parts)
        self.buffered -= len(chunk)
        if self.read_paused and self.buffered <= READ_HIGH_WATER // 2:
            assert self.transport is not None
            self.read_paused = False
            self.transport.resume_reading()
        return chunk

    async def wait_readable(self, timeout: float | None) -> bool:
        """Wait for data, the end of the stream or a lost connection; ``False`` on timeout."""
        waiter = self.read_waiter = asyncio.get_running_loop().create_future()
        try:
            return await _within(waiter, timeout)
        finally:
            self.read_waiter = None

    async def wait_writable(self, timeout: float | None) -> bool:
        """Wait until the transport takes writes again; ``False`` on timeout."""
        waiter = self.write_waiter = asyncio.get_running_loop().create_future()
        try:
            return await _within(waiter, timeout)
        finally:
            self.write_waiter = None

    def readable_now(self) -> bool:
        """Whether a read would return at once: data, the end, or a lost connection."""
        return bool(self.chunks) or self.eof or self.lost


async def _within(waiter: asyncio.Future[bool], timeout: float | None) -> bool:
    """Wait for ``waiter``; one timer handle ends the wait with ``False`` at ``timeout``."""
    if timeout is None:
        return await waiter
    timer = waiter.get_loop().call_later(timeout, _time_out, waiter)
    try:
        return await waiter
    finally:
        timer.cancel()


def _wake(waiter: asyncio.Future[bool] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(True)


def _time_out(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


class _Stream(httpcore.AsyncNetworkStream):
    """One connection, as ``httpcore`` reads and writes it."""

    __slots__ = ("_closed", "_protocol", "_transport")

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self._closed = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if self._closed:
            raise httpcore.ReadError(_CLOSED)
        if not protocol.chunks:
            while not protocol.readable_now():
                if self._transport.is_closing():
                    raise httpcore.ReadError(_CLOSED)
                if not await protocol.wait_readable(timeout):
                    raise httpcore.ReadTimeout("timed out reading from the connection")
            if not protocol.chunks:
                if protocol.error is not None:
                    raise httpcore.ReadError(str(protocol.error) or _CLOSED)
                return b""  # the end of the stream
        return protocol.take(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        if self._closed or protocol.lost or self._transport.is_closing():
            raise httpcore.WriteError(str(protocol.error or _CLOSED))
        self._transport.write(buffer)
        while protocol.write_paused:
            if protocol.lost:
                raise httpcore.WriteError(str(protocol.error or _CLOSED))
            if not await protocol.wait_writable(timeout):
                raise httpcore.WriteTimeout("timed out writing to the connection")

    async def aclose(self) -> None:
        self._closed = True
        transport = self._transport
        if transport.is_closing():
            return
        transport.close()
        # One turn of the loop lets the transport close its socket; a TLS transport
        # that is still saying goodbye to its peer is cut short.
        await asyncio.sleep(0)
        transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        failure: Exception | None = None
        transport: asyncio.BaseTransport | None = None
        try:
            handshake = loop.start_tls(
                self._transport,
                self._protocol,
                ssl_context,
                server_hostname=server_hostname,
                # Our own deadline below ends it first; asyncio's own is 60 s.
                ssl_handshake_timeout=None if timeout is None else timeout + 1.0,
            )
            transport = await _within_deadline(handshake, timeout)
        except (asyncio.TimeoutError, TimeoutError):
            failure = httpcore.ConnectTimeout("timed out during the TLS handshake")
        except OSError as exc:  # ssl.SSLError included
            failure = httpcore.ConnectError(str(exc) or type(exc).__name__)
        except TypeError:
            # asyncio before Python 3.11 cannot start TLS inside a TLS connection.
            failure = httpcore.ConnectError("TLS inside a TLS connection needs Python 3.11")
        if failure is not None:
            self._transport.abort()
            raise failure
        if not isinstance(transport, asyncio.Transport):  # closed as the handshake ended
            raise httpcore.ConnectError(_CLOSED)
        self._protocol.transport = transport  # reading pauses at the TLS layer from now on
        return _Stream(transport, self._protocol)

    def get_extra_info(self, info: str) -> object:
        transport = self._transport
        if info == "is_readable":
            return self._protocol.readable_now() or _socket_readable(
                transport.get_extra_info("socket")
            )
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        return None


def _socket_readable(sock: socket.socket | None) -> bool:
    """Whether the kernel has something to read for ``sock`` (or it is gone)."""
    if sock is None:
        return True
    fileno = sock.fileno()
    if fileno < 0:
        return True
    poller = select.poll()
    poller.register(fileno, select.POLLIN)
    return bool(poller.poll(0))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """``httpcore``'s network backend on asyncio transports, without anyio in between."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await _connected(_open_tcp(host, port, local_address), timeout, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        protocol = _Protocol()
        connecting = loop.create_unix_connection(lambda: protocol, path)
        return await _connected(connecting, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _open_tcp(
    host: str, port: int, local_address: str | None
) -> tuple[asyncio.BaseTransport, asyncio.BaseProtocol]:
    sock = await first_connected(host, port, local_address)
    # From here the transport owns the socket, and closes it if this is cancelled.
    return await asyncio.get_running_loop().create_connection(_Protocol, sock=sock)


async def _connected(
    connecting: Awaitable[tuple[asyncio.BaseTransport, asyncio.BaseProtocol]],
    timeout: float | None,
    socket_options: Iterable[_SocketOption] | None,
) -> _Stream:
    """Wait for a connection within ``timeout``, then set ``socket_options`` on it."""
    failure: Exception | None = None
    try:
        transport, protocol = await _within_deadline(connecting, timeout)
    except (asyncio.TimeoutError, TimeoutError):
        failure = httpcore.ConnectTimeout("timed out connecting")
    except OSError as exc:
        failure = httpcore.ConnectError(str(exc) or type(exc).__name__)
    else:
        return _configured(transport, protocol, socket_options)
    raise failure


def _configured(
    transport: asyncio.BaseTransport,
    protocol: asyncio.BaseProtocol,
    socket_options: Iterable[_SocketOption] | None,
) -> _Stream:
    failure: Exception | None = None
    assert isinstance(transport, asyncio.Transport)
    assert isinstance(protocol, _Protocol)
    sock = transport.get_extra_info("socket")
    try:
        for option in socket_options or ():
            sock.setsockopt(*option)
    except OSError as exc:
        failure = httpcore.ConnectError(f"could not set a socket option: {exc}")
    if failure is not None:
        transport.abort()
        raise failure
    return _Stream(transport, protocol)
