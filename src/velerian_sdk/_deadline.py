"""
A call's deadline, kept while its response body arrives.

``httpx`` timeouts apply to each network read, so a server that sends the body one byte
at a time, each just inside the read timeout, could hold a call far past
``RetryPolicy.total_timeout``. The retry link records the call's deadline on the
request; the clients wrap the body of every response they read in full with one of
these streams, which ends the read with a timeout as soon as the deadline has passed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "DEADLINE",
    "AsyncAttemptTimer",
    "AsyncDeadlineStream",
    "AttemptTimer",
    "DeadlineStream",
]

DEADLINE = "velerian_deadline"
"""Request extension: the call's deadline on the ``time.monotonic`` clock."""

_MESSAGE = "the call's total_timeout ran out while the response body was arriving"
_ATTEMPT_MESSAGE = "the call's total_timeout ran out while waiting for the response"


class AttemptTimer:
    """
    The synchronous twin of :class:`AsyncAttemptTimer`: it bounds nothing.

    A blocking read cannot be interrupted from the same thread, so a sync attempt is
    bounded by its clipped timeouts per read and, for the body, by
    :class:`DeadlineStream`; headers that trickle in are the documented gap.
    """

    __slots__ = ()

    def __init__(self, request: httpx.Request) -> None:
        del request

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


class AsyncAttemptTimer:
    """
    Bound a whole async attempt, response headers included, by the call's deadline.

    ``httpx`` timeouts apply per network read, so a server that sends its headers one
    byte at a time could hold an attempt for ever. Inside this block the attempt's task
    is cancelled when the request's deadline passes, and that cancellation surfaces as
    an ``httpx.ReadTimeout`` (which the clients turn into a ``VelerianTimeoutError``); a
    cancellation from anywhere else propagates untouched. One timer handle per attempt,
    without ``asyncio.timeout``'s state machine: this runs on every async call. Without
    a deadline, or on Python 3.10 (no ``Task.uncancel``), it does nothing.

    Args:
        request: The request being sent; its ``DEADLINE`` extension is the bound.
    """

    __slots__ = ("_expired", "_handle", "_request", "_task")

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self._handle: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[object] | None = None
        self._expired = False

    async def __aenter__(self) -> None:
        deadline = self._request.extensions.get(DEADLINE)
        if not isinstance(deadline, float) or not _CAN_UNCANCEL:
            return
        import asyncio  # here, not at the top: importing the SDK does not load it

        task = asyncio.current_task()
        if task is None:
            return
        loop = task.get_loop()
        self._task = task
        self._handle = loop.call_at(loop.time() + (deadline - time.monotonic()), self._expire)

    def _expire(self) -> None:
        self._expired = True
        if self._task is not None:
            self._task.cancel()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._handle is None:
            return
        self._handle.cancel()
        if not self._expired or self._task is None:
            return
        import asyncio

        # Take back our own cancellation; if nobody else asked for one, it was ours.
        still_cancelling = _uncancel(self._task)
        if exc_type is asyncio.CancelledError and still_cancelling == 0:
            raise httpx.ReadTimeout(_ATTEMPT_MESSAGE, request=self._request) from None


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
