"""
The connection pool that a client and its ``with_options`` copies share, across forks.

A pooled connection is a socket, and a forked child inherits the parent's sockets: if
both processes sent calls on the same keep-alive connection they would read each
other's answers. So a process's forks are counted (:data:`generation`, bumped in the
child by ``os.register_at_fork``), and a client compares the count it last saw with it
on every call, an integer comparison. When a call finds that it runs in a child,
:meth:`SharedPool.current` leaves the inherited pool alone and opens a new one.

The inherited pool is never closed in the child, nor left for the garbage collector:
closing a connection can write on it (a TLS ``close_notify``, an HTTP/2 ``GOAWAY``),
and the parent is still using it. It is kept in :data:`_INHERITED` for the life of the
process instead. The sockets it holds are the parent's open files, which the child
holds anyway from the moment it is forked; nothing is sent on them.

An ``http_client`` the user passed in cannot be rebuilt here. In a child it is used as
is only if it provably holds no connection (``httpx``'s own transports, none open);
otherwise the call raises :class:`~velerian_sdk.VelerianClientMovedError`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import httpx

from .errors import (
    VelerianClientClosedError,
    VelerianClientMovedError,
    VelerianError,
    with_scrubbed_cause,
)

__all__ = ["SharedPool", "generation", "moved_loop_error", "open_connections"]

HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)

generation: int = 0
"""How many forks separate this process from the one that imported the SDK."""

_renewing: threading.Lock = threading.Lock()
"""Held while a pool is renewed, so that two threads of a child open one pool, not two."""

_INHERITED: list[object] = []
"""Pools inherited from a parent process: referenced for ever, so never finalised here."""


def _after_fork_in_child() -> None:
    # Runs in the child's only thread, before any other code: no I/O, no lock taken.
    global generation, _renewing  # noqa: PLW0603 - the per-process state this module keeps
    generation += 1
    # A thread of the parent may have held the lock at the moment of the fork; that
    # thread does not exist here, so the child's copy would never be released.
    _renewing = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)


class SharedPool(Generic[HttpT]):
    """
    One client's ``httpx`` client, shared with its ``with_options`` copies.

    Args:
        http: The ``httpx`` client calls go through now.
        build: Opens a new pool like ``http``; ``None`` when ``http`` is the user's.
    """

    __slots__ = ("_build", "closed", "generation", "http")

    http: HttpT
    _build: Callable[[], HttpT] | None
    generation: int
    closed: bool

    def __init__(self, http: HttpT, build: Callable[[], HttpT] | None) -> None:
        self.http = http
        self._build = build
        self.generation = generation
        self.closed = False

    @property
    def owned(self) -> bool:
        """Whether the SDK built the ``httpx`` client (and so closes and renews it)."""
        return self._build is not None

    def current(self, client_name: str) -> HttpT:
        """
        Return the ``httpx`` client to send through in this process.

        The calls' slow path: the first call after a fork, or on a closed client.

        Args:
            client_name: The client's class name, for the error messages.

        Returns:
            The ``httpx`` client.

        Raises:
            VelerianClientClosedError: The client was closed.
            VelerianClientMovedError: In a forked child, the user's ``http_client``
                may hold the parent's connections.
        """
        if self.generation != generation:
            with _renewing:
                if self.generation != generation:
                    self._leave_parent(client_name)
        if self.closed or self.http.is_closed:
            msg = (
                f"{client_name} is closed (its `with` block ended or close() was "
                "called): make calls inside the block, or build a new client"
            )
            raise VelerianClientClosedError(msg)
        return self.http

    def _leave_parent(self, client_name: str) -> None:
        if self._build is None:
            if open_connections(self.http) != 0:
                msg = (
                    f"this {client_name} is used in a process forked from the one that "
                    "built it, and its http_client may hold the parent's connections, "
                    "which would mix the two processes' answers: build the http_client "
                    f"and the {client_name} after the fork (in the worker), or let the "
                    f"{client_name} build its own http client, which it renews after a fork"
                )
                raise VelerianClientMovedError(msg)
        elif not self.closed:
            _INHERITED.append(self.http)
            self.http = self._build()
        self.generation = generation

    def release(self) -> HttpT | None:
        """
        Mark the pool closed and return the ``httpx`` client to close, if any.

        Returns:
            ``None`` when nothing may be closed here: the pool is the user's, or it
            was inherited from a parent process, whose connections it still uses.
        """
        with _renewing:
            self.closed = True
            if self._build is None:
                return None
            if self.generation != generation:
                _INHERITED.append(self.http)
                return None
            return self.http


def open_connections(http: httpx.Client | httpx.AsyncClient) -> int | None:
    """
    Count the connections ``http`` holds open, or ``None`` if that cannot be known.

    Only ``httpx``'s own transports (and :class:`httpx.MockTransport`, which has no
    connections) can be inspected; any other transport, or a mounted one, may hold
    connections for all the SDK can tell.

    Args:
        http: An ``httpx`` client.

    Returns:
        The number of connections, or ``None``.
    """
    transports: list[object] = [getattr(http, "_transport", None)]
    mounts: dict[object, object] = getattr(http, "_mounts", {})
    transports.extend(mounts.values())
    count = 0
    for transport in transports:
        if transport is None or isinstance(transport, httpx.MockTransport):
            continue
        if not isinstance(transport, (httpx.HTTPTransport, httpx.AsyncHTTPTransport)):
            return None
        pool: object = getattr(transport, "_pool", None)
        connections: object = getattr(pool, "connections", None)
        if not isinstance(connections, list):
            return None
        count += len(connections)  # pyright: ignore[reportUnknownArgumentType]
    return count


def moved_loop_error(exc: RuntimeError) -> VelerianClientMovedError | None:
    """
    Say in our words that a connection was used from the wrong event loop, if it was.

    The async client's own pools follow the event loop (see ``_async/transport.py``);
    an ``http_client`` of the user's does not, and ``asyncio`` says so with a bare
    ``RuntimeError`` ("Event loop is closed", "... attached to a different loop").

    Args:
        exc: What sending raised.

    Returns:
        The error to raise (after the ``except`` block) when ``exc`` is about an event
        loop, else ``None``.
    """
    if isinstance(exc, VelerianError) or "loop" not in str(exc):
        return None
    msg = (
        f"the http_client given to this AsyncVelerianClient failed on this event loop "
        f"({exc}): its connections belong to the event loop that opened them. Build the "
        "http_client and the AsyncVelerianClient inside the event loop that uses them, "
        "or let the AsyncVelerianClient build its own, which opens a pool per loop"
    )
    return with_scrubbed_cause(VelerianClientMovedError(msg), exc)
