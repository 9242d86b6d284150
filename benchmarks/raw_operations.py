"""
The raw-httpx contenders: what a user would write without any SDK.

A GET or an invoke, then ``.json()``. This module imports only httpx, so the comparison
worker (which runs in another environment, with velerian-sdk 0.1.2) shares it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx

from .payloads import ABP_ID, ABP_JSON, CHAT_COMPLETION_JSON, INVOKE_BODY, INVOKE_JSON

__all__ = [
    "API_KEY",
    "CHAT_PATH",
    "CHAT_REQUEST",
    "GET_PATH",
    "INVOKE_PATH",
    "canned_handler",
    "raw_async_operation",
    "raw_chat_operation",
    "raw_headers",
    "raw_sync_operation",
    "raw_walk",
    "raw_walk_async",
]

API_KEY = "vk_live_BenchmarkKey0000000000000000000000000"
GET_PATH = f"/api/v2/abps/{ABP_ID}"
INVOKE_PATH = f"/api/v2/abps/{ABP_ID}/invoke"

_HEADERS = {"content-type": "application/json", "x-request-id": "req_" + "0" * 24}


def canned_handler(request: httpx.Request) -> httpx.Response:
    """
    Answer like the loopback server, in process (for :class:`httpx.MockTransport`).

    Args:
        request: The request.

    Returns:
        The canned response for its route.
    """
    path = request.url.path
    if request.method == "POST":
        body = CHAT_COMPLETION_JSON if path.endswith("/chat/completions") else INVOKE_JSON
        return httpx.Response(200, content=body, headers=_HEADERS)
    return httpx.Response(200, content=ABP_JSON, headers=_HEADERS)


def raw_sync_operation(client: httpx.Client, operation: str) -> Callable[[], object]:
    """
    Return one raw call: ``"get"`` an ABP or ``"invoke"`` one, then decode the JSON.

    Args:
        client: A client whose ``base_url`` is the server's origin.
        operation: ``"get"`` or ``"invoke"``.

    Returns:
        A function making one call.
    """
    if operation == "get":
        return lambda: client.get(GET_PATH).json()
    return lambda: client.post(INVOKE_PATH, json=INVOKE_BODY).json()


def raw_async_operation(
    client: httpx.AsyncClient, operation: str
) -> Callable[[], Awaitable[object]]:
    """
    Return one raw async call (see :func:`raw_sync_operation`).

    Args:
        client: A client whose ``base_url`` is the server's origin.
        operation: ``"get"`` or ``"invoke"``.

    Returns:
        A function starting one call.
    """

    async def get() -> object:
        return (await client.get(GET_PATH)).json()

    async def invoke() -> object:
        return (await client.post(INVOKE_PATH, json=INVOKE_BODY)).json()

    return get if operation == "get" else invoke


def raw_headers() -> dict[str, str]:
    """Return the headers a raw client would set once: the key and ``Accept``."""
    return {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}


def raw_walk(client: httpx.Client, page_size: int) -> Iterator[object]:
    """
    Yield every audit entry as a ``dict``, page after page: the hand-written loop.

    Args:
        client: A client whose ``base_url`` sizes the server's audit log.
        page_size: Entries per request.

    Yields:
        Decoded entries.
    """
    offset = 0
    while True:
        params = {"limit": page_size, "offset": offset}
        body = client.get("api/v2/audit-log", params=params).json()
        items: list[object] = body["items"]
        yield from items
        offset += len(items)
        if len(items) < page_size or offset >= body.get("total", offset + 1):
            return


async def raw_walk_async(client: httpx.AsyncClient, page_size: int) -> AsyncIterator[object]:
    """
    Yield every audit entry with ``httpx.AsyncClient`` (see :func:`raw_walk`).

    Args:
        client: A client whose ``base_url`` sizes the server's audit log.
        page_size: Entries per request.

    Yields:
        Decoded entries.
    """
    offset = 0
    while True:
        params = {"limit": page_size, "offset": offset}
        body = (await client.get("api/v2/audit-log", params=params)).json()
        items: list[object] = body["items"]
        for item in items:
            yield item
        offset += len(items)
        if len(items) < page_size or offset >= body.get("total", offset + 1):
            return


CHAT_PATH = "/v1/chat/completions"
CHAT_REQUEST: dict[str, object] = {
    "model": "gpt-bench",
    "messages": [{"role": "user", "content": "Summarize the attached filing."}],
}
"""The body of every benchmarked chat completion."""


def raw_chat_operation(client: httpx.Client) -> Callable[[], object]:
    """
    Return one raw chat-completion call, the basis of the openai contender.

    Args:
        client: A client whose ``base_url`` is the server's origin.

    Returns:
        A function making one call.
    """
    return lambda: client.post(CHAT_PATH, json=CHAT_REQUEST).json()
