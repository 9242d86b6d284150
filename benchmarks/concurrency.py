"""
Many calls in flight: bursts of concurrent async invokes, and the pool limits behind them.

Each round fires ``in_flight`` invokes at once with ``asyncio.gather`` and times the
whole burst. Contenders: raw ``httpx.AsyncClient`` with the SDK's pool limits (the
basis), the SDK itself, raw httpx with its own default limits (100 connections, 20 kept
alive), and the SDK on an aiohttp transport plugged in through ``http_client=``.

Two regimes: *warm*, one client reused burst after burst (connections exist), and
*cold*, a new client per burst (every connection must be opened).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import cast

import httpx

from velerian_sdk import AsyncVelerianClient
from velerian_sdk._settings import DEFAULT_LIMITS

from .measure import Contender, interleaved_rounds
from .raw_operations import API_KEY, INVOKE_PATH, raw_headers
from .report import Table, verdict
from .sdk_operations import sdk_async_operation
from .sizes import Size

__all__ = ["TARGET", "concurrency_tables"]

TARGET = 1.15
BASIS = "raw httpx, SDK limits"
HTTPX_DEFAULT = httpx.Limits(max_connections=100, max_keepalive_connections=20)

Call = Callable[[], Awaitable[object]]
Close = Callable[[], Awaitable[None]]
Client = tuple[Call, Close]


def _raw(origin: str, limits: httpx.Limits) -> Client:
    client = httpx.AsyncClient(base_url=origin, headers=raw_headers(), limits=limits)

    async def call() -> object:
        response = await client.post(INVOKE_PATH, json={"payload": {"prompt": "hi"}})
        response.raise_for_status()
        return response.json()

    return call, client.aclose


def _sdk(origin: str, http_client: httpx.AsyncClient | None = None) -> Client:
    client = AsyncVelerianClient(api_key=API_KEY, base_url=origin, http_client=http_client)

    async def close() -> None:
        await client.aclose()
        if http_client is not None:
            await http_client.aclose()

    return sdk_async_operation(client, "invoke"), close


def aiohttp_transport(limits: httpx.Limits) -> httpx.AsyncBaseTransport | None:
    """
    Build an ``httpx_aiohttp.AiohttpTransport``, if that package is installed.

    Args:
        limits: Its connection limits.

    Returns:
        The transport, or ``None`` when ``httpx-aiohttp`` is not installed.
    """
    try:
        module = importlib.import_module("httpx_aiohttp")
    except ImportError:
        return None
    factory = cast("Callable[..., httpx.AsyncBaseTransport]", module.AiohttpTransport)
    return factory(limits=limits)


def _contenders(origin: str) -> dict[str, Callable[[], Client]]:
    makers: dict[str, Callable[[], Client]] = {
        BASIS: lambda: _raw(origin, DEFAULT_LIMITS),
        "velerian-sdk": lambda: _sdk(origin),
        "raw httpx, httpx default limits (100/20)": lambda: _raw(origin, HTTPX_DEFAULT),
    }
    if aiohttp_transport(DEFAULT_LIMITS) is not None:

        def on_aiohttp() -> Client:
            transport = aiohttp_transport(DEFAULT_LIMITS)
            return _sdk(origin, httpx.AsyncClient(transport=transport))

        makers["velerian-sdk, http_client on httpx-aiohttp"] = on_aiohttp
    return makers


async def _burst(call: Call, in_flight: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(call() for _ in range(in_flight)))
    return time.perf_counter() - started


def _connections(origin: str) -> int:
    with httpx.Client() as client:
        count: int = json.loads(client.get(f"{origin}/_stats").content)["connections"]
    return count


def concurrency_tables(size: Size, origin: str) -> list[Table]:
    """
    Measure both regimes at no server latency and at 20 ms, and tabulate.

    Args:
        size: Calls in flight and rounds.
        origin: The loopback server's origin.

    Returns:
        One table per server latency.
    """
    return [_table(size, origin, delay_ms) for delay_ms in (0, 20)]


def _table(size: Size, origin: str, delay_ms: int) -> Table:
    root = f"{origin}/delay/{delay_ms}" if delay_ms else origin
    makers = _contenders(root)
    table = Table(
        f"{size.in_flight:,} concurrent async invokes, server latency {delay_ms} ms",
        [
            "client",
            "warm: burst",
            "warm: ratio",
            "cold: burst",
            "cold: ratio",
            "connections opened per cold burst",
            "target (warm)",
        ],
    )
    loop = asyncio.new_event_loop()
    try:
        warm = {name: make() for name, make in makers.items()}

        def warm_burst(name: str) -> Callable[[int], float]:
            return lambda n: loop.run_until_complete(_burst(warm[name][0], n))

        opened: dict[str, list[int]] = {name: [] for name in makers}

        def cold_burst(name: str) -> Callable[[int], float]:
            def run(n: int) -> float:
                call, close = makers[name]()
                before = _connections(origin)
                try:
                    return loop.run_until_complete(_burst(call, n))
                finally:
                    loop.run_until_complete(close())
                    opened[name].append(_connections(origin) - before - 1)

            return run

        rounds = size.concurrency_rounds
        hot = interleaved_rounds(
            [Contender(name, warm_burst(name)) for name in makers],
            rounds=rounds,
            batch=size.in_flight,
        )
        cold = interleaved_rounds(
            [Contender(name, cold_burst(name)) for name in makers],
            rounds=rounds,
            batch=size.in_flight,
            warmup=0,
        )
        for _call, close in warm.values():
            loop.run_until_complete(close())
    finally:
        loop.close()
    for name in makers:
        warm_summary = hot.summary(name, BASIS)
        cold_summary = cold.summary(name, BASIS)
        table.add(
            name,
            f"{warm_summary.per_op_us * size.in_flight / 1e6:.2f} s",
            warm_summary.ratio_text(),
            f"{cold_summary.per_op_us * size.in_flight / 1e6:.2f} s",
            cold_summary.ratio_text(),
            f"{sorted(opened[name])[len(opened[name]) // 2]}",
            f"<= {TARGET}x: {verdict(warm_summary.median, TARGET)}"
            if name == "velerian-sdk"
            else "",
        )
    table.notes.append(
        f"{rounds} interleaved bursts per contender and regime; burst = median time of one "
        f"burst of {size.in_flight:,} `asyncio.gather`ed invokes. Ratios are to raw httpx "
        f"with the SDK's limits ({_limits_text(DEFAULT_LIMITS)}) in the same round."
    )
    return table


def _limits_text(limits: httpx.Limits) -> str:
    return (
        f"max_connections={limits.max_connections}, "
        f"max_keepalive_connections={limits.max_keepalive_connections}, "
        f"keepalive_expiry={limits.keepalive_expiry}"
    )
