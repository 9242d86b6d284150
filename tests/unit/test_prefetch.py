"""Async walks request the next page while the current one is being consumed."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar, cast

import httpx
import pytest

from tests.conftest import TEST_KEY
from tests.unit import api_samples as s
from velerian_sdk import AsyncVelerianClient, VelerianError

T = TypeVar("T")
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


def hanging_after(events: list[str], *, first_offset: int = 0) -> httpx.MockTransport:
    """Serve the first page; every later page is requested but never answered."""
    serve = s.paged(ROWS)

    async def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0"))
        if offset == first_offset:
            return serve(request)
        events.append(f"started {offset}")
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            events.append(f"cancelled {offset}")
            raise
        events.append(f"answered {offset}")
        return serve(request)

    return httpx.MockTransport(handler)


def generator(walk: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """The walk as the async generator it is, to close it as a caller may."""
    assert isinstance(walk, AsyncGenerator)
    return cast("AsyncGenerator[T, None]", walk)


def others() -> set[asyncio.Task[object]]:
    """Every task of the running loop but the current one."""
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


async def ended_quickly(tasks: set[asyncio.Task[object]]) -> None:
    """Wait at most 2 s for ``tasks`` to end: a request ahead nobody cancels takes 30 s."""
    if tasks:
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 2.0)


@pytest.mark.parametrize("how", ["break", "aclose iter_all", "aclose iter_pages"])
def test_a_walk_left_early_cancels_its_request_ahead_and_leaves_no_task(how: str) -> None:
    events: list[str] = []

    async def walk() -> tuple[set[asyncio.Task[object]], set[asyncio.Task[object]]]:
        async with client(hanging_after(events)) as api:
            first = await api.audit.list(limit=2)
            ahead: set[asyncio.Task[object]] = set()
            if how == "break":
                async for _ in first:  # `async for` over a page walks every page
                    await asyncio.sleep(LATENCY)  # the consumer's work: the request is out
                    ahead = others()
                    break
            else:
                pages = generator(
                    first.iter_all() if how == "aclose iter_all" else first.iter_pages()
                )
                await anext(pages)
                await asyncio.sleep(LATENCY)
                ahead = others()
                await pages.aclose()
            await ended_quickly(ahead)
            return ahead, others()

    ahead, left = asyncio.run(walk())
    # One request was ahead (the second page); it was cancelled, not left to finish.
    assert len(ahead) == 1
    assert all(task.cancelled() for task in ahead)
    assert events == ["started 2", "cancelled 2"]
    assert left == set()


def test_a_request_ahead_that_failed_unread_is_not_reported_as_never_retrieved() -> None:
    reported: list[str] = []

    async def walk() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, context: reported.append(str(context)))
        async with client(slow_pages([], fail_at=2)) as api:
            pages = generator((await api.audit.list(limit=2)).iter_pages())
            await anext(pages)
            (ahead,) = others()
            await asyncio.sleep(3 * LATENCY)  # the request ahead fails meanwhile
            assert ahead.done()
            assert not ahead.cancelled()
            await pages.aclose()
            del ahead, pages
            gc.collect()  # a task whose error nobody read is reported when collected

    asyncio.run(walk())
    assert reported == []


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
    async def walk() -> list[tuple[int, list[int]]]:
        log: list[int] = []
        seen: list[tuple[int, list[int]]] = []
        async with client(slow_pages(log)) as api:
            first = await api.audit.list(limit=3)
            async for page in first.iter_pages():
                await asyncio.sleep(LATENCY / 5)  # the consumer's own awaited work
                seen.append((page.offset, list(log)))
        return seen

    # While each page is worked on, the next one is already requested; none after the last.
    assert asyncio.run(walk()) == [(0, [0, 3]), (3, [0, 3, 6]), (6, [0, 3, 6])]
