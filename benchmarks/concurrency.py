"""
Many calls in flight: bursts of concurrent async invokes, and the pool behind them.

Each round fires ``in_flight`` invokes at once with ``asyncio.gather`` and times the
whole burst. Two regimes: *cold*, a new client per burst (every connection must be
opened), and *warm*, one client reused burst after burst.

- The comparison: the SDK against raw ``httpx.AsyncClient`` with the same limits (the
  basis), raw httpx with its own defaults (100 connections, 20 kept alive), and the SDK
  on an aiohttp transport plugged in through ``http_client=``.
- The sweep behind the SDK's choice: raw httpx pools of several sizes, and the SDK's
  transport (100 connections split into pools of 10 or 20 behind one queue), at
  several server latencies.
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
from velerian_sdk._async.transport import ShardedTransport
from velerian_sdk._core.settings import DEFAULT_LIMITS

from .measure import Contender, RoundResults, interleaved_rounds
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
Maker = Callable[[], Client]


def _raw(root: str, limits: httpx.Limits, transport: httpx.AsyncBaseTransport | None) -> Client:
    client = httpx.AsyncClient(
        base_url=root, headers=raw_headers(), limits=limits, transport=transport, timeout=300
    )

    async def call() -> object:
        response = await client.post(INVOKE_PATH, json={"payload": {"prompt": "hi"}})
        response.raise_for_status()
        return response.json()

    return call, client.aclose


def _sdk(root: str, http_client: httpx.AsyncClient | None = None) -> Client:
    client = AsyncVelerianClient(api_key=API_KEY, base_url=root, http_client=http_client)

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


def _comparison(root: str) -> dict[str, Maker]:
    makers: dict[str, Maker] = {
        BASIS: lambda: _raw(root, DEFAULT_LIMITS, None),
        "velerian-sdk": lambda: _sdk(root),
        "raw httpx, httpx default limits (100/20)": lambda: _raw(root, HTTPX_DEFAULT, None),
    }
    if aiohttp_transport(DEFAULT_LIMITS) is not None:

        def on_aiohttp() -> Client:
            transport = aiohttp_transport(DEFAULT_LIMITS)
            return _sdk(root, httpx.AsyncClient(transport=transport))

        makers["velerian-sdk, http_client on httpx-aiohttp"] = on_aiohttp
    return makers


def _sweep(root: str) -> dict[str, Maker]:
    def pool(size: int, keepalive: int) -> Maker:
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=keepalive)
        return lambda: _raw(root, limits, None)

    def sharded(shard: int) -> Maker:
        return lambda: _raw(
            root, DEFAULT_LIMITS, ShardedTransport(DEFAULT_LIMITS, shard_size=shard)
        )

    return {
        "httpx pool 100/100 (the SDK's pool until now)": pool(100, 100),
        "httpx pool 100/20 (httpx's default)": pool(100, 20),
        "httpx pool 50/50": pool(50, 50),
        "httpx pool 20/20": pool(20, 20),
        "100 in pools of 20, one queue": sharded(20),
        "100 in pools of 10, one queue (the SDK now)": sharded(10),
    }


async def _burst(call: Call, in_flight: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(call() for _ in range(in_flight)))
    return time.perf_counter() - started


def _connections(origin: str) -> int:
    with httpx.Client() as client:
        count: int = json.loads(client.get(f"{origin}/_stats").content)["connections"]
    return count


class _Bursts:
    """Warm and cold bursts of every contender on one event loop."""

    def __init__(self, makers: dict[str, Maker], origin: str) -> None:
        self.makers = makers
        self.origin = origin
        self.loop = asyncio.new_event_loop()
        self.opened: dict[str, list[int]] = {name: [] for name in makers}
        self.warm: dict[str, Client] = {}

    def cold(self, name: str) -> Callable[[int], float]:
        def run(n: int) -> float:
            call, close = self.makers[name]()
            before = _connections(self.origin)
            try:
                return self.loop.run_until_complete(_burst(call, n))
            finally:
                self.loop.run_until_complete(close())
                self.opened[name].append(_connections(self.origin) - before - 1)

        return run

    def hot(self, name: str) -> Callable[[int], float]:
        def run(n: int) -> float:
            if name not in self.warm:
                self.warm[name] = self.makers[name]()
            return self.loop.run_until_complete(_burst(self.warm[name][0], n))

        return run

    def measure(self, rounds: int, in_flight: int, *, warm: bool) -> tuple[RoundResults, ...]:
        cold = interleaved_rounds(
            [Contender(n, self.cold(n)) for n in self.makers],
            rounds=rounds,
            batch=in_flight,
            warmup=0,
        )
        if not warm:
            return (cold,)
        hot = interleaved_rounds(
            [Contender(n, self.hot(n)) for n in self.makers], rounds=rounds, batch=in_flight
        )
        return cold, hot

    def close(self) -> None:
        for _call, close in self.warm.values():
            self.loop.run_until_complete(close())
        self.loop.close()


def concurrency_tables(size: Size, origin: str) -> list[Table]:
    """
    Measure the comparison at 0 and 50 ms of server latency, then the sweep.

    Args:
        size: Calls in flight and rounds.
        origin: The loopback server's origin.

    Returns:
        The comparison tables and the sweep table.
    """
    tables = [_comparison_table(size, origin, delay_ms) for delay_ms in (0, 50)]
    tables.append(_sweep_table(size, origin))
    return tables


def _root(origin: str, delay_ms: int) -> str:
    return f"{origin}/delay/{delay_ms}" if delay_ms else origin


def _comparison_table(size: Size, origin: str, delay_ms: int) -> Table:
    makers = _comparison(_root(origin, delay_ms))
    bursts = _Bursts(makers, origin)
    try:
        cold, hot = bursts.measure(size.concurrency_rounds, size.in_flight, warm=True)
    finally:
        bursts.close()
    table = Table(
        f"{size.in_flight:,} concurrent async invokes, server latency {delay_ms} ms",
        ["client", "cold burst", "cold ratio", "warm burst", "warm ratio", "opened", "target"],
    )
    for name in makers:
        c, w = cold.summary(name, BASIS), hot.summary(name, BASIS)
        opened = sorted(bursts.opened[name])
        table.add(
            name,
            f"{c.per_op_us * size.in_flight / 1e6:.2f} s",
            c.ratio_text(),
            f"{w.per_op_us * size.in_flight / 1e6:.2f} s",
            w.ratio_text(),
            str(opened[len(opened) // 2]),
            f"<= {TARGET}x: {verdict(max(c.median, w.median), TARGET)}"
            if name == "velerian-sdk"
            else "",
        )
    table.notes.append(
        f"{size.concurrency_rounds} interleaved bursts per contender and regime; a burst is "
        f"{size.in_flight:,} `asyncio.gather`ed invokes (median time shown). Ratios are to "
        f"raw httpx with the SDK's limits ({_limits_text(DEFAULT_LIMITS)}) in the same round. "
        "Opened: connections the server accepted during a cold burst."
    )
    return table


def _sweep_table(size: Size, origin: str) -> Table:
    latencies = (0, 50, 500)
    table = Table(
        f"Pool sweep: cold bursts of {size.in_flight:,} invokes, by server latency",
        ["pool", *(f"{ms} ms" for ms in latencies)],
    )
    cells: dict[str, list[str]] = {}
    for delay_ms in latencies:
        makers = _sweep(_root(origin, delay_ms))
        bursts = _Bursts(makers, origin)
        try:
            (cold,) = bursts.measure(1, size.in_flight, warm=False)
        finally:
            bursts.close()
        floor = size.in_flight / (DEFAULT_LIMITS.max_connections or 100) * delay_ms / 1000
        for name in makers:
            seconds = cold.summary(name, name).per_op_us * size.in_flight / 1e6
            cells.setdefault(name, []).append(f"{seconds:.2f} s")
        cells.setdefault("(floor: 100 connections, no client cost)", []).append(f"{floor:.2f} s")
    for name, row in cells.items():
        table.add(name, *row)
    table.notes.append(
        "Raw httpx.AsyncClient with each pool, one cold burst each (they are minutes apart "
        "in the slowest cases). "
        "httpcore's pool does work per request event that grows with the square of its "
        "size, so one pool of 100 loses to several small ones behind one queue."
    )
    return table


def _limits_text(limits: httpx.Limits) -> str:
    return (
        f"max_connections={limits.max_connections}, "
        f"max_keepalive_connections={limits.max_keepalive_connections}, "
        f"keepalive_expiry={limits.keepalive_expiry}"
    )
