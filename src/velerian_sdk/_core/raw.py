"""
The raw view of a typed call: status, headers, request id and timing, the model on demand.

:func:`raw_response` (sync) and :func:`araw_response` (async) wrap any typed method of a
client's namespaces. While the wrapped call runs, the sender records the response whose
body became the result, and the wrapper returns it as a :class:`RawResponse`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Generic, ParamSpec, TypeVar

import httpx

from .errors import VelerianArgumentError
from .redaction import attribute
from .requests import ResponseInfo, response_info

__all__ = ["RAW_RESPONSES", "RawResponse", "araw_response", "raw_response"]

P = ParamSpec("P")
T = TypeVar("T")

RAW_RESPONSES: ContextVar[list[httpx.Response] | None] = ContextVar(
    "velerian_raw_responses", default=None
)
"""While a wrapped call runs: the responses of its API calls, in order (see the senders)."""


class RawResponse(Generic[T]):
    """
    A typed call's HTTP response, with its result.

    Attributes:
        status_code: The HTTP status.
        headers: The response's headers (rate-limit state, server timing...).
        request_id: The server's ``x-request-id``: what to quote to support.
        attempts: How many attempts the call made.
        elapsed_s: Seconds from the call's start until its body was read.
        content: The body, as received (decoded).

    .. versionadded:: 0.2.0
    """

    __slots__ = ("_info", "_result", "content")

    def __init__(self, response: httpx.Response, result: T) -> None:
        """
        Describe ``response``, whose body became ``result``.

        Args:
            response: The response, its body read.
            result: What the typed method returned.
        """
        self._info: ResponseInfo = response_info(response)
        self._result = result
        self.content: bytes = response.content

    @property
    def status_code(self) -> int:
        """The HTTP status."""
        return self._info.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The response's headers."""
        return self._info.headers

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id``, if it sent one."""
        return self._info.request_id

    @property
    def attempts(self) -> int:
        """How many attempts the call made (``1`` when it was not retried)."""
        return self._info.attempts

    @property
    def elapsed_s(self) -> float:
        """Seconds from the call's start until its body was read."""
        return self._info.elapsed_s

    def parse(self) -> T:
        """
        Return the typed result, as the method itself would have.

        Returns:
            The model (or page) the body was validated into.
        """
        return self._result

    def __repr__(self) -> str:
        info = attribute(self, "_info")
        status = attribute(info, "status_code")
        request_id = info.request_id if isinstance(info, ResponseInfo) else "<unset>"
        return f"RawResponse(status_code={status!r}, request_id={request_id!r})"


def raw_response(method: Callable[P, T]) -> Callable[P, RawResponse[T]]:
    """
    Wrap a typed method of the sync client so that it returns its :class:`RawResponse`.

    Example:
        .. code-block:: python

            raw = raw_response(client.abps.invoke)(abp_id, payload={"prompt": "Hi"})
            print(raw.request_id, raw.headers.get("x-ratelimit-remaining"))
            result = raw.parse()  # the InvokeResult

    Args:
        method: A namespace method, such as ``client.abps.invoke``.

    Returns:
        A function taking the method's arguments.

    .. versionadded:: 0.2.0
    """

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        seen: list[httpx.Response] = []
        token = RAW_RESPONSES.set(seen)
        try:
            result = method(*args, **kwargs)
        finally:
            RAW_RESPONSES.reset(token)
        return RawResponse(_last(seen, method), result)

    return call


def araw_response(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    """
    Wrap a typed method of the async client so that it returns its :class:`RawResponse`.

    Example:
        .. code-block:: python

            raw = await araw_response(client.abps.invoke)(abp_id, payload={"prompt": "Hi"})
            print(raw.request_id, raw.attempts)

    Args:
        method: A namespace method, such as ``client.abps.invoke``.

    Returns:
        A coroutine function taking the method's arguments.

    .. versionadded:: 0.2.0
    """

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        seen: list[httpx.Response] = []
        token = RAW_RESPONSES.set(seen)
        try:
            result = await method(*args, **kwargs)
        finally:
            RAW_RESPONSES.reset(token)
        return RawResponse(_last(seen, method), result)

    return call


def _last(seen: list[httpx.Response], method: object) -> httpx.Response:
    if not seen:
        name = getattr(method, "__qualname__", repr(method))
        msg = f"{name} made no API call whose body became its result: it has no raw response"
        raise VelerianArgumentError(msg)
    return seen[-1]
