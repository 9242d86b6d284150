"""
The pool a client shares with its copies, after a fork (simulated: no socket, no child).

``_connections.generation`` is what ``os.register_at_fork`` bumps in a child; bumping it
here makes this process look like a freshly forked child to every client built before.
The pools the clients build are answered by a mock, so nothing leaves the process. The
real forks, over loopback, are in ``tests/reliability/test_fork.py``.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from tests.conftest import TEST_KEY
from velerian_sdk import (
    AsyncVelerianClient,
    VelerianClient,
    VelerianClientClosedError,
    VelerianClientMovedError,
)
from velerian_sdk._async import client as _client_async
from velerian_sdk._core import connections
from velerian_sdk._core.connections import open_connections
from velerian_sdk._sync import client as _client_sync

BASE = "https://api.test"


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={})


class Opaque(httpx.BaseTransport):
    """A transport of the user's own, which the SDK cannot look inside."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={})


@pytest.fixture(autouse=True)
def child_state(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Keep the fork state of this process as it was; mock the pools the SDK builds."""
    monkeypatch.setattr(connections, "generation", connections.generation)
    lock = connections._renewing  # pyright: ignore[reportPrivateUsage]
    monkeypatch.setattr(connections, "_renewing", lock)
    inherited: list[object] = []
    monkeypatch.setattr(connections, "_INHERITED", inherited)

    def sync_pool(headers: dict[str, str]) -> httpx.Client:
        return httpx.Client(headers=headers, transport=httpx.MockTransport(ok))

    def async_pool(headers: dict[str, str]) -> httpx.AsyncClient:
        return httpx.AsyncClient(headers=headers, transport=httpx.MockTransport(ok))

    monkeypatch.setattr(_client_sync, "_own_http_client", sync_pool)
    monkeypatch.setattr(_client_async, "_own_http_client", async_pool)
    return inherited


def fork() -> None:
    """What a child runs at the fork, before any of its own code."""
    connections._after_fork_in_child()  # pyright: ignore[reportPrivateUsage]


def test_a_forked_child_gets_a_new_pool_and_leaves_the_inherited_one_open(
    child_state: list[object],
) -> None:
    client = VelerianClient(api_key=TEST_KEY, base_url=BASE)
    client.get("plans")
    inherited = client._sender.http  # pyright: ignore[reportPrivateUsage]
    fork()
    client.get("plans")
    renewed = client._sender.http  # pyright: ignore[reportPrivateUsage]
    assert renewed is not inherited
    client.get("plans")
    assert client._sender.http is renewed  # renewed once, not per call  # pyright: ignore[reportPrivateUsage]
    assert child_state == [inherited]
    client.close()
    assert renewed.is_closed
    assert not inherited.is_closed  # the parent's connections: never closed in the child


def test_the_async_client_too() -> None:
    client = AsyncVelerianClient(api_key=TEST_KEY, base_url=BASE)
    inherited = client._sender.http  # pyright: ignore[reportPrivateUsage]

    async def main() -> httpx.AsyncClient:
        await client.get("plans")
        fork()
        async with client:
            await client.get("plans")
            return client._sender.http  # pyright: ignore[reportPrivateUsage]

    renewed = asyncio.run(main())
    assert renewed is not inherited
    assert renewed.is_closed
    assert not inherited.is_closed


def test_closing_in_the_child_before_any_call_leaves_the_inherited_pool_open(
    child_state: list[object],
) -> None:
    client = VelerianClient(api_key=TEST_KEY, base_url=BASE)
    inherited = client._sender.http  # pyright: ignore[reportPrivateUsage]
    fork()
    client.close()
    assert not inherited.is_closed
    assert child_state == [inherited]
    with pytest.raises(VelerianClientClosedError):
        client.get("plans")


def test_with_options_copies_share_the_renewed_pool() -> None:
    client = VelerianClient(api_key=TEST_KEY, base_url=BASE)
    derived = client.with_options(max_retries=0)
    fork()
    derived.get("plans")
    client.get("plans")
    assert client._sender.http is derived._sender.http  # pyright: ignore[reportPrivateUsage]
    client.close()
    with pytest.raises(VelerianClientClosedError):
        derived.get("plans")


def test_a_lock_held_by_another_thread_at_the_fork_does_not_hang_the_child() -> None:
    client = VelerianClient(api_key=TEST_KEY, base_url=BASE)
    held = connections._renewing  # pyright: ignore[reportPrivateUsage]
    held.acquire()
    try:
        fork()  # the thread holding it does not exist in the child: the lock is made anew
        done = threading.Event()

        def call() -> None:
            client.get("plans")
            done.set()

        threading.Thread(target=call, daemon=True).start()
        assert done.wait(5)
    finally:
        held.release()


@pytest.mark.parametrize(
    "transport",
    [httpx.MockTransport(ok), httpx.HTTPTransport()],
    ids=["mock", "httpx-no-connection-yet"],
)
def test_an_injected_client_without_connections_keeps_working_after_a_fork(
    transport: httpx.BaseTransport,
) -> None:
    own = httpx.Client(transport=transport)
    client = VelerianClient(api_key=TEST_KEY, base_url=BASE, http_client=own)
    fork()
    if isinstance(transport, httpx.MockTransport):
        client.get("plans")
    else:  # nothing may leave the process: the check alone is exercised
        assert client._sender.pool.current("VelerianClient") is own  # pyright: ignore[reportPrivateUsage]
    own.close()


def test_an_injected_client_that_may_hold_the_parents_connections_is_refused() -> None:
    own = httpx.Client(transport=Opaque())
    client = VelerianClient(api_key=TEST_KEY, base_url=BASE, http_client=own)
    client.get("plans")
    fork()
    for _ in range(2):  # every call, not only the first
        with pytest.raises(VelerianClientMovedError, match="build the http_client"):
            client.get("plans")
    assert not own.is_closed
    own.close()


def test_the_async_twin_refuses_it_too() -> None:
    class AsyncOpaque(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={})

    client = AsyncVelerianClient(
        api_key=TEST_KEY, base_url=BASE, http_client=httpx.AsyncClient(transport=AsyncOpaque())
    )
    fork()
    with pytest.raises(VelerianClientMovedError, match="after the fork"):
        asyncio.run(client.get("plans"))


def test_open_connections_counts_only_what_it_can_see() -> None:
    assert open_connections(httpx.Client(transport=httpx.MockTransport(ok))) == 0
    assert open_connections(httpx.Client()) == 0
    assert open_connections(httpx.AsyncClient()) == 0
    assert open_connections(httpx.Client(transport=Opaque())) is None
    mounted = httpx.Client(mounts={"https://other.test": Opaque()})
    assert open_connections(mounted) is None


def test_a_runtime_error_that_is_not_about_event_loops_is_left_alone() -> None:
    assert connections.moved_loop_error(RuntimeError("something else")) is None
    moved = connections.moved_loop_error(RuntimeError("Event loop is closed"))
    assert isinstance(moved, VelerianClientMovedError)
    assert "Event loop is closed" in str(moved)
