"""
A call's deadline, kept while its response arrives.

``httpx`` timeouts apply to each network read, so a server that sends its headers or its
body one byte at a time, each just inside the read timeout, could hold a call far past
``RetryPolicy.total_timeout``. The retry link records the call's deadline on the
request, and each attempt is bounded by it in one of three ways:

- async, Python 3.11+: :class:`AsyncAttemptTimer` cancels the attempt at the deadline;
- sync: :class:`AttemptTimer` publishes the deadline in :data:`ATTEMPT_DEADLINE`, and
  the client's own transport (``_owned_transport``) gives every read the time left;
- otherwise, and for an injected ``http_client``: the body of every response read in
  full is wrapped in a :class:`DeadlineStream`, which ends the read with a timeout
  once the deadline has passed (headers that trickle in stay unbounded there).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar, Token
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "ATTEMPT_DEADLINE",
    "DEADLINE",
    "AsyncAttemptTimer",
    "AsyncDeadlineStream",
    "AttemptTimer",
    "DeadlineStream",
]

DEADLINE = "velerian_deadline"
"""Request extension: the call's deadline on the ``time.monotonic`` clock."""

ATTEMPT_DEADLINE: ContextVar[float | None] = ContextVar("velerian_attempt_deadline", default=None)
"""The running sync attempt's deadline (``time.monotonic``), for the client's transport."""

_MESSAGE = "the call's total_timeout ran out while the response body was arriving"
_ATTEMPT_MESSAGE = "the call's total_timeout ran out while waiting for the response"


class AttemptTimer:
    """
    The synchronous twin of :class:`AsyncAttemptTimer`: it publishes the deadline.

    A blocking read cannot be interrupted from its own thread. Inside this block the
    request's deadline is in ``ATTEMPT_DEADLINE``, where the sync client's own transport
    (``owned_transport_sync``) reads it and gives every network read and write at most
    the time left. An injected ``http_client``'s transport does not look; the caller
    still bounds the body with :class:`DeadlineStream`, so entering returns ``False``.

    Args:
        request: The request being sent; its ``DEADLINE`` extension is the bound.
    """

    __slots__ = ("_request", "_token")

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self._token: Token[float | None] | None = None

    def __enter__(self) -> bool:
        deadline = self._request.extensions.get(DEADLINE)
        if isinstance(deadline, float):
            self._token = ATTEMPT_DEADLINE.set(deadline)
        return False

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            ATTEMPT_DEADLINE.reset(self._token)
            self._token = None


class AsyncAttemptTimer:
    """
    Bound a whole async attempt, response headers included, by the call's deadline.

    ``httpx`` timeouts apply per network read, so a server that sends its headers one
    byte at a time could hold an attempt for ever. Inside this block the attempt's task
    is cancelled when the request's deadline passes, and that cancellation surfaces as
    an ``httpx.ReadTimeout`` (which the clients turn into a ``VelerianTimeoutError``); a
    cancellation from anywhere else propagates untouched.

    This runs on every async call, so it arms no timer of its own: it registers with
    its event loop's :class:`_Watchdog`, one timer handle per loop that wakes at the
    earliest registered deadline. Without a deadline, outside an asyncio task, or on
    Python 3.10 (no ``Task.uncancel``), it does nothing, and entering it returns
    ``False``: the caller then bounds the body with :class:`AsyncDeadlineStream`.

    Args:
        request: The request being sent; its ``DEADLINE`` extension is the bound.
    """

    __slots__ = ("_expired", "_request", "_task", "_watchdog")

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self._task: asyncio.Task[object] | None = None
        self._watchdog: _Watchdog | None = None
        self._expired = False

    def __enter__(self) -> bool:
        deadline = self._request.extensions.get(DEADLINE)
        if not isinstance(deadline, float) or not _CAN_UNCANCEL:
            return False
        try:
            task = (_current_task or _load_current_task())()
        except RuntimeError:  # no asyncio loop is running this coroutine
            return False
        if task is None:
            return False
        loop = task.get_loop()
        watchdog = _WATCHDOGS.get(loop)
        if watchdog is None:
            watchdog = _Watchdog.for_loop(loop)
        self._task = task
        self._watchdog = watchdog
        watchdog.add(self, loop.time() + (deadline - time.monotonic()))
        return True

    def expire(self) -> None:
        """Cancel the attempt's task: its deadline has passed (called by the watchdog)."""
        self._expired = True
        if self._task is not None:
            self._task.cancel()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._watchdog is None:
            return
        self._watchdog.remove(self)
        if not self._expired or self._task is None:
            return
        import asyncio

        # Take back our own cancellation; if nobody else asked for one, it was ours.
        still_cancelling = _uncancel(self._task)
        if exc_type is asyncio.CancelledError and still_cancelling == 0:
            raise httpx.ReadTimeout(_ATTEMPT_MESSAGE, request=self._request) from None


