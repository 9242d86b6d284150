"""
Requests as they went out: one snapshot per attempt, for tests that check what was sent.

The SDK sends the same ``httpx.Request`` object on every attempt of a call and changes it
between attempts (its timeouts, and any header a link sets). A test that keeps the object
sees only its last state, once per attempt, and so cannot tell a retry that repeats its
``Idempotency-Key`` from one that sends a new key each time. A :class:`SentRequest` is
copied at the moment of sending, so each attempt reads as it was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import cast

import httpx

__all__ = ["SentRequest", "record_async_into", "record_into"]


@dataclass(frozen=True, slots=True)
class SentRequest:
    """
    One attempt as it was sent.

    Attributes:
        method: The HTTP method.
        url: The full URL.
        headers: A copy of the headers at the time of sending.
        content: The body bytes (empty when there was none).
        extensions: A copy of the extensions; the mappings in it are copied too.
        timeout: The ``timeout`` extension (connect, read, write, pool), empty if unset.
    """

    method: str
    url: httpx.URL
    headers: httpx.Headers
    content: bytes
    extensions: Mapping[str, object]
    timeout: Mapping[str, float | None]

    @classmethod
    def of(cls, request: httpx.Request) -> SentRequest:
        """
        Copy what ``request`` carries now.

        Args:
            request: A request a transport is about to answer (its body already read,
                as ``httpx.MockTransport`` and respx do before calling the handler).

        Returns:
            The snapshot; later changes to ``request`` do not reach it.
        """
        extensions: dict[str, object] = {}
        for name, value in request.extensions.items():
            # The retry link replaces or clips the timeouts between attempts.
            copied = dict(cast("dict[str, object]", value)) if isinstance(value, dict) else value
            extensions[name] = copied
        timeout: dict[str, float | None] = dict(request.extensions.get("timeout") or {})
        return cls(
            method=request.method,
            url=request.url,
            headers=request.headers.copy(),
            content=bytes(request.content),
            extensions=MappingProxyType(extensions),
            timeout=MappingProxyType(timeout),
        )


def record_into(
    log: list[SentRequest],
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    limit: int | None = None,
) -> Callable[[httpx.Request], httpx.Response]:
    """
    Wrap a ``MockTransport`` (or respx ``side_effect``) handler to log each attempt.

    Args:
        log: Where each attempt's snapshot is appended, in order.
        handler: Answers the request.
        limit: Fail the test (``AssertionError``) once ``log`` holds this many: a loop
            that never ends against a handler that answers at once would otherwise fill
            memory long before the test's timeout.

    Returns:
        A handler that snapshots, then answers.
    """

    def recording(request: httpx.Request) -> httpx.Response:
        if limit is not None and len(log) >= limit:
            msg = f"more than {limit} requests in one test: a loop that does not end?"
            raise AssertionError(msg)
        request.read()
        log.append(SentRequest.of(request))
        return handler(request)

    return recording


def record_async_into(
    log: list[SentRequest], handler: Callable[[httpx.Request], Awaitable[httpx.Response]]
) -> Callable[[httpx.Request], Awaitable[httpx.Response]]:
    """
    The same as :func:`record_into`, for a handler that awaits.

    Args:
        log: Where each attempt's snapshot is appended, in order.
        handler: Answers the request.

    Returns:
        A handler that snapshots, then awaits the answer.
    """

    async def recording(request: httpx.Request) -> httpx.Response:
        await request.aread()
        log.append(SentRequest.of(request))
        return await handler(request)

    return recording
