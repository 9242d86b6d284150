"""
``python -m benchmarks.sweep_instruction_worker FLAVOUR TRANSPORT CONTENDER METHOD N``.

Run under ``valgrind --tool=callgrind`` by :mod:`benchmarks.sweep_instructions`. Every
run does the same set-up whatever ``METHOD`` is: it builds the contender's client,
records the request of every swept method, and calls every swept method
:data:`WARM_UP` times. Then it calls ``METHOD`` (an index into
:data:`benchmarks.method_sweep.METHODS`, or ``none``) ``N`` times. So a run with
``none`` is the baseline of every method of that flavour, transport and contender,
and (count with ``N`` calls - baseline) / ``N`` is one call of the method.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from typing import Literal, cast

import httpx

from velerian_sdk import AsyncVelerianClient, VelerianClient

from .method_sweep import (
    METHODS,
    MOCK_ORIGIN,
    SweptMethod,
    raw_async_call,
    raw_request,
    raw_sync_call,
    sweep_handler,
)
from .raw_operations import API_KEY, raw_headers
from .server_process import loopback_server

__all__ = ["CONTENDERS", "FLAVOURS", "TRANSPORTS", "WARM_UP", "main", "run"]

WARM_UP = 3
Flavour = Literal["sync", "async"]
Transport = Literal["in-process", "loopback"]
Contender = Literal["raw", "sdk"]

FLAVOURS: dict[str, Flavour] = {"sync": "sync", "async": "async"}
TRANSPORTS: dict[str, Transport] = {"in-process": "in-process", "loopback": "loopback"}
CONTENDERS: dict[str, Contender] = {"raw": "raw", "sdk": "sdk"}


def _sync_calls(
    stack: ExitStack, transport: Transport, contender: Contender
) -> list[Callable[[], object]]:
    requests = [raw_request(method) for method in METHODS]
    origin = MOCK_ORIGIN if transport == "in-process" else stack.enter_context(loopback_server())
    mock = httpx.MockTransport(sweep_handler) if transport == "in-process" else None
    if contender == "raw":
        raw = stack.enter_context(
            httpx.Client(base_url=origin, headers=raw_headers(), transport=mock)
        )
        return [raw_sync_call(raw, request) for request in requests]
    http_client = httpx.Client(transport=mock) if mock is not None else None
    sdk = stack.enter_context(
        VelerianClient(api_key=API_KEY, base_url=origin, http_client=http_client)
    )

    def sdk_call(method: SweptMethod) -> Callable[[], object]:
        return lambda: method.call(sdk)

    return [sdk_call(method) for method in METHODS]


def _async_calls(
    stack: ExitStack, transport: Transport, contender: Contender
) -> tuple[list[Callable[[], Awaitable[object]]], Callable[[], Awaitable[None]]]:
    requests = [raw_request(method) for method in METHODS]
    origin = MOCK_ORIGIN if transport == "in-process" else stack.enter_context(loopback_server())
    mock = httpx.MockTransport(sweep_handler) if transport == "in-process" else None
    if contender == "raw":
        raw = httpx.AsyncClient(base_url=origin, headers=raw_headers(), transport=mock)
        return [raw_async_call(raw, request) for request in requests], raw.aclose
    http_client = httpx.AsyncClient(transport=mock) if mock is not None else None
    sdk = AsyncVelerianClient(api_key=API_KEY, base_url=origin, http_client=http_client)

    def sdk_call(method: SweptMethod) -> Callable[[], Awaitable[object]]:
        return lambda: cast("Awaitable[object]", method.call(sdk))

    return [sdk_call(method) for method in METHODS], sdk.aclose


def run(
    flavour: Flavour, transport: Transport, contender: Contender, method: int | None, count: int
) -> None:
    """
    Set up, warm every method up, then call ``METHODS[method]`` ``count`` times.

    Args:
        flavour: The sync or the async client.
        transport: In-process (``httpx.MockTransport``) or the loopback server.
        contender: Raw httpx or the SDK.
        method: The index of the counted method; ``None`` for the baseline.
        count: Counted calls.
    """
    with ExitStack() as stack:
        if flavour == "sync":
            calls = _sync_calls(stack, transport, contender)
            for call in calls:
                for _ in range(WARM_UP):
                    call()
            if method is not None:
                counted = calls[method]
                for _ in range(count):
                    counted()
            return

        async def main() -> None:
            calls, close = _async_calls(stack, transport, contender)
            try:
                for call in calls:
                    for _ in range(WARM_UP):
                        await call()
                if method is not None:
                    counted = calls[method]
                    for _ in range(count):
                        await counted()
            finally:
                await close()

        asyncio.run(main())


def main(argv: list[str]) -> int:
    """Parse ``FLAVOUR TRANSPORT CONTENDER METHOD N`` and run."""
    flavour, transport, contender, method, count = argv
    if flavour not in FLAVOURS or transport not in TRANSPORTS or contender not in CONTENDERS:
        msg = (
            f"expected {list(FLAVOURS)} {list(TRANSPORTS)} {list(CONTENDERS)} METHOD N, got {argv}"
        )
        raise SystemExit(msg)
    run(
        FLAVOURS[flavour],
        TRANSPORTS[transport],
        CONTENDERS[contender],
        None if method == "none" else int(method),
        int(count),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
