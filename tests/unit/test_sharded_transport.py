"""The async client's transport: small pools behind one first-in-first-out queue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from tests.conftest import TEST_KEY
from velerian_sdk import AsyncVelerianClient
from velerian_sdk._async.transport import SHARD_SIZE, ShardedTransport


class Body(httpx.AsyncByteStream):
    """A body read lazily, as a real connection's is (so httpx closes it when read)."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"{}"


class SlowPool(httpx.AsyncBaseTransport):
    """Answers after a delay, counting the requests it holds at once."""

    def __init__(self, delay: float, log: list[int], *, fail: bool = False) -> None:
        self.delay = delay
        self.log = log
        self.fail = fail
        self.active = 0
        self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.active += 1
        self.most = max(self.most, self.active)
        try:
            await asyncio.sleep(self.delay)
            if self.fail:
                raise httpx.ConnectError("refused", request=request)
            self.log.append(int(request.url.params["n"]))
            return httpx.Response(200, stream=Body(), request=request)
        finally:
            self.active -= 1


def sharded(total: int, pools: list[SlowPool]) -> ShardedTransport:
    transport = ShardedTransport(httpx.Limits(max_connections=total))
    transport._pools = pools  # type: ignore[assignment]
    return transport


async def fetch(client: httpx.AsyncClient, n: int) -> int:
    response = await client.get("http://127.0.0.1/x", params={"n": n})
    return response.status_code


def test_calls_spread_over_the_pools_and_queue_in_order() -> None:
    log: list[int] = []
    pools = [SlowPool(0.01, log) for _ in range(2)]

    async def burst() -> list[int]:
        async with httpx.AsyncClient(transport=sharded(2 * SHARD_SIZE, pools)) as client:
            return await asyncio.gather(*(fetch(client, n) for n in range(100)))

    assert asyncio.run(burst()) == [200] * 100
    assert all(pool.most == SHARD_SIZE for pool in pools)
    assert sorted(log) == list(range(100))
    assert log[: 2 * SHARD_SIZE] == sorted(log[: 2 * SHARD_SIZE])  # first come, first served


def test_waiting_longer_than_the_pool_timeout_is_a_pool_timeout() -> None:
    pools = [SlowPool(0.3, [])]

    async def burst() -> list[object]:
        transport = sharded(SHARD_SIZE, pools)
        async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5, pool=0.05)) as c:
            return await asyncio.gather(
                *(fetch(c, n) for n in range(SHARD_SIZE + 1)), return_exceptions=True
            )

    results = asyncio.run(burst())
    assert results[:SHARD_SIZE] == [200] * SHARD_SIZE
    assert isinstance(results[-1], httpx.PoolTimeout)


def test_a_failed_request_gives_its_place_back() -> None:
    pools = [SlowPool(0.0, [], fail=True)]

    async def burst() -> list[object]:
        async with httpx.AsyncClient(transport=sharded(SHARD_SIZE, pools)) as client:
            return await asyncio.gather(
                *(fetch(client, n) for n in range(3 * SHARD_SIZE)), return_exceptions=True
            )

    assert all(isinstance(r, httpx.ConnectError) for r in asyncio.run(burst()))


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url="https://api.test/api/v2") as router:
        router.get("/plans").respond(200, json={"items": [], "limit": 50, "offset": 0})
        yield router


def test_the_async_client_sends_through_it_and_frees_every_place(api: respx.MockRouter) -> None:
    async def burst() -> ShardedTransport:
        async with AsyncVelerianClient(api_key=TEST_KEY, base_url="https://api.test") as client:
            await asyncio.gather(*(client.get("plans") for _ in range(250)))
            transport = client._sender.http._transport  # pyright: ignore[reportPrivateUsage]
            assert isinstance(transport, ShardedTransport)
            return transport

    transport = asyncio.run(burst())
    assert api.calls.call_count == 250
    assert transport._busy == [0] * len(transport._busy)  # pyright: ignore[reportPrivateUsage]


class ClosingPool(SlowPool):
    """A pool that records whether it was closed."""

    def __init__(self) -> None:
        super().__init__(0.0, [])
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True


def test_a_loops_pools_close_when_the_loop_ends_and_a_new_loop_gets_new_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[ClosingPool] = []
    open_pools = ShardedTransport._open_pools  # pyright: ignore[reportPrivateUsage]

    def open_mock_pools(self: ShardedTransport) -> None:
        open_pools(self)
        opened.append(ClosingPool())
        self._pools = [opened[-1]]  # type: ignore[list-item]

    monkeypatch.setattr(ShardedTransport, "_open_pools", open_mock_pools)
    client = httpx.AsyncClient(transport=ShardedTransport(httpx.Limits(max_connections=10)))
    assert asyncio.run(fetch(client, 1)) == 200
    assert opened[0].closed  # by asyncio.run's shutdown, on its own loop
    assert asyncio.run(fetch(client, 2)) == 200
    assert len(opened) == 2
    assert opened[1].closed
    assert (opened[0].log, opened[1].log) == ([1], [2])


def test_a_forked_child_does_not_close_the_pools_it_inherited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from velerian_sdk._core import connections as _connections

    pool = ClosingPool()
    client = httpx.AsyncClient(transport=sharded(SHARD_SIZE, [pool]))

    async def call_then_fork() -> int:
        status = await fetch(client, 1)
        monkeypatch.setattr(_connections, "generation", _connections.generation + 1)
        return status

    assert asyncio.run(call_then_fork()) == 200
    assert not pool.closed  # the parent's connections


def test_closing_from_another_loop_leaves_the_old_loops_pools_alone() -> None:
    pool = ClosingPool()
    transport = sharded(SHARD_SIZE, [pool])
    loop = asyncio.new_event_loop()
    loop.run_until_complete(fetch(httpx.AsyncClient(transport=transport), 1))
    asyncio.run(transport.aclose())  # the pools' loop is stopped, not closed
    assert not pool.closed
    loop.close()


def test_a_call_finishing_on_a_loop_left_behind_frees_its_place_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def open_mock_pools(self: ShardedTransport) -> None:
        self._pools = [SlowPool(0.05, [])]  # type: ignore[list-item]
        self._busy = [0]  # pyright: ignore[reportPrivateUsage]
        self._places = asyncio.Semaphore(SHARD_SIZE)  # pyright: ignore[reportPrivateUsage]

    monkeypatch.setattr(ShardedTransport, "_open_pools", open_mock_pools)
    transport = ShardedTransport(httpx.Limits(max_connections=SHARD_SIZE))
    client = httpx.AsyncClient(transport=transport)
    old = asyncio.new_event_loop()
    pending = old.create_task(fetch(client, 1))
    old.run_until_complete(asyncio.sleep(0.01))  # the call is in flight; the loop stops
    assert asyncio.run(fetch(client, 2)) == 200  # another loop: pools of its own
    assert old.run_until_complete(pending) == 200  # the first call ends on its own loop
    old.close()
    assert transport._busy == [0]  # pyright: ignore[reportPrivateUsage]
    assert transport._places._value == SHARD_SIZE  # pyright: ignore[reportPrivateUsage]
