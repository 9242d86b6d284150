"""Async walks request the next page while the current one is being consumed."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.conftest import TEST_KEY
from tests.unit import api_samples as s
from velerian_sdk import AsyncVelerianClient, VelerianError

LATENCY = 0.05
ROWS = [s.audit_entry(n) for n in range(8)]


def slow_pages(log: list[int], *, fail_at: int | None = None) -> httpx.MockTransport:
    serve = s.paged(ROWS)

    async def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0"))
        log.append(offset)
        await asyncio.sleep(LATENCY)
        if offset == fail_at:
            return httpx.Response(500, json={"detail": "boom"})
        return serve(request)

    return httpx.MockTransport(handler)


def client(transport: httpx.MockTransport) -> AsyncVelerianClient:
    http = httpx.AsyncClient(transport=transport)
    return AsyncVelerianClient(
        api_key=TEST_KEY, base_url="https://api.test", http_client=http, max_retries=0
    )


def test_the_next_page_is_requested_while_the_consumer_works() -> None:
    events: list[str] = []

    async def walk() -> list[str]:
        log: list[int] = []
        transport = slow_pages(log)
        ids: list[str] = []
        async with client(transport) as api:
            async for entry in api.audit.iter(page_size=2):
                events.append(f"item {len(ids)} (requests so far: {log})")
                ids.append(entry.id)
                await asyncio.sleep(LATENCY / 5)  # the consumer's own awaited work
        return ids

    ids = asyncio.run(walk())
    assert ids == [str(row["id"]) for row in ROWS]
    # While item 1 of the first page is consumed, the second page is already requested.
    assert events[1] == "item 1 (requests so far: [0, 2])"


def test_stopping_early_cancels_the_request_ahead() -> None:
    log: list[int] = []

    async def walk() -> None:
        async with client(slow_pages(log)) as api:
            async for _ in api.audit.iter(page_size=2):
                break
            await asyncio.sleep(2 * LATENCY)

    asyncio.run(walk())
    assert log[0] == 0
    assert len(log) <= 2


def test_a_failed_page_raises_after_the_pages_before_it() -> None:
    seen: list[str] = []

    async def walk() -> None:
        async with client(slow_pages([], fail_at=4)) as api:
            async for entry in api.audit.iter(page_size=2):
                seen.append(entry.id)

    with pytest.raises(VelerianError):
        asyncio.run(walk())
    assert len(seen) == 4


def test_pages_are_prefetched_too() -> None:
    async def walk() -> list[int]:
        async with client(slow_pages([])) as api:
            first = await api.audit.list(limit=3)
            return [page.offset async for page in first.iter_pages()]

    assert asyncio.run(walk()) == [0, 3, 6]
