"""
The velerian-sdk contenders: the same GET and invoke as typed calls, and a typed walk.

A call goes through the whole middleware chain (default headers, idempotency key,
retry, auth, logging) and its body is validated into the SDK's pydantic model.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx

from velerian_sdk import AsyncVelerianClient, VelerianClient
from velerian_sdk._core.chain import new_idempotency_key
from velerian_sdk._models.abps import Abp, InvokeResult

from .payloads import ABP_ID, INVOKE_BODY, INVOKE_PAYLOAD
from .raw_operations import GET_PATH, INVOKE_PATH

__all__ = [
    "same_work_async_operation",
    "same_work_sync_operation",
    "sdk_async_operation",
    "sdk_sync_operation",
    "sdk_walk",
    "sdk_walk_async",
]


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


def same_work_sync_operation(client: httpx.Client, operation: str) -> Callable[[], object]:
    """
    Return raw httpx doing the work the API asks of every call, without the SDK.

    An invoke sends a fresh ``Idempotency-Key`` (made by the SDK's own generator, the
    cheapest we have), and the body is validated into the same model the SDK returns.
    Like the SDK, it requests absolute URLs: joining a relative path to ``base_url``
    costs httpx about 15% of an in-process call. What the SDK costs on top of this is
    its own machinery: the middleware chain, the retry policy, the deadline.

    Args:
        client: A raw client whose ``base_url`` is the server's origin.
        operation: ``"get"`` or ``"invoke"``.

    Returns:
        A function making one call.
    """
    get_url, invoke_url = _absolute(client.base_url)
    if operation == "get":
        return lambda: Abp.model_validate_json(client.get(get_url).content)

    def invoke() -> object:
        headers = {"Idempotency-Key": new_idempotency_key()}
        response = client.post(invoke_url, json=INVOKE_BODY, headers=headers)
        return InvokeResult.model_validate_json(response.content)

    return invoke


def same_work_async_operation(
    client: httpx.AsyncClient, operation: str
) -> Callable[[], Awaitable[object]]:
    """
    Return one async raw call doing the API's required work (see the sync twin).

    Args:
        client: A raw client whose ``base_url`` is the server's origin.
        operation: ``"get"`` or ``"invoke"``.

    Returns:
        A function starting one call.
    """

    get_url, invoke_url = _absolute(client.base_url)

    async def get() -> object:
        return Abp.model_validate_json((await client.get(get_url)).content)

    async def invoke() -> object:
        headers = {"Idempotency-Key": new_idempotency_key()}
        response = await client.post(invoke_url, json=INVOKE_BODY, headers=headers)
        return InvokeResult.model_validate_json(response.content)

    return get if operation == "get" else invoke


def _absolute(base_url: httpx.URL) -> tuple[str, str]:
    """The GET's and the invoke's absolute URLs on ``base_url``'s origin."""
    origin = str(base_url).rstrip("/")
    return origin + GET_PATH, origin + INVOKE_PATH


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
