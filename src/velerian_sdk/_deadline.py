"""
A call's deadline, kept while its response body arrives.

``httpx`` timeouts apply to each network read, so a server that sends the body one byte
at a time, each just inside the read timeout, could hold a call far past
``RetryPolicy.total_timeout``. The retry link records the call's deadline on the
request; the clients wrap the body of every response they read in full with one of
these streams, which ends the read with a timeout as soon as the deadline has passed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator

import httpx

__all__ = ["DEADLINE", "AsyncDeadlineStream", "DeadlineStream"]

DEADLINE = "velerian_deadline"
"""Request extension: the call's deadline on the ``time.monotonic`` clock."""

_MESSAGE = "the call's total_timeout ran out while the response body was arriving"


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