class _Watchdog:
    """
    One event loop's timer for every attempt in flight on it.

    A handle of the loop's own (``call_at``) and a ``cancel`` per attempt would cost each
    call a heap push and leave a cancelled handle behind in the loop's heap; here an
    attempt costs a dict insert and a delete. The single handle is armed at the earliest
    deadline registered; when it fires it cancels the attempts past their deadline and
    re-arms for the next one, or stays unarmed when none is left.
    """

    __slots__ = ("_armed_at", "_entries", "_handle", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._entries: dict[AsyncAttemptTimer, float] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._armed_at = math.inf

    @classmethod
    def for_loop(cls, loop: asyncio.AbstractEventLoop) -> _Watchdog:
        """Return ``loop``'s watchdog, creating it and forgetting closed loops' ones."""
        for known in list(_WATCHDOGS):
            if known.is_closed():
                _WATCHDOGS.pop(known, None)
        return _WATCHDOGS.setdefault(loop, cls(loop))

    def add(self, timer: AsyncAttemptTimer, when: float) -> None:
        """Watch ``timer`` until ``when`` (on the loop's clock)."""
        self._entries[timer] = when
        if when < self._armed_at:
            if self._handle is not None:
                self._handle.cancel()
            self._handle = self._loop.call_at(when, self._fire)
            self._armed_at = when

    def remove(self, timer: AsyncAttemptTimer) -> None:
        """Stop watching ``timer``: its attempt is over."""
        self._entries.pop(timer, None)

    @property
    def armed(self) -> bool:
        """Whether the loop holds a handle for this watchdog."""
        return self._handle is not None

    def _fire(self) -> None:
        self._handle = None
        self._armed_at = math.inf
        # call_at may run a handle up to the clock's resolution early.
        now = self._loop.time() + _EARLY
        expired = [timer for timer, when in self._entries.items() if when <= now]
        for timer in expired:
            del self._entries[timer]
            timer.expire()
        if self._entries:
            when = min(self._entries.values())
            self._handle = self._loop.call_at(when, self._fire)
            self._armed_at = when


_EARLY = 1e-3
_WATCHDOGS: dict[asyncio.AbstractEventLoop, _Watchdog] = {}


def _load_current_task() -> Callable[[], asyncio.Task[object] | None]:
    # Imported on the first bounded attempt, not with this module: importing the SDK
    # does not load asyncio (an async client has loaded it by then).
    global _current_task  # noqa: PLW0603 - resolved once
    import asyncio

    _current_task = asyncio.current_task
    return _current_task


_current_task: Callable[[], asyncio.Task[object] | None] | None = None
_CAN_UNCANCEL = sys.version_info >= (3, 11)


def _uncancel(task: asyncio.Task[object]) -> int:
    uncancel: Callable[[], int] = getattr(task, "uncancel")  # noqa: B009 - Python 3.11+
    return uncancel()


class DeadlineStream(httpx.SyncByteStream):
    """A response body that raises :class:`httpx.ReadTimeout` once the deadline passes."""

    def __init__(
        self,
        stream: httpx.SyncByteStream,
        deadline: float,
        request: httpx.Request,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._deadline = deadline
        self._request = request
        self._clock = clock

    @classmethod
    def attach(cls, response: httpx.Response) -> None:
        """Bound ``response``'s body by its request's deadline, if it has one."""
        deadline = response.request.extensions.get(DEADLINE)
        if isinstance(deadline, float) and isinstance(response.stream, httpx.SyncByteStream):
            response.stream = cls(response.stream, deadline, response.request)

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            if self._clock() > self._deadline:
                raise httpx.ReadTimeout(_MESSAGE, request=self._request)
            yield chunk

    def close(self) -> None:
        self._stream.close()


class AsyncDeadlineStream(httpx.AsyncByteStream):
    """The asynchronous twin of :class:`DeadlineStream`."""

    def __init__(
        self,
        stream: httpx.AsyncByteStream,
        deadline: float,
        request: httpx.Request,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._deadline = deadline
        self._request = request
        self._clock = clock

    @classmethod
    def attach(cls, response: httpx.Response) -> None:
        """Bound ``response``'s body by its request's deadline, if it has one."""
        deadline = response.request.extensions.get(DEADLINE)
        if isinstance(deadline, float) and isinstance(response.stream, httpx.AsyncByteStream):
            response.stream = cls(response.stream, deadline, response.request)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            if self._clock() > self._deadline:
                raise httpx.ReadTimeout(_MESSAGE, request=self._request)
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()
