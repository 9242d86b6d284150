"""
Auto-pagination: throughput over many pages, flat memory, and async prefetch.

- Throughput: walk an audit log of ``walk_items`` entries, 500 per page, over the
  loopback socket; every SDK entry is a validated model, every raw one a ``dict``.
- Memory: walk 10k, 100k and 1M entries, each in a fresh process, and report the peak
  RSS growth during the walk: it must not grow with the count.
- Prefetch: with a server latency L and a consumer that spends C per page, an async
  walk of N pages should take about N x max(L, C), not N x (L + C).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator

import httpx

from velerian_sdk import AsyncVelerianClient, VelerianClient

from .measure import Contender, interleaved_rounds
from .raw_operations import API_KEY, raw_headers, raw_walk, raw_walk_async
from .report import Table
from .sdk_operations import sdk_walk, sdk_walk_async
from .server_process import REPO_ROOT
from .sizes import Size

__all__ = ["PAGE_SIZE", "Walker", "memory_table", "prefetch_table", "throughput_table"]

PAGE_SIZE = 500
RAW = "raw httpx, sync"
FLAVOURS = ("raw-sync", "sdk-sync", "sdk-async")


def _drain(entries: Iterator[object]) -> int:
    count = 0
    for _ in entries:
        count += 1
    return count


async def _adrain(entries: AsyncIterator[object]) -> int:
    count = 0
    async for _ in entries:
        count += 1
    return count


class Walker:
    """
    One client of one flavour, kept open across walks so that building it is not timed.

    Args:
        flavour: ``raw-sync``, ``raw-async``, ``sdk-sync`` or ``sdk-async``.
        origin: The loopback server's origin.
    """

    def __init__(self, flavour: str, origin: str) -> None:
        self.flavour = flavour
        self._loop = asyncio.new_event_loop()
        self._raw: httpx.Client | None = None
        self._raw_async: httpx.AsyncClient | None = None
        self._sdk: VelerianClient | None = None
        self._sdk_async: AsyncVelerianClient | None = None
        if flavour == "raw-sync":
            self._raw = httpx.Client(base_url=origin, headers=raw_headers())
        elif flavour == "raw-async":
            self._raw_async = httpx.AsyncClient(base_url=origin, headers=raw_headers())
        elif flavour == "sdk-sync":
            self._sdk = VelerianClient(api_key=API_KEY, base_url=origin)
        else:
            self._sdk_async = AsyncVelerianClient(api_key=API_KEY, base_url=origin)

    def walk(self, root: str) -> int:
        """
        Walk the whole audit log under ``root`` once.

        Args:
            root: The server's origin plus its ``/items/<n>`` prefix.

        Returns:
            The number of entries walked.
        """
        if self._raw is not None:
            self._raw.base_url = httpx.URL(root)
            return _drain(raw_walk(self._raw, PAGE_SIZE))
        if self._sdk is not None:
            return _drain(sdk_walk(self._sdk.with_options(base_url=root), PAGE_SIZE))
        if self._raw_async is not None:
            self._raw_async.base_url = httpx.URL(root)
            entries = raw_walk_async(self._raw_async, PAGE_SIZE)
        else:
            assert self._sdk_async is not None
            entries = sdk_walk_async(self._sdk_async.with_options(base_url=root), PAGE_SIZE)
        return self._loop.run_until_complete(_adrain(entries))

    def timed_walk(self, root: str, expected: int) -> float:
        """Walk once, check the count, return the seconds it took."""
        started = time.perf_counter()
        count = self.walk(root)
        elapsed = time.perf_counter() - started
        if count != expected:
            msg = f"{self.flavour} walked {count} entries, expected {expected}"
            raise RuntimeError(msg)
        return elapsed

    def batch(self, root: str, expected: int) -> Callable[[int], float]:
        """Return a batch for :func:`interleaved_rounds`: one whole walk, its size ignored."""
        return lambda _n: self.timed_walk(root, expected)

    def close(self) -> None:
        """Close the client and the loop."""
        if self._raw is not None:
            self._raw.close()
        if self._sdk is not None:
            self._sdk.close()
        if self._raw_async is not None:
            self._loop.run_until_complete(self._raw_async.aclose())
        if self._sdk_async is not None:
            self._loop.run_until_complete(self._sdk_async.aclose())
        self._loop.close()


def throughput_table(size: Size, origin: str) -> Table:
    """
    Walk ``size.walk_items`` entries with each flavour, interleaved, and compare.

    Args:
        size: How many entries, how many rounds.
        origin: The loopback server's origin.

    Returns:
        The table.
    """
    count = size.walk_items
    root = f"{origin}/items/{count}"
    names = {
        "raw-sync": RAW,
        "raw-async": "raw httpx, async",
        "sdk-sync": "velerian-sdk, sync",
        "sdk-async": "velerian-sdk, async",
    }
    walkers = [Walker(flavour, origin) for flavour in names]
    contenders = [Contender(names[w.flavour], w.batch(root, count)) for w in walkers]
    try:
        results = interleaved_rounds(contenders, rounds=size.walk_rounds, batch=1, warmup=0)
    finally:
        for walker in walkers:
            walker.close()
    table = Table(
        f"Auto-pagination: {count:,} audit entries, {PAGE_SIZE} per page, loopback",
        ["walker", "entries/s", "time per entry, us", "ratio to raw httpx sync"],
    )
    for name in names.values():
        summary = results.summary(name, RAW)
        per_entry = summary.per_op_us / count
        table.add(name, f"{1e6 / per_entry:,.0f}", f"{per_entry:.2f}", summary.ratio_text())
    table.notes.append(
        f"{size.walk_rounds} interleaved rounds of one whole walk each. The SDK validates "
        "every entry into a model; raw httpx yields dicts from `.json()`."
    )
    return table


def memory_table(size: Size, origin: str) -> Table:
    """
    Walk each count of ``size.memory_items`` in a fresh process and tabulate peak memory.

    Args:
        size: The counts to walk.
        origin: The loopback server's origin.

    Returns:
        The table: peak RSS growth per flavour and count.
    """
    table = Table(
        "Auto-pagination memory: peak RSS growth during the walk (fresh process each)",
        ["walker", *(f"{count:,} entries" for count in size.memory_items), "walk time, largest"],
    )
    for flavour in FLAVOURS:
        cells: list[str] = []
        last = 0.0
        for count in size.memory_items:
            report = _walk_in_child(flavour, origin, count)
            cells.append(f"{report['growth_kib'] / 1024:.1f} MiB")
            last = report["seconds"]
        table.add(flavour, *cells, f"{last:.1f} s")
    table.notes.append(
        "Growth = the peak RSS of the walk (`VmHWM`, reset just before it) minus the RSS "
        "before it, after the client was built and a short warm-up walk; flat across "
        "counts means memory does not depend on how many entries are walked."
    )
    return table


def _walk_in_child(flavour: str, origin: str, count: int) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.pagination_memory", flavour, origin, str(count)],
        check=True,
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=1800,
    ).stdout
    report: dict[str, float] = json.loads(output)
    return report


def prefetch_table(size: Size, origin: str) -> Table:
    """
    Time an async walk against a slow server and a slow consumer.

    Args:
        size: How many pages.
        origin: The loopback server's origin.

    Returns:
        The table: the walk's time against N x max(L, C) and N x (L + C).
    """
    latency = consumer = 0.02
    pages = size.prefetch_pages
    page_size = 50
    root = f"{origin}/delay/{int(latency * 1000)}/items/{pages * page_size}"
    table = Table(
        f"Async prefetch: {pages} pages, server latency {latency * 1000:.0f} ms, "
        f"consumer {consumer * 1000:.0f} ms per page",
        ["walker", "walk time", "/ N x max(L, C)", "/ N x (L + C)"],
    )

    async def consume(entries: AsyncIterator[object]) -> float:
        started = time.perf_counter()
        index = 0
        async for _ in entries:
            if index % page_size == 0:
                await asyncio.sleep(consumer)
            index += 1
        return time.perf_counter() - started

    async def sdk() -> float:
        async with AsyncVelerianClient(api_key=API_KEY, base_url=root) as client:
            return await consume(sdk_walk_async(client, page_size))

    async def raw() -> float:
        async with httpx.AsyncClient(base_url=root, headers=raw_headers()) as client:
            return await consume(raw_walk_async(client, page_size))

    for name, walker in (("raw httpx, async", raw), ("velerian-sdk, async", sdk)):
        elapsed = min(asyncio.run(walker()) for _ in range(3))
        table.add(
            name,
            f"{elapsed:.2f} s",
            f"{elapsed / (pages * max(latency, consumer)):.2f}",
            f"{elapsed / (pages * (latency + consumer)):.2f}",
        )
    table.notes.append(
        "Best of 3 walks. 1.0 in the first ratio column means the next page is fetched "
        "while the consumer works on the current one; 1.0 in the second means no overlap."
    )
    return table
