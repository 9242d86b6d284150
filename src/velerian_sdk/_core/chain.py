"""
The middleware chain every request passes through, and its two drivers.

A middleware is a generator, in the style of ``httpx.Auth.auth_flow``: it receives the
request, yields it (or a changed one) to the next link, receives the response, and
returns the response it wants the caller to see. Because it never does I/O itself, one
implementation serves the sync and the async client; :func:`send_through_chain` and
:func:`asend_through_chain` are the only code that knows which flavour is running.

A link may yield more than once (that is how retry works) and may yield a
:class:`Backoff` to ask its driver to sleep before sending. Exceptions raised below a
link (a :class:`~velerian_sdk.VelerianConnectionError`, say) are thrown into its
generator, so a link can catch them.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Generator, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal, TypeAlias

import httpx

from ._reprs import fields_repr

__all__ = [
    "Backoff",
    "Middleware",
    "MiddlewareFlow",
    "asend_through_chain",
    "send_through_chain",
]


@dataclass(frozen=True, slots=True)
class Backoff:
    """
    Yielded by a middleware to send ``request`` after sleeping ``seconds``.

    .. versionadded:: 0.2.0
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    seconds: float
    request: httpx.Request


MiddlewareFlow: TypeAlias = Generator["httpx.Request | Backoff", httpx.Response, httpx.Response]
"""What :meth:`Middleware.flow` returns: yields requests, receives responses."""


class Middleware:
    """
    One link of the request chain; subclass it to add your own behaviour.

    Override :meth:`on_request` and :meth:`on_response` for the common case (add a
    header, record a metric), or :meth:`flow` for full control (time the call, catch
    errors, send again). Your middleware runs once per attempt by default, innermost,
    after auth; set ``stage = "call"`` to run once per call, outside the retries.

    Example:
        .. code-block:: python

            import time
            from velerian_sdk import Middleware, MiddlewareFlow, VelerianClient

            class Timing(Middleware):
                def flow(self, request):
                    started = time.perf_counter()
                    response = yield request
                    print(request.url.path, time.perf_counter() - started)
                    return response

            client = VelerianClient(middleware=[Timing()])

    .. versionadded:: 0.2.0
    """

    stage: ClassVar[Literal["call", "attempt"]] = "attempt"

    def on_request(self, request: httpx.Request) -> None:
        """
        Inspect or change the request before it is sent.

        Args:
            request: The outgoing request; its headers may be changed in place.
        """

    def on_response(self, request: httpx.Request, response: httpx.Response) -> None:
        """
        Inspect the response before the caller sees it.

        Args:
            request: The request that was sent.
            response: Its response; the body is read unless the call streams.
        """

    def flow(self, request: httpx.Request) -> MiddlewareFlow:
        """
        Run this link: the default calls :meth:`on_request` and :meth:`on_response`.

        Args:
            request: The outgoing request.

        Returns:
            A generator that yields the request to send and returns the response.
        """
        self.on_request(request)
        response = yield request
        self.on_response(request, response)
        return response


_HOOKS_ONLY = Middleware.flow
"""The default flow. A link that keeps it is driven by calling its hooks directly: the
same behaviour as running the generator (an exception below it passes through), without
creating one per request."""

Send: TypeAlias = Callable[[httpx.Request], httpx.Response]
AsyncSend: TypeAlias = Callable[[httpx.Request], Awaitable[httpx.Response]]
Sleep: TypeAlias = Callable[[float], None]
AsyncSleep: TypeAlias = Callable[[float], Awaitable[None]]


def send_through_chain(
    chain: Sequence[Middleware],
    request: httpx.Request,
    send: Send,
    sleep: Sleep = time.sleep,
    index: int = 0,
) -> httpx.Response:
    """
    Drive ``chain[index:]`` for one request, with ``send`` at the bottom (sync).

    Args:
        chain: The middleware, outermost first.
        request: The request handed to ``chain[index]``.
        send: Sends a request over the network and returns its response.
        sleep: Waits before a :class:`Backoff`'s request is sent.
        index: Which link to start from.

    Returns:
        The response that the outermost link returned.
    """
    if index == len(chain):
        return send(request)
    link = chain[index]
    if type(link).flow is _HOOKS_ONLY:
        link.on_request(request)
        response = send_through_chain(chain, request, send, sleep, index + 1)
        link.on_response(request, response)
        return response
    flow = link.flow(request)
    step = next(flow)
    while True:
        if isinstance(step, Backoff):
            if step.seconds > 0:
                sleep(step.seconds)
            step = step.request
        try:
            response = send_through_chain(chain, step, send, sleep, index + 1)
        except Exception as exc:  # noqa: BLE001 - handed to the link, which may re-raise
            try:
                step = flow.throw(exc)
            except StopIteration as stop:
                return _returned(stop)
            continue
        try:
            step = flow.send(response)
        except StopIteration as stop:
            return _returned(stop)


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio  # here, not at the top: a program that never goes async never loads it

    await asyncio.sleep(seconds)


async def asend_through_chain(
    chain: Sequence[Middleware],
    request: httpx.Request,
    send: AsyncSend,
    sleep: AsyncSleep = _asyncio_sleep,
    index: int = 0,
) -> httpx.Response:
    """
    Drive ``chain[index:]`` for one request, with ``send`` at the bottom (async).

    The twin of :func:`send_through_chain`; a :class:`Backoff` sleeps with
    :func:`asyncio.sleep` by default, so cancelling the task cancels the wait.

    Args:
        chain: The middleware, outermost first.
        request: The request handed to ``chain[index]``.
        send: Sends a request over the network and returns its response.
        sleep: Waits before a :class:`Backoff`'s request is sent.
        index: Which link to start from.

    Returns:
        The response that the outermost link returned.
    """
    if index == len(chain):
        return await send(request)
    link = chain[index]
    if type(link).flow is _HOOKS_ONLY:
        link.on_request(request)
        response = await asend_through_chain(chain, request, send, sleep, index + 1)
        link.on_response(request, response)
        return response
    flow = link.flow(request)
    step = next(flow)
    while True:
        if isinstance(step, Backoff):
            if step.seconds > 0:
                await sleep(step.seconds)
            step = step.request
        try:
            response = await asend_through_chain(chain, step, send, sleep, index + 1)
        except Exception as exc:  # noqa: BLE001 - handed to the link, which may re-raise
            try:
                step = flow.throw(exc)
            except StopIteration as stop:
                return _returned(stop)
            continue
        try:
            step = flow.send(response)
        except StopIteration as stop:
            return _returned(stop)


def _returned(stop: StopIteration) -> httpx.Response:
    value: object = stop.value
    if not isinstance(value, httpx.Response):
        msg = f"a middleware flow returned {type(value).__name__}, not an httpx.Response"
        raise TypeError(msg)
    return value
