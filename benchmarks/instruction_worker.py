"""
``python -m benchmarks.instruction_worker WORKLOAD N``: run a workload N times, for callgrind.

Run under ``valgrind --tool=callgrind`` by :mod:`benchmarks.instructions`, once with
``N`` and once with 0: the difference, divided by ``N``, is what one operation costs in
executed instructions, with the interpreter's start-up, the imports and the warm-up
left out. Every workload runs 20 times before the counted ones, so that validators,
caches and connections are built.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from contextlib import ExitStack

import httpx

from velerian_sdk import AsyncVelerianClient, VelerianClient
from velerian_sdk._core.requests import BaseClient
from velerian_sdk._models.audit import AuditLogEntry
from velerian_sdk._models.pages import page_envelope

from .payloads import audit_items, audit_page
from .raw_operations import (
    API_KEY,
    canned_handler,
    raw_async_operation,
    raw_headers,
    raw_sync_operation,
)
from .sdk_operations import sdk_async_operation, sdk_sync_operation
from .server_process import loopback_server

__all__ = ["PAGE_ITEMS", "WORKLOADS", "main"]

ORIGIN = "http://127.0.0.1:9"
"""Where in-process clients "send": loopback, so the SDK allows plain http."""

PAGE_ITEMS = 1_000
WARM_UP = 20

SyncMaker = Callable[[], Callable[[], object]]
AsyncMaker = Callable[[], Callable[[], Awaitable[object]]]


def _raw_sync(operation: str) -> SyncMaker:
    def make() -> Callable[[], object]:
        mock = httpx.MockTransport(canned_handler)
        client = httpx.Client(base_url=ORIGIN, headers=raw_headers(), transport=mock)
        return raw_sync_operation(client, operation)

    return make


def _sdk_sync(operation: str) -> SyncMaker:
    def make() -> Callable[[], object]:
        http_client = httpx.Client(transport=httpx.MockTransport(canned_handler))
        client = VelerianClient(api_key=API_KEY, base_url=ORIGIN, http_client=http_client)
        return sdk_sync_operation(client, operation)

    return make


def _loopback(stack: ExitStack) -> str:
    # The server is a child process: callgrind counts only this one, the client.
    return stack.enter_context(loopback_server())


def _raw_sync_loopback(operation: str) -> Callable[[ExitStack], Callable[[], object]]:
    def make(stack: ExitStack) -> Callable[[], object]:
        client = httpx.Client(base_url=_loopback(stack), headers=raw_headers())
        return raw_sync_operation(stack.enter_context(client), operation)

    return make


def _sdk_sync_loopback(operation: str) -> Callable[[ExitStack], Callable[[], object]]:
    def make(stack: ExitStack) -> Callable[[], object]:
        client = VelerianClient(api_key=API_KEY, base_url=_loopback(stack))
        return sdk_sync_operation(stack.enter_context(client), operation)

    return make


def _raw_async(operation: str) -> AsyncMaker:
    def make() -> Callable[[], Awaitable[object]]:
        mock = httpx.MockTransport(canned_handler)
        client = httpx.AsyncClient(base_url=ORIGIN, headers=raw_headers(), transport=mock)
        return raw_async_operation(client, operation)

    return make


def _sdk_async(operation: str) -> AsyncMaker:
    def make() -> Callable[[], Awaitable[object]]:
        http_client = httpx.AsyncClient(transport=httpx.MockTransport(canned_handler))
        client = AsyncVelerianClient(api_key=API_KEY, base_url=ORIGIN, http_client=http_client)
        return sdk_async_operation(client, operation)

    return make


def _page_body() -> bytes:
    return audit_page(audit_items(PAGE_ITEMS), limit=PAGE_ITEMS, offset=0, total=PAGE_ITEMS)


def _json_loads_page() -> Callable[[], object]:
    body = _page_body()
    return lambda: json.loads(body)


def _sdk_parse_page() -> Callable[[], object]:
    body = _page_body()
    response = httpx.Response(200, content=body, request=httpx.Request("GET", ORIGIN))
    parse = BaseClient.parse  # a list call's step
    envelope = page_envelope(AuditLogEntry)
    return lambda: parse(response, envelope)


SYNC_WORKLOADS: dict[str, SyncMaker] = {
    "raw-sync-get": _raw_sync("get"),
    "sdk-sync-get": _sdk_sync("get"),
    "raw-sync-invoke": _raw_sync("invoke"),
    "sdk-sync-invoke": _sdk_sync("invoke"),
    "json-loads-page": _json_loads_page,
    "sdk-parse-page": _sdk_parse_page,
}
LOOPBACK_WORKLOADS: dict[str, Callable[[ExitStack], Callable[[], object]]] = {
    "raw-sync-get-loopback": _raw_sync_loopback("get"),
    "sdk-sync-get-loopback": _sdk_sync_loopback("get"),
    "raw-sync-invoke-loopback": _raw_sync_loopback("invoke"),
    "sdk-sync-invoke-loopback": _sdk_sync_loopback("invoke"),
}
ASYNC_WORKLOADS: dict[str, AsyncMaker] = {
    "raw-async-get": _raw_async("get"),
    "sdk-async-get": _sdk_async("get"),
    "raw-async-invoke": _raw_async("invoke"),
    "sdk-async-invoke": _sdk_async("invoke"),
}
WORKLOADS = (*SYNC_WORKLOADS, *LOOPBACK_WORKLOADS, *ASYNC_WORKLOADS)


def run(workload: str, count: int) -> None:
    """
    Build ``workload``, warm it up, then run it ``count`` more times.

    Args:
        workload: A name from :data:`WORKLOADS`.
        count: Counted repetitions.
    """
    if workload in SYNC_WORKLOADS:
        operation = SYNC_WORKLOADS[workload]()
        for _ in range(WARM_UP + count):
            operation()
        return
    if workload in LOOPBACK_WORKLOADS:
        with ExitStack() as stack:
            operation = LOOPBACK_WORKLOADS[workload](stack)
            for _ in range(WARM_UP + count):
                operation()
        return

    async def main() -> None:
        call = ASYNC_WORKLOADS[workload]()
        for _ in range(WARM_UP + count):
            await call()

    asyncio.run(main())


def main(argv: list[str]) -> int:
    """Run ``argv[0]`` ``int(argv[1])`` times."""
    run(argv[0], int(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
