"""
The velerian-sdk contenders: the same GET and invoke, validated into models.

A call goes through the whole middleware chain (default headers, idempotency key,
retry, auth, logging) and its body is validated into a pydantic model, exactly as a
typed call does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from velerian_sdk import AsyncVelerianClient, VelerianClient

from .models import Abp, AuditPage, InvokeResponse
from .payloads import ABP_ID, INVOKE_BODY

__all__ = ["sdk_async_operation", "sdk_sync_operation", "sdk_walk", "sdk_walk_async"]

_GET = f"abps/{ABP_ID}"
_INVOKE = f"abps/{ABP_ID}/invoke"


def sdk_sync_operation(client: VelerianClient, operation: str) -> Callable[[], object]:
    """
    Return one SDK call: ``"get"`` an ABP or ``"invoke"`` one, validated into a model.

    Args:
        client: The client under test.
        operation: ``"get"`` or ``"invoke"``.

    Returns:
        A function making one call.
    """
    parse = client._parse  # pyright: ignore[reportPrivateUsage]  # what a typed call runs
    if operation == "get":
        return lambda: parse(client.get(_GET), Abp)
    return lambda: parse(client.post(_INVOKE, json=INVOKE_BODY), InvokeResponse)


def sdk_async_operation(
    client: AsyncVelerianClient, operation: str
) -> Callable[[], Awaitable[object]]:
    """
    Return one async SDK call (see :func:`sdk_sync_operation`).

    Args:
        client: The client under test.
        operation: ``"get"`` or ``"invoke"``.

    Returns:
        A function starting one call.
    """
    parse = client._parse  # pyright: ignore[reportPrivateUsage]  # what a typed call runs

    async def get() -> object:
        return parse(await client.get(_GET), Abp)

    async def invoke() -> object:
        return parse(await client.post(_INVOKE, json=INVOKE_BODY), InvokeResponse)

    return get if operation == "get" else invoke


def sdk_walk(client: VelerianClient, page_size: int) -> Iterator[object]:
    """
    Yield every audit entry, page after page, each page validated into models.

    Args:
        client: The client under test; its base URL sizes the server's audit log.
        page_size: Entries per request.

    Yields:
        Validated entries.
    """
    parse = client._parse  # pyright: ignore[reportPrivateUsage]  # what a typed call runs
    offset = 0
    while True:
        params = {"limit": page_size, "offset": offset}
        page = parse(client.get("audit-log", params=params), AuditPage)
        yield from page.items
        offset += len(page.items)
        if len(page.items) < page_size or (page.total is not None and offset >= page.total):
            return


async def sdk_walk_async(client: AsyncVelerianClient, page_size: int) -> AsyncIterator[object]:
    """
    Yield every audit entry with the async client (see :func:`sdk_walk`).

    Args:
        client: The client under test.
        page_size: Entries per request.

    Yields:
        Validated entries.
    """
    parse = client._parse  # pyright: ignore[reportPrivateUsage]  # what a typed call runs
    offset = 0
    while True:
        params = {"limit": page_size, "offset": offset}
        page = parse(await client.get("audit-log", params=params), AuditPage)
        for item in page.items:
            yield item
        offset += len(page.items)
        if len(page.items) < page_size or (page.total is not None and offset >= page.total):
            return
