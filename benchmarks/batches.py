"""
Batches against the stub's rate limit: the runner's items per second, as a share of the limit.

For each limit a fresh stub (``--rate-limit N`` requests per second per key) gets the
same number of governed invokes from two contenders with the same ceiling on calls in
flight, each on a tenant of its own (the limit is per key):

- ``AsyncBatch``: adaptive concurrency, one batch-wide pause per burst of 429s;
- a hand-written loop: ``asyncio.gather`` over a semaphore of the ceiling, the client's
  own retries (each call waits out its ``Retry-After`` alone).

Reported: items per second that succeeded, that rate as a share of the limit, the 429s
the server sent, and the items that still failed. Needs the ``velerian-stub`` package
(``pip install -e ./stubs``); without it the suite says so and prints nothing else.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from velerian_sdk import (
    AsyncBatch,
    AsyncVelerianClient,
    BatchItem,
    Middleware,
    VelerianError,
)

from .report import Table

__all__ = ["batch_tables"]

CEILING = 32
"""Calls in flight at most, for both contenders: more than any limit here can serve."""


class RateLimitCounter(Middleware):
    """Counts 429 answers."""

    def __init__(self) -> None:
        self.rate_limited = 0

    def on_response(self, request: httpx.Request, response: httpx.Response) -> None:
        del request
        if response.status_code == 429:
            self.rate_limited += 1


@dataclass(frozen=True, slots=True)
class Run:
    """One contender's figures at one limit."""

    succeeded: int
    failed: int
    rate_limited: int
    wall_s: float


def _payload(index: int) -> dict[str, object]:
    return {"prompt": f"summarise item {index}", "n": index}


async def _with_runner(base_url: str, api_key: str, abp_id: str, items: int) -> Run:
    counter = RateLimitCounter()
    async with AsyncVelerianClient(
        api_key=api_key, base_url=base_url, middleware=[counter]
    ) as client:
        batch = AsyncBatch.for_abp(client, abp_id, batch_id="bench", max_concurrency=CEILING)
        started = time.perf_counter()
        source = (BatchItem(f"item-{i}", _payload(i)) for i in range(items))
        async for _ in batch.run(source):
            pass
        wall = time.perf_counter() - started
    summary = batch.summary
    return Run(summary.succeeded, summary.failed, counter.rate_limited, wall)


async def _with_gather(base_url: str, api_key: str, abp_id: str, items: int) -> Run:
    counter = RateLimitCounter()
    async with AsyncVelerianClient(
        api_key=api_key, base_url=base_url, middleware=[counter]
    ) as client:
        slots = asyncio.Semaphore(CEILING)

        async def one(index: int) -> bool:
            async with slots:
                try:
                    await client.abps.invoke(
                        abp_id, payload=_payload(index), idempotency_key=f"gather-{index}"
                    )
                except VelerianError:
                    return False
                return True

        started = time.perf_counter()
        results = await asyncio.gather(*(one(i) for i in range(items)))
        wall = time.perf_counter() - started
    succeeded = sum(results)
    return Run(succeeded, items - succeeded, counter.rate_limited, wall)


def batch_tables(items: int, limits: tuple[int, ...]) -> Iterator[Table]:
    """
    Measure both contenders at each limit.

    Args:
        items: Invokes per contender per limit.
        limits: The stub's rate limits to measure at, in requests per second.

    Yields:
        One table.
    """
    try:
        from velerian_stub import StubProcess
        from velerian_stub.pytest_plugin import create_tenant
    except ImportError:
        print("(batches: velerian-stub is not installed; pip install -e ./stubs)")
        return
    table = Table(
        f"Batches: {items} invokes against the stub's rate limit, ceiling {CEILING} in flight",
        ["limit (req/s)", "contender", "items/s", "share of the limit", "429s", "failed"],
    )
    for limit in limits:
        with StubProcess(args=["--rate-limit", str(limit)]) as stub:
            for name, contender in (
                ("AsyncBatch", _with_runner),
                ("asyncio.gather + semaphore", _with_gather),
            ):
                tenant = create_tenant(stub, f"bench {name} {limit}")
                run = asyncio.run(contender(tenant.base_url, tenant.api_key, tenant.abp_id, items))
                rate = run.succeeded / run.wall_s
                table.add(
                    str(limit),
                    name,
                    f"{rate:.1f}",
                    f"{rate / limit:.0%}",
                    str(run.rate_limited),
                    str(run.failed),
                )
    table.notes.append(
        "Both contenders use the same ceiling on calls in flight; the hand-written loop "
        "relies on the client's retries (3 by default), so items may fail once their "
        "retries are spent; AsyncBatch retries under the item's key and pauses the "
        "whole batch on a 429."
    )
    yield table
