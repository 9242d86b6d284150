"""
The velerian-sdk contenders: the same GET and invoke as typed calls, and a typed walk.

A call goes through the whole middleware chain (default headers, idempotency key,
retry, auth, logging) and its body is validated into the SDK's pydantic model.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from velerian_sdk import AsyncVelerianClient, VelerianClient

from .payloads import ABP_ID, INVOKE_PAYLOAD

__all__ = ["sdk_async_operation", "sdk_sync_operation", "sdk_walk", "sdk_walk_async"]


def sdk_sync_operation(client: VelerianClient, operation: str) -> Callable[[], object]:
    """
    Return one typed call: ``client.abps.retrieve`` or ``client.abps.invoke``.

    Args:
        client: The client under test.
        operation: ``"get"`` or ``"invoke"``.

    Returns:
        A function making one call.
    """
    abps = client.abps
    if operation == "get":
        return lambda: abps.retrieve(ABP_ID)
    return lambda: abps.invoke(ABP_ID, payload=INVOKE_PAYLOAD)


def sdk_async_operation(
    client: AsyncVelerianClient, operation: str
) -> Callable[[], Awaitable[object]]:
    """
    Return one async typed call (see :func:`sdk_sync_operation`).

    Args:
        client: The client under test.
        operation: ``"get"`` or ``"invoke"``.

    Returns:
        A function starting one call.
    """
    abps = client.abps
    if operation == "get":
        return lambda: abps.retrieve(ABP_ID)
    return lambda: abps.invoke(ABP_ID, payload=INVOKE_PAYLOAD)


def sdk_walk(client: VelerianClient, page_size: int) -> Iterator[object]:
    """
    Yield every audit entry with ``client.audit.iter``: validated models, page by page.

    Args:
        client: The client under test; its base URL sizes the server's audit log.
        page_size: Entries per request.

    Returns:
        The entries.
    """
    return client.audit.iter(page_size=page_size)


def sdk_walk_async(client: AsyncVelerianClient, page_size: int) -> AsyncIterator[object]:
    """
    Yield every audit entry with the async ``client.audit.iter``.

    Args:
        client: The client under test.
        page_size: Entries per request.

    Returns:
        The entries.
    """
    return client.audit.iter(page_size=page_size)
