"""
Opening a TCP socket to the first of a host's addresses to answer (RFC 8305).

asyncio has this built in (``loop.create_connection(happy_eyeballs_delay=...)``), but
its race loses the winning socket, unclosed, when the caller is cancelled just as a
connection is made; the SDK cancels attempts at their deadline, so that happens. Here
every socket but the one returned is closed, however the race ends.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Sequence

__all__ = ["HAPPY_EYEBALLS_DELAY", "first_connected"]

HAPPY_EYEBALLS_DELAY = 0.25
"""Seconds before trying a host's next address in parallel (RFC 8305's advice)."""

_SocketAddress = tuple[str, int] | tuple[str, int, int, int] | tuple[int, bytes]
_AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, _SocketAddress]


async def first_connected(host: str, port: int, local_address: str | None) -> socket.socket:
    """
    Connect to ``host``: its addresses in turn, the next one started after a delay.

    Args:
        host: A name or an address.
        port: The port.
        local_address: The local address to bind to first, or ``None``.

    Returns:
        The connected, non-blocking socket; no other is left open.

    Raises:
        OSError: The name did not resolve, or no address took the connection.
    """
    loop = asyncio.get_running_loop()
    infos = _numeric(host, port) or await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = iter(_interleaved(infos))
    started: list[asyncio.Task[socket.socket]] = []
    pending: set[asyncio.Task[socket.socket]] = set()
    failures: list[BaseException] = []
    winner: asyncio.Task[socket.socket] | None = None
    try:
        while True:
            info = next(addresses, None)
            if info is not None:
                family, _, proto, _, address = info
                attempt = loop.create_task(_connect(family, proto, address, local_address))
                started.append(attempt)
                pending.add(attempt)
            elif not pending:
                break
            delay = None if info is None else HAPPY_EYEBALLS_DELAY
            done, pending = await asyncio.wait(
                pending, timeout=delay, return_when=asyncio.FIRST_COMPLETED
            )
            for attempt in done:
                failure = attempt.exception()
                if failure is None:
                    winner = attempt
                    return attempt.result()
                failures.append(failure)
    finally:
        for attempt in started:
            if attempt is not winner:
                _discard(attempt)
    if len(failures) == 1 and isinstance(failures[0], OSError):
        raise failures[0]
    reasons = "; ".join(str(failure) for failure in failures) or "no address"
    msg = f"could not connect to {host}:{port}: {reasons}"
    raise OSError(msg)


def _numeric(host: str, port: int) -> list[_AddressInfo]:
    """``host`` as its one address if it is an IP address, resolved without a thread."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        address = (host, port) if family == socket.AF_INET else (host, port, 0, 0)
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)]
    return []


def _interleaved(infos: Sequence[_AddressInfo]) -> list[_AddressInfo]:
    """The addresses, alternating between families, the first one's family first."""
    by_family: dict[int, list[_AddressInfo]] = {}
    for info in infos:
        by_family.setdefault(info[0], []).append(info)
    return [
        info
        for round_ in itertools.zip_longest(*by_family.values())
        for info in round_
        if info is not None
    ]


async def _connect(
    family: int,
    proto: int,
    address: _SocketAddress,
    local_address: str | None,
) -> socket.socket:
    """One attempt: a socket connected to ``address``, or closed and an error raised."""
    sock = socket.socket(family, socket.SOCK_STREAM, proto)
    try:
        sock.setblocking(False)
        if local_address is not None:
            sock.bind((local_address, 0))
        await asyncio.get_running_loop().sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock


def _discard(attempt: asyncio.Task[socket.socket]) -> None:
    """Stop an attempt that did not win; close its socket if it connects all the same."""
    if attempt.done():
        _close_result(attempt)
        return
    attempt.cancel()
    attempt.add_done_callback(_close_result)


def _close_result(attempt: asyncio.Task[socket.socket]) -> None:
    # Reading the exception also keeps asyncio from reporting it as never retrieved.
    if not attempt.cancelled() and attempt.exception() is None:
        attempt.result().close()
