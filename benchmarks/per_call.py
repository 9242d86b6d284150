"""
Per-call overhead: the SDK against raw httpx, one call at a time.

Four cases (sync and async, a GET and an invoke) over two transports: an in-process
:class:`httpx.MockTransport`, where nothing hides the client's own cost, and a socket
to the loopback server. The SDK's calls go through the whole middleware chain and
validate their bodies into models; raw httpx only decodes JSON.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from typing import Literal

import httpx

from velerian_sdk import AsyncVelerianClient, VelerianClient

from .measure import RatioSummary, RoundResults, paired_rounds, paired_rounds_async
from .raw_operations import (
    API_KEY,
    canned_handler,
    raw_async_operation,
    raw_headers,
    raw_sync_operation,
)
from .report import Table, verdict
from .sdk_operations import (
    same_work_async_operation,
    same_work_sync_operation,
    sdk_async_operation,
    sdk_sync_operation,
)
from .sizes import Size

__all__ = ["MOCK_ORIGIN", "TARGETS", "per_call_table"]

Transport = Literal["in-process", "loopback"]

MOCK_ORIGIN = "http://127.0.0.1:9"
"""Where in-process clients "send": a loopback origin, so the SDK allows plain http."""

TARGETS: dict[Transport, float] = {"in-process": 1.08, "loopback": 1.02}
RAW = "raw httpx"
SAME_WORK = "raw httpx, same work"
SDK = "velerian-sdk"


def measure_sync(
    size: Size, transport: Transport, origin: str, operation: str
) -> tuple[RoundResults, RoundResults]:
    """
    Alternate raw ``httpx.Client`` and :class:`VelerianClient` calls for one operation.

    Args:
        size: Rounds and batch size.
        transport: In-process mock or loopback socket.
        origin: The loopback server's origin.
        operation: ``"get"`` or ``"invoke"``.

    Returns:
        The SDK against raw httpx, then against raw httpx doing the same work.
    """
    with ExitStack() as stack:
        if transport == "in-process":
            mock = httpx.MockTransport(canned_handler)
            raw = httpx.Client(base_url=MOCK_ORIGIN, headers=raw_headers(), transport=mock)
            sdk = VelerianClient(
                api_key=API_KEY, base_url=MOCK_ORIGIN, http_client=httpx.Client(transport=mock)
            )
        else:
            raw = httpx.Client(base_url=origin, headers=raw_headers())
            sdk = VelerianClient(api_key=API_KEY, base_url=origin)
        stack.enter_context(raw)
        stack.enter_context(sdk)
        sdk_call = sdk_sync_operation(sdk, operation)
        bare = paired_rounds(
            (RAW, SDK),
            (raw_sync_operation(raw, operation), sdk_call),
            rounds=size.rounds,
            batch=size.batch,
        )
        same = paired_rounds(
            (SAME_WORK, SDK),
            (same_work_sync_operation(raw, operation), sdk_call),
            rounds=size.rounds,
            batch=size.batch,
        )
        return bare, same


def measure_async(
    size: Size, transport: Transport, origin: str, operation: str
) -> tuple[RoundResults, RoundResults]:
    """
    Alternate raw ``httpx.AsyncClient`` and :class:`AsyncVelerianClient` calls, one at a time.

    Args:
        size: Rounds and batch size.
        transport: In-process mock or loopback socket.
        origin: The loopback server's origin.
        operation: ``"get"`` or ``"invoke"``.

    Returns:
        The SDK against raw httpx, then against raw httpx doing the same work.
    """
    loop = asyncio.new_event_loop()
    try:
        if transport == "in-process":
            mock = httpx.MockTransport(canned_handler)
            raw = httpx.AsyncClient(base_url=MOCK_ORIGIN, headers=raw_headers(), transport=mock)
            sdk = AsyncVelerianClient(
                api_key=API_KEY,
                base_url=MOCK_ORIGIN,
                http_client=httpx.AsyncClient(transport=mock),
            )
        else:
            raw = httpx.AsyncClient(base_url=origin, headers=raw_headers())
            sdk = AsyncVelerianClient(api_key=API_KEY, base_url=origin)
        sdk_call = sdk_async_operation(sdk, operation)
        try:
            bare = paired_rounds_async(
                loop,
                (RAW, SDK),
                (raw_async_operation(raw, operation), sdk_call),
                rounds=size.rounds,
                batch=size.batch,
            )
            same = paired_rounds_async(
                loop,
                (SAME_WORK, SDK),
                (same_work_async_operation(raw, operation), sdk_call),
                rounds=size.rounds,
                batch=size.batch,
            )
            return bare, same
        finally:
            loop.run_until_complete(raw.aclose())
            loop.run_until_complete(sdk.aclose())
    finally:
        loop.close()


def per_call_table(size: Size, origin: str, sink: dict[str, RatioSummary]) -> Table:
    """
    Measure every case and return the per-call table.

    Args:
        size: How much to measure.
        origin: The loopback server's origin.
        sink: Receives the SDK's summaries, keyed ``"<call> | <transport>"``.

    Returns:
        One row per flavour, operation and transport.
    """
    table = Table(
        "Per-call overhead: velerian-sdk / raw httpx, same rounds",
        [
            "call",
            "transport",
            "raw httpx, us/call",
            "velerian-sdk, us/call",
            "ratio",
            "target",
            "ratio to raw httpx doing the same work",
        ],
    )
    for transport in ("in-process", "loopback"):
        for flavour in ("sync", "async"):
            for operation in ("get", "invoke"):
                measure = measure_sync if flavour == "sync" else measure_async
                results, same_work = measure(size, transport, origin, operation)
                raw = results.summary(RAW, RAW)
                sdk = results.summary(SDK, RAW)
                target = TARGETS[transport]
                call = f"{flavour} {'GET abp' if operation == 'get' else 'invoke'}"
                sink[f"{call} | {transport}"] = sdk
                table.add(
                    call,
                    transport,
                    f"{raw.per_op_us:.0f}",
                    f"{sdk.per_op_us:.0f}",
                    sdk.ratio_text(),
                    f"<= {target:.2f}x: {verdict(sdk.median, target)}",
                    same_work.summary(SDK, SAME_WORK).ratio_text(),
                )
    table.notes.append(
        f"{size.rounds} rounds of {size.batch} sequential calls per contender, the two "
        "contenders' calls alternating (A B, B A) and each call timed; ratio = median of "
        "per-round ratios (min-max in brackets)."
    )
    table.notes.append(
        "velerian-sdk: whole middleware chain, body validated into a pydantic model; "
        "raw httpx: `.json()` only, on a path relative to its `base_url`. *Raw httpx "
        "doing the same work*: the same request with what the API asks of every call "
        "done by hand, a fresh `Idempotency-Key` on an invoke and the body validated "
        "into the same model, on an absolute URL as the SDK uses; paired with the SDK "
        "in rounds of their own."
    )
    return table
